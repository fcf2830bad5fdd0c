package dev.adamant.report;

import dev.adamant.bench.ManyTensorsBenchmark;
import dev.adamant.bench.ModelStepBenchmark;
import dev.adamant.bench.StreamProbeBenchmark;
import dev.adamant.bench.ThreadScalingBenchmark;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Throughput at scale, from one run: GPT-2 small's parameter list against the stream probe,
 * 2,000 tensors of 1K against one tensor of the same size, and the step's thread scaling at 64M
 * elements ({@link ModelStepBenchmark}, {@link ManyTensorsBenchmark}, {@link ThreadScalingBenchmark}),
 * each with the ratio the targets name.
 */
final class ScaleTable {
    static final List<String> BENCHMARKS = List.of(ModelStepBenchmark.class.getSimpleName(),
            ManyTensorsBenchmark.class.getSimpleName(), ThreadScalingBenchmark.class.getSimpleName());
    private static final int BYTES_PER_ELEMENT = 28;

    // layout -> G elem/s
    private final Map<String, Double> model = new TreeMap<>();
    // stepThreads -> layout -> G elem/s
    private final Map<String, Map<String, Double>> many = new TreeMap<>();
    // threads -> G elem/s
    private final Map<Integer, Double> scaling = new TreeMap<>();
    private int scalingElements;
    private int streamSize;
    private double stream = Double.NaN;

    ScaleTable(JmhRun run) {
        for (JmhRun.Score s : run.scores()) {
            String b = s.benchmark();
            if (b.equals(ModelStepBenchmark.class.getSimpleName())) {
                model.put(s.param("layout") + threadsLabel(s.param("stepThreads")),
                        s.opsPerSecond() * ModelStepBenchmark.elements(s.param("model")) / 1e9);
            } else if (b.equals(ManyTensorsBenchmark.class.getSimpleName())) {
                many.computeIfAbsent(s.param("stepThreads"), k -> new TreeMap<>())
                        .put(s.param("layout"), s.opsPerSecond() * s.size() / 1e9);
            } else if (b.equals(ThreadScalingBenchmark.class.getSimpleName())) {
                scalingElements = s.size();
                scaling.put(Integer.parseInt(s.param("threadCount")), s.opsPerSecond() * s.size() / 1e9);
            } else if (b.equals(StreamProbeBenchmark.class.getSimpleName()) && s.size() >= streamSize) {
                streamSize = s.size();
                stream = s.opsPerSecond() * s.size() / 1e9;
            }
        }
    }

    private static String threadsLabel(String stepThreads) {
        return stepThreads.equals("0") ? "" : " (" + stepThreads + " threads)";
    }

    boolean isEmpty() {
        return model.isEmpty() && many.isEmpty() && scaling.isEmpty();
    }

    String render() {
        StringBuilder md = new StringBuilder();
        if (!model.isEmpty()) {
            md.append("GPT-2 small's parameter list (148 fp32 tensors, ")
                    .append(String.format(Locale.ROOT, "%,d", ModelStepBenchmark.GPT2_SMALL_ELEMENTS))
                    .append(" elements), one AdamW `step()` at the preferred width on all the machine's threads; "
                            + "the stream probe is single-threaded, at the largest size of the run (")
                    .append(streamSize == 0 ? "not measured" : streamSize + " elements").append(").\n\n");
            md.append("| layout | G elem/s | GB/s | vs stream probe |\n|---|---:|---:|---:|\n");
            model.forEach((layout, g) -> md.append("| ").append(layout).append(" | ").append(MarkdownReport.number(g))
                    .append(" | ").append(MarkdownReport.number(g * BYTES_PER_ELEMENT)).append(" | ")
                    .append(Double.isNaN(stream) ? "—" : String.format(Locale.ROOT, "%.2f×", g / stream)).append(" |\n"));
            md.append('\n');
        }
        if (!many.isEmpty()) {
            md.append("2,000 tensors of 1,024 elements against one tensor of 2,048,000: G elem/s, and the time "
                    + "relative to the one tensor (target: at most 1.3×).\n\n");
            md.append("| step threads | one tensor | 2000 caller-owned | time vs one | 2000 flat views | time vs one |\n")
                    .append("|---|---:|---:|---:|---:|---:|\n");
            many.forEach((threads, row) -> {
                Double one = row.get("one");
                md.append("| ").append(threads.equals("0") ? "all (default)" : threads).append(" | ")
                        .append(cell(one)).append(" | ").append(cell(row.get("separate"))).append(" | ")
                        .append(timeVs(one, row.get("separate"))).append(" | ").append(cell(row.get("flat"))).append(" | ")
                        .append(timeVs(one, row.get("flat"))).append(" |\n");
            });
            md.append('\n');
        }
        if (!scaling.isEmpty()) {
            md.append("Thread scaling: one AdamW `step()` over one tensor of ").append(scalingElements)
                    .append(" fp32 elements (target: 2 threads at least 1.25× one).\n\n");
            md.append("| threads | G elem/s | GB/s | vs 1 thread |\n|---:|---:|---:|---:|\n");
            Double single = scaling.get(1);
            scaling.forEach((t, g) -> md.append("| ").append(t).append(" | ").append(MarkdownReport.number(g)).append(" | ")
                    .append(MarkdownReport.number(g * BYTES_PER_ELEMENT)).append(" | ")
                    .append(single == null ? "—" : String.format(Locale.ROOT, "%.2f×", g / single)).append(" |\n"));
        }
        return md.toString();
    }

    private static String cell(Double g) {
        return g == null ? "—" : MarkdownReport.number(g);
    }

    /** Time of {@code many} relative to {@code one} for the same elements: the inverse ratio of their rates. */
    private static String timeVs(Double one, Double many) {
        return one == null || many == null ? "—" : String.format(Locale.ROOT, "%.2f×", one / many);
    }
}
