package dev.adamant.report;

import dev.adamant.kernel.Numerics;

import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;

/**
 * One row of the report: what was measured, independent of size. {@code kernel} is the
 * AdamW benchmark's kernel parameter ({@code scalar}, {@code 128}, {@code 256}, {@code 512},
 * {@code preferred}) for the engine's kernels, and empty for the heap loop and the stream probe;
 * {@code numerics} is empty for the stream probe.
 */
public record Variant(Kind kind, String kernel, Optional<Numerics> numerics) {

    public enum Kind { SCALAR, VECTOR, HEAP_LOOP, STREAM_PROBE }

    public static Variant scalar(Numerics numerics) {
        return new Variant(Kind.SCALAR, "scalar", Optional.of(numerics));
    }

    public static Variant vector(String kernel, Numerics numerics) {
        return new Variant(Kind.VECTOR, kernel, Optional.of(numerics));
    }

    public static Variant heapLoop(Numerics numerics) {
        return new Variant(Kind.HEAP_LOOP, "", Optional.of(numerics));
    }

    public static Variant streamProbe() {
        return new Variant(Kind.STREAM_PROBE, "", Optional.empty());
    }

    /** The row a JMH score belongs to, or empty for a benchmark the report does not know. */
    static Optional<Variant> of(JmhRun.Score score) {
        return switch (score.benchmark()) {
            case "AdamWStepBenchmark" -> {
                String kernel = score.param("kernel");
                Numerics numerics = numerics(score);
                yield Optional.of(kernel.equals("scalar") ? scalar(numerics) : vector(kernel, numerics));
            }
            case "HeapLoopBenchmark" -> Optional.of(heapLoop(numerics(score)));
            case "StreamProbeBenchmark" -> Optional.of(streamProbe());
            default -> Optional.empty();
        };
    }

    private static Numerics numerics(JmhRun.Score score) {
        String n = score.param("numerics");
        if (n == null) {
            throw new IllegalArgumentException(score.benchmark() + " result without a numerics parameter");
        }
        return Numerics.valueOf(n.toUpperCase(Locale.ROOT));
    }

    /** Lane width in bits for a fixed-width vector kernel; 0 otherwise (scalar, preferred, heap, stream). */
    public int fixedWidth() {
        return kind == Kind.VECTOR && !kernel.equals("preferred") ? Integer.parseInt(kernel) : 0;
    }

    /** {@code scalar reference}, {@code vector 256-bit}, {@code vector preferred (512-bit)}, ... */
    public String kernelLabel(int preferredWidth) {
        return switch (kind) {
            case SCALAR -> "scalar reference";
            case VECTOR -> kernel.equals("preferred")
                    ? "vector preferred" + (preferredWidth > 0 ? " (" + preferredWidth + "-bit)" : "")
                    : "vector " + kernel + "-bit";
            case HEAP_LOOP -> "heap float[] loop";
            case STREAM_PROBE -> "stream probe";
        };
    }

    public String numericsLabel() {
        return numerics.map(n -> n.name().toLowerCase(Locale.ROOT)).orElse("—");
    }

    /** Short name for legends and ratios: {@code vector-256 fast}, {@code heap loop exact}, {@code stream probe}. */
    public String shortName() {
        String base = switch (kind) {
            case SCALAR -> "scalar";
            case VECTOR -> "vector-" + kernel;
            case HEAP_LOOP -> "heap loop";
            case STREAM_PROBE -> "stream probe";
        };
        return numerics.map(n -> base + " " + n.name().toLowerCase(Locale.ROOT)).orElse(base);
    }

    /**
     * Report order: per numerics mode (exact, then fast) the scalar reference, the vector widths
     * from narrow to wide, the preferred width, the heap loop; the stream probe last.
     */
    static final Comparator<Variant> ORDER = Comparator
            .comparing((Variant v) -> v.numerics.map(Enum::ordinal).orElse(Integer.MAX_VALUE))
            .thenComparing(v -> v.kind == Kind.HEAP_LOOP ? 2 : v.kind == Kind.VECTOR ? 1 : 0)
            .thenComparing(v -> v.kernel.equals("preferred") ? Integer.MAX_VALUE : v.fixedWidth());
}
