package dev.adamant.report;

import dev.adamant.kernel.Numerics;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategorySeries;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report of synthetic and sample JMH results: table, fractions, ratios, chart. No JMH runs here. */
class ReportTest {
    private static final MachineInfo MACHINE = new MachineInfo("Test CPU", 2, Optional.of("1.0 GiB"));
    private static final ReportContext CONTEXT = new ReportContext(MACHINE, Instant.parse("2025-01-02T03:04:05Z"),
            Optional.of("quick sweep: test"), 512);

    /**
     * Round numbers: at size 1000 the stream probe does 4e6 calls/s = 4.00 G elem/s; the 512-bit
     * fast kernel 3e6 calls/s = 3.00 G elem/s, which is 0.75 of the stream probe.
     */
    static String synthetic() {
        SyntheticJmh j = new SyntheticJmh();
        for (int size : new int[]{1000, 1000000}) {
            double k = 1000.0 / size;   // the same G elem/s at both sizes except where noted
            j.adamW("scalar", "EXACT", size, 0.25e6 * k).adamW("scalar", "FAST", size, 0.5e6 * k)
                    .adamW("128", "EXACT", size, 1e6 * k).adamW("128", "FAST", size, 1.5e6 * k)
                    .adamW("512", "EXACT", size, 2e6 * k).adamW("512", "FAST", size, (size == 1000 ? 3e6 : 2.5e6) * k)
                    .heapLoop("EXACT", size, 1.8e6 * k).heapLoop("FAST", size, 2e6 * k)
                    .stream(size, (size == 1000 ? 4e6 : 3e6) * k);
        }
        return j.json();
    }

    @Test
    void theFamilyAndTheStepFeaturesHaveSectionsOfTheirOwn() {
        SyntheticJmh j = new SyntheticJmh();
        j.add("dev.adamant.bench.OptimizerStepBenchmark.step", Map.of("optimizer", "sgd", "backend", "scalar", "elements", "1000"), 1e6)
                .add("dev.adamant.bench.OptimizerStepBenchmark.step", Map.of("optimizer", "sgd", "backend", "preferred", "elements", "1000"), 5e6)
                .add("dev.adamant.bench.StepFeaturesBenchmark.step", Map.of("feature", "plain", "elements", "1000"), 4e6)
                .add("dev.adamant.bench.StepFeaturesBenchmark.step", Map.of("feature", "clip", "elements", "1000"), 2e6)
                .add("dev.adamant.bench.StepFeaturesBenchmark.step", Map.of("feature", "value-clip", "elements", "1000"), 3.2e6)
                .add("dev.adamant.bench.StepFeaturesBenchmark.step", Map.of("feature", "clip+unscale+monitor", "elements", "1000"), 1e6)
                .stream(1000, 8e6);
        String md = new MarkdownReport(JmhRun.parse(j.json()), CONTEXT).render();
        // sgd: 1.00 and 5.00 G elem/s, 5×, 20 bytes per element → 100 GB/s
        assertTrue(md.contains("| sgd | 1000 | 20 | 1.00 | 5.00 | 5.00× | 100.0 |"), md);
        // clip: half the plain step's throughput, so twice its time
        assertTrue(md.contains("| clip | 2.00 | 2.00× |"), md);
        assertTrue(md.contains("| plain | 4.00 | 1.00× |"), md);
        assertTrue(md.contains("| value-clip | 3.20 | 1.25× | `clipGradValue(1.0)`"), md);
        assertTrue(md.contains("| clip+unscale+monitor | 1.00 | 4.00× | clipping, unscaling and monitoring together |"), md);
        assertFalse(md.contains("Not in the table"), md);
    }

    /** The mixed-precision step: formats with their bytes per element, steps/s, and the ratio to the fp32 bar. */
    static SyntheticJmh mixed(SyntheticJmh j) {
        for (Object[] row : new Object[][] {{"fp32-adamw", 20.0}, {"fp32/fp32/bf16", 25.0}, {"fp32/fp32/8bit", 30.0},
                {"bf16+master/bf16/8bit", 16.0}}) {
            j.add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("format", (String) row[0], "numerics", "EXACT",
                    "stepElements", "1000", "width", "512"), (Double) row[1]);
        }
        // a FAST row without its bar: no ratio
        j.add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("format", "fp32/fp32/8bit", "numerics", "FAST",
                "stepElements", "1000", "width", "512"), 40.0);
        // two threads: their own bar
        j.add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("format", "fp32-adamw", "numerics", "EXACT",
                "kernelThreads", "2", "stepElements", "1000", "width", "512"), 24.0);
        return j.add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("format", "fp32/fp32/bf16", "numerics", "EXACT",
                "kernelThreads", "2", "stepElements", "1000", "width", "512"), 36.0);
    }

    @Test
    void theMixedPrecisionStepHasItsTableAndChart(@TempDir Path dir) throws IOException {
        String json = mixed(new SyntheticJmh()).stream(1000, 8e6).json();
        String md = new MarkdownReport(JmhRun.parse(json), CONTEXT).render();
        assertTrue(md.contains("## Mixed precision"), md);
        // bytes moved: 28 for fp32; 4+4+4 + 2·2·2 = 20 for bf16 state; 8-bit: 8 + 4 + 2·2·(1 + 4/256) = 16.06
        // a row without kernelThreads (runs from before it existed) is one thread
        assertTrue(md.contains("| fp32-adamw | exact | 1 | 28.0 | 20.0 | 0.00 | 1.00× |"), md);
        assertTrue(md.contains("| fp32/fp32/bf16 | exact | 1 | 20.0 | 25.0 | 0.00 | 1.25× |"), md);
        assertTrue(md.contains("| fp32/fp32/8bit | exact | 1 | 16.1 | 30.0 | 0.00 | 1.50× |"), md);
        // bf16 param + fp32 master: 2+4+2 + 2·2·1.0156 + 2+4 (written back, the grad read only) = 18.06
        assertTrue(md.contains("| bf16+master/bf16/8bit | exact | 1 | 18.1 | 16.0 | 0.00 | 0.80× |"), md);
        assertTrue(md.contains("| fp32/fp32/8bit | fast | 1 | 16.1 | 40.0 | 0.00 | – |"), md);
        // divided by the fp32 step on two threads, not one
        assertTrue(md.contains("| fp32-adamw | exact | 2 | 28.0 | 24.0 | 0.00 | 1.00× |"), md);
        assertTrue(md.contains("| fp32/fp32/bf16 | exact | 2 | 20.0 | 36.0 | 0.00 | 1.50× |"), md);
        assertTrue(md.contains("![speed-up of each format over fp32 AdamW](mixed-precision.png)"), md);
        assertFalse(md.contains("Not in the table"), md);

        Path in = dir.resolve("in.json");
        Files.writeString(in, json);
        ReportFolder.write(JmhRun.read(in), in, dir.resolve("r"), CONTEXT, new PrintStream(new ByteArrayOutputStream()));
        BufferedImage image = ImageIO.read(dir.resolve("r").resolve("mixed-precision.png").toFile());
        assertNotNull(image, "ImageIO reads the mixed-precision chart as an image");
        assertTrue(image.getWidth() > 500, "width " + image.getWidth());
    }

    /**
     * Three cycles whose bar and formats drift together: bf16 state at 1.5, 1.1 and 0.8 times its cycle's bar. The
     * median of those is 1.10; the median steps/s over the median bar would be 30 / 25 = 1.20, their mean 1.13.
     * The 8-bit state has no result in cycle 2: two ratios, 0.5 and 1.2.
     */
    static SyntheticJmh cycles(SyntheticJmh j) {
        double[][] byCycle = {{20, 30, 10}, {40, 44, Double.NaN}, {25, 20, 30}};
        String[] formats = {"fp32-adamw", "fp32/fp32/bf16", "fp32/fp32/8bit"};
        for (int c = 0; c < byCycle.length; c++) {
            for (int f = 0; f < formats.length; f++) {
                if (!Double.isNaN(byCycle[c][f])) {
                    j.add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("cycle", "" + (c + 1), "format", formats[f],
                            "kernelThreads", "1", "numerics", "EXACT", "stepElements", "1000", "width", "512"), byCycle[c][f]);
                }
            }
        }
        return j;
    }

    @Test
    void cyclesGiveTheMedianOfPerCycleRatiosAndTheirRange(@TempDir Path dir) throws IOException {
        String json = cycles(new SyntheticJmh()).stream(1000, 8e6).json();
        String md = new MarkdownReport(JmhRun.parse(json), CONTEXT).render();
        assertTrue(md.contains("The formats ran in 3 cycles"), md);
        assertTrue(md.contains("the median of the per-cycle speed-ups"), md);
        assertTrue(md.contains("| median steps/s | G elem/s | median speed-up vs fp32 AdamW | range over cycles |"), md);
        assertTrue(md.contains("| fp32-adamw | exact | 1 | 28.0 | 25.0 | 0.00 | 1.00× | 1.00–1.00× |"), md);
        assertTrue(md.contains("| fp32/fp32/bf16 | exact | 1 | 20.0 | 30.0 | 0.00 | 1.10× | 0.80–1.50× |"), md);
        // two cycles: the mean of the two ratios, and the table says that one is missing
        assertTrue(md.contains("| fp32/fp32/8bit | exact | 1 | 16.1 | 20.0 | 0.00 | 0.85× | 0.50–1.20× (2 of 3 cycles) |"), md);

        // the chart's bars are the medians, without whiskers (XChart's are symmetric; the range is in the table)
        MixedPrecisionTable table = new MixedPrecisionTable(JmhRun.parse(json));
        CategorySeries series = table.chart().getSeriesMap().get("exact, 1 thread");
        assertEquals(List.of("fp32-adamw", "fp32/fp32/bf16", "fp32/fp32/8bit"), List.copyOf(series.getXData()));
        List<Double> medians = series.getYData().stream().map(Number::doubleValue).toList();
        assertEquals(1.0, medians.get(0), 1e-12);
        assertEquals(1.1, medians.get(1), 1e-12);
        assertEquals(0.85, medians.get(2), 1e-12);
        assertNull(series.getExtraValues());

        Path in = dir.resolve("in.json");
        Files.writeString(in, json);
        ReportFolder.write(JmhRun.read(in), in, dir.resolve("r"), CONTEXT, new PrintStream(new ByteArrayOutputStream()));
        assertNotNull(ImageIO.read(dir.resolve("r").resolve("mixed-precision.png").toFile()));
    }

    @Test
    void oneCycleLooksAsBefore() {
        SyntheticJmh j = new SyntheticJmh();
        for (String[] row : new String[][] {{"fp32-adamw", "20"}, {"fp32/fp32/bf16", "30"}}) {
            j.add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("cycle", "1", "format", row[0], "kernelThreads", "1",
                    "numerics", "EXACT", "stepElements", "1000", "width", "512"), Double.parseDouble(row[1]));
        }
        String json = j.stream(1000, 8e6).json();
        String md = new MarkdownReport(JmhRun.parse(json), CONTEXT).render();
        assertTrue(md.contains("| format | numerics | threads | bytes moved / element | steps/s | G elem/s | speed-up vs fp32 AdamW |\n"), md);
        assertTrue(md.contains("| fp32/fp32/bf16 | exact | 1 | 20.0 | 30.0 | 0.00 | 1.50× |\n"), md);
        assertFalse(md.contains("cycles"), md);
        assertNull(new MixedPrecisionTable(JmhRun.parse(json)).chart().getSeriesMap().get("exact, 1 thread").getExtraValues());
    }

    @Test
    void withoutTheMixedBenchmarkThereIsNoMixedSectionNorChart(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in.json");
        Files.writeString(in, synthetic());
        ReportFolder.write(JmhRun.read(in), in, dir.resolve("r"), CONTEXT, new PrintStream(new ByteArrayOutputStream()));
        assertFalse(Files.readString(dir.resolve("r").resolve("report.md")).contains("Mixed precision"));
        assertFalse(Files.exists(dir.resolve("r").resolve("mixed-precision.png")));
    }

    @Test
    void theScaleBenchmarksHaveTheTargetsRatios() {
        long gpt2 = dev.adamant.bench.ModelStepBenchmark.GPT2_SMALL_ELEMENTS;
        SyntheticJmh j = new SyntheticJmh();
        j.add("dev.adamant.bench.ModelStepBenchmark.step", Map.of("layout", "flat", "model", "gpt2-small", "stepThreads", "0"),
                        1.5e9 / gpt2)
                .add("dev.adamant.bench.ManyTensorsBenchmark.step", Map.of("layout", "one", "elements", "2048000", "stepThreads", "1"),
                        2e9 / 2048000)
                .add("dev.adamant.bench.ManyTensorsBenchmark.step", Map.of("layout", "separate", "elements", "2048000", "stepThreads", "1"),
                        1.6e9 / 2048000)
                .add("dev.adamant.bench.ThreadScalingBenchmark.step", Map.of("elements", "67108864", "threadCount", "1"),
                        1e9 / 67108864)
                .add("dev.adamant.bench.ThreadScalingBenchmark.step", Map.of("elements", "67108864", "threadCount", "2"),
                        1.5e9 / 67108864)
                .stream(1000, 1e6)
                .stream(16777216, 2e9 / 16777216);
        String md = new MarkdownReport(JmhRun.parse(j.json()), CONTEXT).render();
        // the model against the probe at its largest size: 1.5 / 2.0
        assertTrue(md.contains("| flat | 1.50 | 42.0 | 0.75× |"), md);
        // 2000 tensors: 2.0 against 1.6 G elem/s is 1.25× the time
        assertTrue(md.contains("| 1 | 2.00 | 1.60 | 1.25× | — | — |"), md);
        assertTrue(md.contains("| 2 | 1.50 | 42.0 | 1.50× |"), md);
        assertFalse(md.contains("Not in the table"), md);
    }

    @Test
    void tableHasOneRowPerVariantAndOneColumnPerSize() {
        ThroughputTable t = ThroughputTable.of(JmhRun.parse(synthetic()));
        assertEquals(List.of(1000, 1000000), t.sizes());
        assertEquals(List.of(Variant.scalar(Numerics.EXACT), Variant.vector("128", Numerics.EXACT), Variant.vector("512", Numerics.EXACT),
                Variant.heapLoop(Numerics.EXACT), Variant.scalar(Numerics.FAST), Variant.vector("128", Numerics.FAST),
                Variant.vector("512", Numerics.FAST), Variant.heapLoop(Numerics.FAST), Variant.streamProbe()), t.rows());
    }

    @Test
    void cellsAreElementsPerSecondAndFractionsOfTheStreamProbe() {
        MarkdownReport report = new MarkdownReport(JmhRun.parse(synthetic()), CONTEXT);
        ThroughputTable t = report.table();
        // by hand: 3e6 calls/s × 1000 elements = 3.00e9 elements/s; stream 4e6 × 1000 = 4.00e9; 3 / 4 = 0.75
        assertEquals(3.0, t.gElemPerSecond(Variant.vector("512", Numerics.FAST), 1000).orElseThrow(), 1e-12);
        assertEquals(0.75, t.fractionOfStream(Variant.vector("512", Numerics.FAST), 1000).orElseThrow(), 1e-12);
        // at 1e6: 2.5e3 calls/s × 1e6 = 2.5e9; stream 3e3 × 1e6 = 3e9; 2.5 / 3 = 0.8333
        assertEquals(2.5 / 3, t.fractionOfStream(Variant.vector("512", Numerics.FAST), 1000000).orElseThrow(), 1e-12);
        assertEquals(112.0, t.streamGBPerSecond(1000).orElseThrow(), 1e-9);   // 4e9 elements/s × 28 bytes

        List<String> lines = report.render().lines().toList();
        assertTrue(lines.contains("| kernel | numerics | 1000 | 1000000 |"), report.render());
        assertTrue(lines.contains("| vector 512-bit | fast | 3.00 (0.75×) | 2.50 (0.83×) |"), report.render());
        assertTrue(lines.contains("| scalar reference | exact | 0.25 (0.06×) | 0.25 (0.08×) |"), report.render());
        assertTrue(lines.contains("| heap float[] loop | fast | 2.00 (0.50×) | 2.00 (0.67×) |"), report.render());
        assertTrue(lines.contains("| stream probe | — | 4.00 | 3.00 |"), report.render());
        assertEquals(9, lines.stream().filter(l -> l.startsWith("| ") && !l.startsWith("| kernel") && !l.startsWith("| ratio")
                && !l.contains("/")).count(), "one table line per row: " + lines);
        assertTrue(lines.contains("Stream probe bandwidth (elements/s × 28 bytes): 1000: 112 GB/s · 1000000: 84.0 GB/s."), report.render());
    }

    @Test
    void ratiosUseThePreferredWidth() {
        String md = new MarkdownReport(JmhRun.parse(synthetic()), CONTEXT).render();
        List<String> lines = md.lines().toList();
        assertTrue(md.contains("Vector figures are those of the preferred width, 512 bits."), md);
        assertTrue(lines.contains("| vector-512 fast / scalar fast | 6.00× | 5.00× |"), md);
        assertTrue(lines.contains("| vector-512 fast / heap loop fast | 1.50× | 1.25× |"), md);
        assertTrue(lines.contains("| vector-512 exact / vector-512 fast | 0.67× | 0.80× |"), md);
        assertTrue(md.contains("Vector / stream probe at the largest sizes: 1000: vector-512 exact 0.50×, vector-512 fast 0.75× · "
                + "1000000: vector-512 exact 0.67×, vector-512 fast 0.83×."), md);

        // preferred width not measured: the widest measured width stands in, and the report says so
        String narrow = new MarkdownReport(JmhRun.parse(synthetic()), new ReportContext(MACHINE, Instant.EPOCH, Optional.empty(), 256)).render();
        assertTrue(narrow.contains("widest width measured, 512 bits (the preferred width 256 was not measured)"), narrow);
    }

    @Test
    void headerNamesTheMachineJdkFlagsDateAndSettings() {
        String md = new MarkdownReport(JmhRun.parse(synthetic()), CONTEXT).render();
        assertTrue(md.contains("- **Machine:** Test CPU, 2 logical CPUs, 1.0 GiB RAM, preferred vector width 512 bits"), md);
        assertTrue(md.contains("- **JDK:** 25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+9-LTS)"), md);
        assertTrue(md.contains("`--add-modules=jdk.incubator.vector` `-Xmx4g`"), md);
        assertTrue(md.contains("- **Date:** 2025-01-02 03:04 UTC"), md);
        assertTrue(md.contains("- **Sweep:** quick sweep: test"), md);
        assertTrue(md.contains("warmup 2 × 500 ms, measurement 3 × 500 ms"), md);
        assertFalse(md.contains("aggregate"), md);
        // synthetic errors are 1% of each score
        assertTrue(md.contains("- **Noise:** 0 of 18 configurations have a 99.9% confidence half-width above 10% of their score"), md);
        assertTrue(md.contains("![G elem/s against size](throughput.png)"), md);
    }

    @Test
    void aFirstIterationBelowHalfTheMedianIsListedUnderTheWarmUpCheck() {
        String json = new SyntheticJmh().stream(4096, 2e6)
                .add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("cycle", "1", "format", "fp32/fp32/8bit", "kernelThreads", "2",
                        "numerics", "EXACT", "stepElements", "67108864", "width", "512"), 20.6, 0.7, 30.2, 31)
                // below the median, but not below half of it
                .add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("cycle", "1", "format", "fp32-adamw", "kernelThreads", "2",
                        "numerics", "EXACT", "stepElements", "67108864", "width", "512"), 24, 16, 28, 28)
                .json();
        String md = new MarkdownReport(JmhRun.parse(json), CONTEXT).render();
        assertTrue(md.contains("## Warm-up check\n\n1 of 3 configurations have a first measured iteration below half the median "
                + "of their iterations: their warmup was too short"), md);
        assertTrue(md.contains("- MixedAdamStep cycle=1 format=fp32/fp32/8bit kernelThreads=2 numerics=EXACT stepElements=67108864 "
                + "width=512: first iteration 0.70 ops/s, median 30.2 ops/s\n"), md);
        assertFalse(md.contains("format=fp32-adamw"), md);
    }

    @Test
    void theWarmUpCheckSaysSoWhenAllPass() {
        String json = new SyntheticJmh().stream(4096, 2e6).add("dev.adamant.bench.StreamProbeBenchmark.readFourWriteThree",
                Map.of("size", "65536"), 1e5, 0.9e5, 1e5, 1.1e5).json();
        String md = new MarkdownReport(JmhRun.parse(json), CONTEXT).render();
        assertTrue(md.contains("## Warm-up check\n\nAll 2 configurations passed: none has a first measured iteration below half "
                + "the median of its iterations.\n"), md);
    }

    @Test
    void theSettingsLineGivesTheMixedStepsLongerWarmup() {
        String json = new SyntheticJmh().warmup(2, "400 ms").stream(4096, 2e6).warmup(5, "1 s")
                .add("dev.adamant.bench.MixedAdamStepBenchmark.step", Map.of("format", "fp32-adamw", "numerics", "EXACT",
                        "stepElements", "1000", "width", "512"), 30).json();
        String md = new MarkdownReport(JmhRun.parse(json), CONTEXT).render();
        assertTrue(md.contains("warmup 2 × 400 ms (5 × 1 s for MixedAdamStepBenchmark), measurement 3 × 500 ms\n"), md);
    }

    @Test
    void threadsMakeFiguresAggregateAndTheReportSaysSo() {
        String json = new SyntheticJmh().threads(2).adamW("scalar", "FAST", 4096, 1e5).stream(4096, 1e6).json();
        String md = new MarkdownReport(JmhRun.parse(json), CONTEXT).render();
        assertTrue(md.contains("Figures are aggregate over 2 JMH threads, each updating its own buffers"), md);
        assertTrue(md.contains("No vector kernel was measured"), md);
    }

    @Test
    void sampleRunHasElevenRowsAndTwoSizes() throws IOException {
        ThroughputTable t = ThroughputTable.of(JmhRun.parse(sample()));
        assertEquals(List.of(4096, 65536), t.sizes());
        assertEquals(11, t.rows().size());
        // sample: scalar fast at 4096 does 105728.03 calls/s; stream 1020105.95 calls/s
        assertEquals(105728.03096880556 * 4096 / 1e9, t.gElemPerSecond(Variant.scalar(Numerics.FAST), 4096).orElseThrow(), 1e-12);
        assertEquals(105728.03096880556 / 1020105.9532088568, t.fractionOfStream(Variant.scalar(Numerics.FAST), 4096).orElseThrow(), 1e-12);
    }

    @Test
    void folderHoldsJsonMarkdownAndAReadablePng(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("in.json");
        Files.writeString(json, synthetic());
        Path out = dir.resolve("report");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ReportFolder.write(JmhRun.read(json), json, out, CONTEXT, new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertArrayEquals(Files.readAllBytes(json), Files.readAllBytes(out.resolve("jmh.json")));
        assertTrue(Files.readString(out.resolve("report.md")).startsWith("# Adamant throughput report"));
        Path png = out.resolve("throughput.png");
        assertTrue(Files.size(png) > 0);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "ImageIO reads the chart as an image");
        assertTrue(image.getWidth() > 0 && image.getHeight() > 0);
        String stdout = printed.toString(StandardCharsets.UTF_8);
        assertTrue(stdout.contains("| vector 512-bit | fast | 3.00 (0.75×) |"), stdout);
        assertTrue(stdout.contains("report: " + out.toAbsolutePath()), stdout);

        // re-rendering in place keeps the JSON
        ReportFolder.write(JmhRun.read(out.resolve("jmh.json")), out.resolve("jmh.json"), out, CONTEXT, new PrintStream(new ByteArrayOutputStream()));
        assertArrayEquals(Files.readAllBytes(json), Files.readAllBytes(out.resolve("jmh.json")));
    }

    @Test
    void oneSizeAndOneKernelStillChart(@TempDir Path dir) throws IOException {
        String json = new SyntheticJmh().adamW("512", "FAST", 4096, 1e6).heapLoop("FAST", 4096, 9e5).stream(4096, 1.2e6).json();
        Path in = dir.resolve("in.json");
        Files.writeString(in, json);
        ReportFolder.write(JmhRun.read(in), in, dir.resolve("r"), CONTEXT, new PrintStream(new ByteArrayOutputStream()));
        assertNotNull(ImageIO.read(dir.resolve("r/throughput.png").toFile()));
    }

    @Test
    void rejectsWhatIsNotAJmhThroughputFile() {
        assertThrows(IllegalArgumentException.class, () -> JmhRun.parse("{\"cases\": []}"));
        assertThrows(IllegalArgumentException.class, () -> JmhRun.parse("[]"));
        assertThrows(IllegalArgumentException.class, () -> JmhRun.parse("not json"));
        String avgt = new SyntheticJmh().stream(4096, 1).json().replace("\"thrpt\"", "\"avgt\"");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JmhRun.parse(avgt)).getMessage().contains("avgt"));
        String twice = new SyntheticJmh().stream(4096, 1).stream(4096, 2).json();
        assertThrows(IllegalArgumentException.class, () -> ThroughputTable.of(JmhRun.parse(twice)));
    }

    @Test
    void cpuModelAndMemoryFromProcFiles() {
        assertEquals(Optional.of("AMD EPYC 9R45"), MachineInfo.cpuModel(List.of("processor\t: 0", "vendor_id\t: AuthenticAMD",
                "model name\t: AMD EPYC 9R45", "model name\t: other")));
        assertEquals(Optional.empty(), MachineInfo.cpuModel(List.of("processor : 0")));
        assertEquals(Optional.of("23.5 GiB"), MachineInfo.memory(List.of("MemTotal:       24641536 kB", "MemFree: 1 kB")));
    }

    static String sample() throws IOException {
        try (InputStream in = ReportTest.class.getResourceAsStream("sample-jmh.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
