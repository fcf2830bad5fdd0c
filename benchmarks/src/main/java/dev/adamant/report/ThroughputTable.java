package dev.adamant.report;

import dev.adamant.kernel.Numerics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A JMH run as a table: one row per {@link Variant}, one column per size, each cell the
 * throughput in fp32 elements per second (calls per second × size). Every figure of the report
 * and the chart comes from here.
 */
public final class ThroughputTable {
    /** Bytes one AdamW element moves: reads p, g, m, v and writes p, m, v (4 bytes each). */
    public static final int BYTES_PER_ELEMENT = 28;

    private final List<Variant> rows;
    private final List<Integer> sizes;
    private final Map<Variant, Map<Integer, JmhRun.Score>> cells;
    private final List<String> ignored;

    private ThroughputTable(List<Variant> rows, List<Integer> sizes, Map<Variant, Map<Integer, JmhRun.Score>> cells,
                            List<String> ignored) {
        this.rows = rows;
        this.sizes = sizes;
        this.cells = cells;
        this.ignored = ignored;
    }

    public static ThroughputTable of(JmhRun run) {
        Map<Variant, Map<Integer, JmhRun.Score>> cells = new HashMap<>();
        TreeSet<Integer> sizes = new TreeSet<>();
        TreeSet<String> ignored = new TreeSet<>();
        for (JmhRun.Score s : run.scores()) {
            Optional<Variant> v = Variant.of(s);
            if (v.isEmpty()) {
                if (!s.benchmark().equals(FamilyTable.BENCHMARK) // these have sections of their own
                        && !s.benchmark().equals(FeatureCostTable.BENCHMARK)
                        && !s.benchmark().equals(MixedPrecisionTable.BENCHMARK)
                        && !ScaleTable.BENCHMARKS.contains(s.benchmark())) {
                    ignored.add(s.benchmark());
                }
                continue;
            }
            int size = s.size();
            JmhRun.Score previous = cells.computeIfAbsent(v.get(), k -> new TreeMap<>()).put(size, s);
            if (previous != null) {
                throw new IllegalArgumentException("two results for " + v.get().shortName() + " at size " + size);
            }
            sizes.add(size);
        }
        List<Variant> rows = new ArrayList<>(cells.keySet());
        rows.sort(Variant.ORDER);
        return new ThroughputTable(List.copyOf(rows), List.copyOf(sizes), cells, List.copyOf(ignored));
    }

    /** Rows in report order. */
    public List<Variant> rows() {
        return rows;
    }

    /** Sizes (fp32 elements per call), ascending. */
    public List<Integer> sizes() {
        return sizes;
    }

    /** Benchmarks in the file that are not part of the report. */
    public List<String> ignoredBenchmarks() {
        return ignored;
    }

    public Optional<JmhRun.Score> score(Variant row, int size) {
        return Optional.ofNullable(cells.getOrDefault(row, Map.of()).get(size));
    }

    /** Billions of elements per second, summed over threads. */
    public OptionalDouble gElemPerSecond(Variant row, int size) {
        return score(row, size).map(s -> OptionalDouble.of(s.opsPerSecond() * size / 1e9)).orElse(OptionalDouble.empty());
    }

    /** This row's throughput divided by the stream probe's at the same size. */
    public OptionalDouble fractionOfStream(Variant row, int size) {
        return ratio(row, Variant.streamProbe(), size);
    }

    /** Throughput of {@code a} divided by that of {@code b} at one size, if both were measured. */
    public OptionalDouble ratio(Variant a, Variant b, int size) {
        OptionalDouble x = gElemPerSecond(a, size), y = gElemPerSecond(b, size);
        return x.isPresent() && y.isPresent() && y.getAsDouble() > 0
                ? OptionalDouble.of(x.getAsDouble() / y.getAsDouble()) : OptionalDouble.empty();
    }

    /** Bytes per second the stream probe moved at this size, in GB/s (10^9). */
    public OptionalDouble streamGBPerSecond(int size) {
        OptionalDouble e = gElemPerSecond(Variant.streamProbe(), size);
        return e.isPresent() ? OptionalDouble.of(e.getAsDouble() * BYTES_PER_ELEMENT) : OptionalDouble.empty();
    }

    /**
     * The row for the JVM's preferred lane width in this numerics mode: the {@code preferred}
     * kernel if it was measured, else the fixed width equal to {@code preferredWidth}, else the
     * widest vector width measured (the caller says which it got through {@link Variant#kernel}).
     */
    public Optional<Variant> preferredVector(Numerics numerics, int preferredWidth) {
        Variant preferred = Variant.vector("preferred", numerics);
        if (cells.containsKey(preferred)) {
            return Optional.of(preferred);
        }
        Variant fixed = Variant.vector(Integer.toString(preferredWidth), numerics);
        if (preferredWidth > 0 && cells.containsKey(fixed)) {
            return Optional.of(fixed);
        }
        return rows.stream()
                .filter(v -> v.kind() == Variant.Kind.VECTOR && v.numerics().equals(Optional.of(numerics)) && v.fixedWidth() > 0)
                .max((a, b) -> Integer.compare(a.fixedWidth(), b.fixedWidth()));
    }

    /** Results in the table. */
    public int scoreCount() {
        return cells.values().stream().mapToInt(Map::size).sum();
    }

    /** Results whose error is more than {@code fraction} of their score. */
    public long noisyCount(double fraction) {
        return cells.values().stream().flatMap(m -> m.values().stream())
                .filter(s -> !Double.isNaN(s.error()) && s.error() > fraction * s.opsPerSecond()).count();
    }

    /** The score with the largest relative error (error / score), if any has one. */
    public Optional<JmhRun.Score> noisiest() {
        return cells.values().stream().flatMap(m -> m.values().stream())
                .filter(s -> !Double.isNaN(s.error()) && s.opsPerSecond() > 0)
                .max((a, b) -> Double.compare(a.error() / a.opsPerSecond(), b.error() / b.opsPerSecond()));
    }
}
