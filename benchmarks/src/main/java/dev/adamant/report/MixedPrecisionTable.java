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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mixed-precision step ({@link MixedAdamStepBenchmark}): per numerics mode, thread count and
 * format, the bytes one step moves per element, steps/s, and the speed relative to the fp32 AdamW
 * kernel measured in the same run at the same width, size and thread count; and {@value #CHART_FILE},
 * those ratios as bars.
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

    private final Map<Series, Map<String, Double>> stepsPerSecond = new TreeMap<>();
    private int elements;
    private String width = "";

    MixedPrecisionTable(JmhRun run) {
        for (JmhRun.Score s : run.scores()) {
            if (s.benchmark().equals(BENCHMARK)) {
                elements = s.size();
                width = s.param("width");
                String threads = s.param("kernelThreads"); // absent from runs before it existed: one thread
                Series series = new Series(Numerics.valueOf(s.param("numerics")), threads == null ? 1 : Integer.parseInt(threads));
                stepsPerSecond.computeIfAbsent(series, n -> new LinkedHashMap<>()).put(s.param("format"), s.opsPerSecond());
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

    /** Steps per second of the fp32 AdamW kernel divided into those of {@code format}; NaN without the bar. */
    double ratio(Series series, String format) {
        Map<String, Double> row = stepsPerSecond.getOrDefault(series, Map.of());
        Double bar = row.get(MixedAdamStepBenchmark.FP32_ADAMW), steps = row.get(format);
        return bar == null || steps == null ? Double.NaN : steps / bar;
    }

    String render() {
        StringBuilder md = new StringBuilder();
        md.append("One fused AdamW step over ").append(elements).append(" elements at the ").append(widthLabel())
                .append(" kernel, per format `param[+master]/grad/state[+sr]` (8-bit state: one float32 scale per ")
                .append("256 elements); the speed-up is steps/s over those of the fp32 AdamW kernel (`")
                .append(MixedAdamStepBenchmark.FP32_ADAMW).append("`) in the same run on as many threads. At this size the ")
                .append("fp32 step streams from memory, so fewer bytes per element should mean more steps per second, ")
                .append("once the arithmetic the conversions add is spread over enough cores.\n\n");
        md.append("| format | numerics | threads | bytes moved / element | steps/s | G elem/s | speed-up vs fp32 AdamW |\n")
                .append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Map.Entry<Series, Map<String, Double>> bySeries : stepsPerSecond.entrySet()) {
            for (String format : ordered(bySeries.getValue())) {
                double steps = bySeries.getValue().get(format);
                double ratio = ratio(bySeries.getKey(), format);
                md.append("| ").append(format).append(" | ").append(bySeries.getKey().numerics().name().toLowerCase(Locale.ROOT))
                        .append(" | ").append(bySeries.getKey().threads())
                        .append(" | ").append(MarkdownReport.number(MixedAdamStepBenchmark.layoutOf(format).bytesMovedPerElement()))
                        .append(" | ").append(MarkdownReport.number(steps))
                        .append(" | ").append(MarkdownReport.number(steps * elements / 1e9))
                        .append(" | ").append(Double.isNaN(ratio) ? "–" : MarkdownReport.times(ratio)).append(" |\n");
            }
        }
        md.append("\n![speed-up of each format over fp32 AdamW](").append(CHART_FILE).append(")\n");
        return md.toString();
    }

    /** The formats in the benchmark's order, any unknown one last. */
    private static List<String> ordered(Map<String, Double> row) {
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
                        + " kernel: speed-up over fp32 AdamW")
                .xAxisTitle("format (param/grad/state)").yAxisTitle("steps/s ÷ fp32 AdamW's")
                .build();
        chart.getStyler().setYAxisMin(0.0)
                .setYAxisDecimalPattern("0.00")
                .setXAxisLabelRotation(20)
                .setLegendPosition(Styler.LegendPosition.InsideNE)
                .setPlotBackgroundColor(Color.WHITE)
                .setChartBackgroundColor(Color.WHITE);
        for (Map.Entry<Series, Map<String, Double>> bySeries : stepsPerSecond.entrySet()) {
            List<String> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (String format : ordered(bySeries.getValue())) {
                double ratio = ratio(bySeries.getKey(), format);
                if (!Double.isNaN(ratio)) {
                    x.add(format);
                    y.add(ratio);
                }
            }
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
