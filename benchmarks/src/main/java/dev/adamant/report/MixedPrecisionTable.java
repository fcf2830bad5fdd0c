package dev.adamant.report;

import dev.adamant.bench.MixedAdamStepBenchmark;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.Numerics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The mixed-precision step ({@link MixedAdamStepBenchmark}): per numerics mode, thread count and
 * format, the bytes one step moves per element, steps/s, and the speed relative to the fp32 AdamW
 * kernel measured in the same run at the same width, size and thread count; and {@value #CHART_FILE},
 * those ratios as bars. A run in several cycles (the benchmark's {@code cycle}) has one ratio per cycle,
 * to the bar of the same cycle: the machine drifts between cycles more than within one. The table gives
 * their median and range, the chart their median.
 */
final class MixedPrecisionTable {
    static {
        // before any AWT class initialises: no display on a build machine
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final String BENCHMARK = MixedAdamStepBenchmark.class.getSimpleName();
    static final String CHART_FILE = "mixed-precision.png";

    /** Rows that share a bar: one numerics mode at one thread count. */
    record Series(Numerics numerics, int threads) implements Comparable<Series> {
        @Override
        public int compareTo(Series o) {
            int byNumerics = numerics.compareTo(o.numerics);
            return byNumerics != 0 ? byNumerics : Integer.compare(threads, o.threads);
        }

        String label() {
            return numerics.name().toLowerCase(Locale.ROOT) + ", " + threads + (threads == 1 ? " thread" : " threads");
        }
    }

    /** Per series and format, steps/s per cycle. */
    private final Map<Series, Map<String, Map<Integer, Double>>> stepsPerSecond = new TreeMap<>();
    private final Set<Integer> cycles = new TreeSet<>();
    private int elements;
    private String width = "";

    MixedPrecisionTable(JmhRun run) {
        for (JmhRun.Score s : run.scores()) {
            if (s.benchmark().equals(BENCHMARK)) {
                elements = s.size();
                width = s.param("width");
                String threads = s.param("kernelThreads"); // absent from runs before it existed: one thread
                Series series = new Series(Numerics.valueOf(s.param("numerics")), threads == null ? 1 : Integer.parseInt(threads));
                String cycle = s.param("cycle"); // absent from runs before it existed: one cycle
                int c = cycle == null ? 1 : Integer.parseInt(cycle);
                cycles.add(c);
                stepsPerSecond.computeIfAbsent(series, n -> new LinkedHashMap<>())
                        .computeIfAbsent(s.param("format"), f -> new TreeMap<>()).put(c, s.opsPerSecond());
            }
        }
    }

    /** {@code 512-bit}, or {@code scalar} / {@code preferred} as given. */
    private String widthLabel() {
        return !width.isEmpty() && width.chars().allMatch(Character::isDigit) ? width + "-bit" : width;
    }

    boolean isEmpty() {
        return stepsPerSecond.isEmpty();
    }

    /**
     * Per cycle, steps/s of {@code format} divided by those of the fp32 AdamW kernel in the same cycle;
     * cycles without both are left out.
     */
    List<Double> ratios(Series series, String format) {
        Map<String, Map<Integer, Double>> row = stepsPerSecond.getOrDefault(series, Map.of());
        Map<Integer, Double> bar = row.getOrDefault(MixedAdamStepBenchmark.FP32_ADAMW, Map.of());
        List<Double> ratios = new ArrayList<>();
        row.getOrDefault(format, Map.of()).forEach((cycle, steps) -> {
            Double barSteps = bar.get(cycle);
            if (barSteps != null) {
                ratios.add(steps / barSteps);
            }
        });
        return ratios;
    }

    /** The middle value, or the mean of the two middle ones; NaN if there are none. */
    static double median(Collection<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    String render() {
        StringBuilder md = new StringBuilder();
        md.append("One fused AdamW step over ").append(elements).append(" elements at the ").append(widthLabel())
                .append(" kernel, per format `param[+master]/grad/state[+sr]` (8-bit state: one float32 scale per ")
                .append("256 elements); the speed-up is steps/s over those of the fp32 AdamW kernel (`")
                .append(MixedAdamStepBenchmark.FP32_ADAMW).append("`) in the same run on as many threads. At this size the ")
                .append("fp32 step streams from memory, so fewer bytes per element should mean more steps per second, ")
                .append("once the arithmetic the conversions add is spread over enough cores.\n\n");
        boolean inCycles = cycles.size() > 1;
        if (inCycles) {
            md.append("The formats ran in ").append(cycles.size()).append(" cycles, each measuring the bar and every format ")
                    .append("and thread count once, so that each format is divided by a bar measured close to it. The speed-up ")
                    .append("is the median of the per-cycle speed-ups (steps/s over the bar's in the same cycle), next to their ")
                    .append("range; steps/s and G elem/s are medians over the cycles. The chart shows the medians.\n\n");
        }
        md.append("| format | numerics | threads | bytes moved / element | ").append(inCycles ? "median steps/s" : "steps/s")
                .append(" | G elem/s | ").append(inCycles ? "median speed-up vs fp32 AdamW | range over cycles |\n"
                        : "speed-up vs fp32 AdamW |\n")
                .append("|---|---|---:|---:|---:|---:|---:|").append(inCycles ? "---:|\n" : "\n");
        for (Map.Entry<Series, Map<String, Map<Integer, Double>>> bySeries : stepsPerSecond.entrySet()) {
            for (String format : ordered(bySeries.getValue())) {
                double steps = median(bySeries.getValue().get(format).values());
                List<Double> ratios = ratios(bySeries.getKey(), format);
                md.append("| ").append(format).append(" | ").append(bySeries.getKey().numerics().name().toLowerCase(Locale.ROOT))
                        .append(" | ").append(bySeries.getKey().threads())
                        .append(" | ").append(MarkdownReport.number(MixedAdamStepBenchmark.layoutOf(format).bytesMovedPerElement()))
                        .append(" | ").append(MarkdownReport.number(steps))
                        .append(" | ").append(MarkdownReport.number(steps * elements / 1e9))
                        .append(" | ").append(ratios.isEmpty() ? "–" : MarkdownReport.times(median(ratios))).append(" |");
                if (inCycles) {
                    md.append(' ').append(range(ratios)).append(" |");
                }
                md.append('\n');
            }
        }
        md.append("\n![speed-up of each format over fp32 AdamW](").append(CHART_FILE).append(")\n");
        return md.toString();
    }

    /** {@code 0.96–1.27×}, with the count if some cycle lacks the format or its bar. */
    private String range(List<Double> ratios) {
        if (ratios.isEmpty()) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f–%.2f×", Collections.min(ratios), Collections.max(ratios))
                + (ratios.size() < cycles.size() ? " (" + ratios.size() + " of " + cycles.size() + " cycles)" : "");
    }

    /** The formats in the benchmark's order, any unknown one last. */
    private static List<String> ordered(Map<String, ?> row) {
        List<String> all = new ArrayList<>();
        for (String f : MixedAdamStepBenchmark.FORMATS) {
            if (row.containsKey(f)) all.add(f);
        }
        for (String f : row.keySet()) {
            if (!all.contains(f)) all.add(f);
        }
        return all;
    }

    CategoryChart chart() {
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(550)
                .title("Mixed-precision AdamW step, " + elements + " elements, " + widthLabel()
                        + " kernel: speed-up over fp32 AdamW" + (cycles.size() > 1 ? ", median of " + cycles.size() + " cycles" : ""))
                .xAxisTitle("format (param/grad/state)").yAxisTitle("steps/s ÷ fp32 AdamW's")
                .build();
        chart.getStyler().setYAxisMin(0.0)
                .setYAxisDecimalPattern("0.00")
                .setXAxisLabelRotation(20)
                .setLegendPosition(Styler.LegendPosition.OutsideE) // inside, it covered the last group's bars
                .setPlotBackgroundColor(Color.WHITE)
                .setChartBackgroundColor(Color.WHITE);
        for (Map.Entry<Series, Map<String, Map<Integer, Double>>> bySeries : stepsPerSecond.entrySet()) {
            List<String> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (String format : ordered(bySeries.getValue())) {
                List<Double> ratios = ratios(bySeries.getKey(), format);
                if (!ratios.isEmpty()) {
                    x.add(format);
                    y.add(median(ratios));
                }
            }
            // no whiskers for the range: XChart's error bars are symmetric, and the range seldom is
            if (!x.isEmpty()) {
                chart.addSeries(bySeries.getKey().label(), x, y);
            }
        }
        return chart;
    }

    void writeChart(Path png) throws IOException {
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart(), out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
