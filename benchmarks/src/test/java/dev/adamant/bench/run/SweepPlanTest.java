package dev.adamant.bench.run;

import dev.adamant.bench.MixedAdamStepBenchmark;
import dev.adamant.bench.OptimizerStepBenchmark;
import dev.adamant.bench.StepFeaturesBenchmark;
import dev.adamant.kernel.Numerics;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.WorkloadParams;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep plan from the command line; nothing here runs JMH. */
class SweepPlanTest {
    private static final Optional<Set<Integer>> ALL_WIDTHS = Optional.of(Set.of(128, 256, 512));

    static SweepPlan parse(String... args) {
        return SweepPlan.parse(List.of(args), ALL_WIDTHS);
    }

    @Test
    void quickSweepHas44ConfigurationsAndTheFamily() {
        SweepPlan quick = parse();
        int family = 2 * OptimizerStepBenchmark.FAMILY.size();
        // AdamW: 4 kernels × 2 numerics × 4 sizes; heap loop: 2 × 4; stream probe: 4; each optimizer: reference and
        // vector; the step features: all but unscaling alone; the mixed-precision step: the fp32 bar and two formats
        // × 2 numerics, on one thread and on all, in 3 cycles
        assertEquals(3, quick.mixedCycles());
        assertEquals(32 + 8 + 4 + family + 7 + 6 * quick.mixedThreads().size() * 3, quick.configurations().size());
        assertEquals(StepFeaturesBenchmark.FEATURES.size() - 1, quick.features().size());
        assertEquals(List.of(4096, 65536, 1048576, 16777216), quick.sizes());
        assertEquals(List.of("scalar", "128", "256", "512"), quick.kernels());
        assertEquals(List.of(Numerics.EXACT, Numerics.FAST), quick.numerics());
        assertEquals(Path.of("report"), quick.out());
        assertEquals("AdamWStep kernel=scalar numerics=EXACT size=4096", quick.configurations().getFirst().label());
        assertEquals("StreamProbe size=16777216", quick.configurations().get(43).label());
        assertTrue(quick.configurations().get(43 + family).label().startsWith("OptimizerStep backend="));
        assertTrue(quick.configurations().get(43 + family + 7).label().startsWith("StepFeatures "),
                quick.configurations().get(43 + family + 7).label());
        assertEquals("MixedAdamStep cycle=1 format=fp32-adamw kernelThreads=1 numerics=EXACT stepElements=16777216 width=512",
                quick.configurations().get(44 + family + 7).label());
        // "about five and a half minutes" (README); the value-clip and monitoring features took the estimate to
        // about 3 min 5 s, the mixed-precision step on one thread added about 20 s, on two threads as much again, and
        // its second and third cycles about 70 s (on two cores): 4 min 52 s. Its own 5 × 400 ms warmup instead of
        // 2 × 400 ms then added 1.2 s to each of its 36 configurations: 5 min 35 s
        assertTrue(quick.estimate().compareTo(Duration.ofSeconds(340)) <= 0, "quick sweep estimated at " + quick.estimate());
    }

    @Test
    void fullSweepAddsSizesThePreferredKernelAndLongerIterations() {
        SweepPlan full = parse("--full");
        assertEquals(7, full.sizes().size());
        int scale = 6 + 2 + Runtime.getRuntime().availableProcessors();
        assertEquals(5 * 2 * 7 + 2 * 7 + 7 + 2 * OptimizerStepBenchmark.FAMILY.size() + StepFeaturesBenchmark.FEATURES.size()
                + 2 * MixedAdamStepBenchmark.FORMATS.size() * full.mixedThreads().size() * 3 + scale, full.configurations().size());
        assertTrue(full.scale());
        assertTrue(full.kernels().contains("preferred"));
        assertTrue(full.measurementTime().compareTo(parse().measurementTime()) > 0);
        assertTrue(full.measurementIterations() > parse().measurementIterations());
    }

    @Test
    void scaleAddsTheModelTheSmallTensorsAndThreadScaling() {
        SweepPlan plan = parse("--scale", "--optimizers", "none", "--features", "none", "--mixed", "none");
        int threads = Runtime.getRuntime().availableProcessors();
        assertFalse(parse().scale(), "the quick sweep stays within three minutes without it");
        assertEquals(32 + 8 + 4 + 6 + 2 + threads, plan.configurations().size());
        assertEquals("ManyTensors elements=2048000 layout=one stepThreads=1", plan.configurations().get(44).label());
        assertEquals("ModelStep layout=flat model=gpt2-small stepThreads=0", plan.configurations().get(50).label());
        assertEquals("ThreadScaling elements=67108864 threadCount=" + threads, plan.configurations().getLast().label());
        assertTrue(plan.describe().contains("scale GPT-2 small"), plan.describe());
        var options = plan.jmhOptions(Path.of("x.json"));
        assertTrue(options.getIncludes().getFirst().contains("ModelStepBenchmark"), options.getIncludes().toString());
        assertEquals(threads, options.getParameter("threadCount").get().size());
    }

    @Test
    void listsNarrowTheSweep() {
        SweepPlan smoke = parse("--sizes", "4096", "--kernels=512", "--numerics", "fast", "--threads", "2", "--warmup", "1", "--measure", "2",
                "--out", "x/y", "--optimizers", "none", "--features", "none", "--mixed", "none");
        assertEquals(1 + 1 + 1, smoke.configurations().size());
        assertEquals(1 + 1 + 1 + 2, parse("--sizes", "4096", "--kernels=512", "--numerics", "fast", "--optimizers", "lion",
                "--features", "none", "--mixed", "none").configurations().size());
        assertEquals(1 + 1 + 1 + 7, parse("--sizes", "4096", "--kernels=512", "--numerics", "fast", "--optimizers", "none",
                "--mixed", "none").configurations().size());
        SweepPlan mixedOnly = parse("--sizes", "4096", "--kernels=512", "--numerics", "fast", "--optimizers", "none",
                "--features", "none");
        assertEquals(1 + 1 + 1 + 3 * mixedOnly.mixedThreads().size() * 3, mixedOnly.configurations().size());
        SweepPlan oneCycle = parse("--sizes", "4096", "--kernels=512", "--numerics", "fast", "--optimizers", "none",
                "--features", "none", "--mixed-cycles", "1");
        assertEquals(1 + 1 + 1 + 3 * oneCycle.mixedThreads().size(), oneCycle.configurations().size());
        assertTrue(oneCycle.estimate().compareTo(mixedOnly.estimate()) < 0, oneCycle.estimate() + " against " + mixedOnly.estimate());
        assertEquals("custom (quick settings)", smoke.name());
        assertEquals("quick", parse().name());
        assertEquals("full", parse("--full").name());
        assertEquals(2, smoke.threads());
        assertEquals(1, smoke.warmupIterations());
        assertEquals(2, smoke.measurementIterations());
        assertEquals(Path.of("x/y"), smoke.out());
        assertEquals(List.of(4096, 65536), parse("--sizes", "4096,65536,4096").sizes());
    }

    @Test
    void jmhOptionsCarryTheSweep() {
        Options o = parse("--sizes", "4096,65536", "--kernels", "scalar,256", "--threads", "2").jmhOptions(Path.of("r.json"));
        assertEquals(List.of("4096", "65536"), List.copyOf(o.getParameter("size").get()));
        assertEquals(List.of("scalar", "256"), List.copyOf(o.getParameter("kernel").get()));
        assertEquals(List.of("EXACT", "FAST"), List.copyOf(o.getParameter("numerics").get()));
        // the quick sweep's features, not every value StepFeaturesBenchmark declares
        assertEquals(SweepPlan.QUICK_FEATURES, List.copyOf(o.getParameter("feature").get()));
        assertEquals(List.of("monitor"), List.copyOf(parse("--features", "monitor").jmhOptions(Path.of("r.json"))
                .getParameter("feature").get()));
        assertEquals(2, o.getThreads().get());
        assertEquals(1, o.getForkCount().get());
        assertEquals("r.json", o.getResult().get());
        assertEquals(1, o.getIncludes().size());
        for (String name : List.of("dev.adamant.bench.AdamWStepBenchmark.step", "dev.adamant.bench.HeapLoopBenchmark.step",
                "dev.adamant.bench.StreamProbeBenchmark.readFourWriteThree")) {
            assertTrue(includes(o, name), name);
        }
    }

    private static boolean includes(Options o, String benchmark) {
        return java.util.regex.Pattern.compile(o.getIncludes().getFirst()).matcher(benchmark).find();
    }

    @Test
    void theMixedStepRunsSecondInAJmhRunOfItsOwn() {
        String mixedStep = "dev.adamant.bench.MixedAdamStepBenchmark.step";
        SweepPlan plan = parse("--threads", "2");
        Options first = plan.jmhOptions(Path.of("a.json"));
        Options second = plan.mixedJmhOptions(Path.of("b.json")).orElseThrow();
        assertFalse(includes(first, mixedStep), first.getIncludes().toString());
        assertTrue(includes(first, "dev.adamant.bench.OptimizerStepBenchmark.step"), first.getIncludes().toString());
        assertTrue(includes(second, mixedStep), second.getIncludes().toString());
        for (String other : List.of("dev.adamant.bench.AdamWStepBenchmark.step", "dev.adamant.bench.StreamProbeBenchmark.readFourWriteThree",
                "dev.adamant.bench.OptimizerStepBenchmark.step", "dev.adamant.bench.StepFeaturesBenchmark.step")) {
            assertFalse(includes(second, other), other);
        }
        // the same numerics, threads, forks, measurement and flags; each run its own result file
        assertEquals(List.copyOf(first.getParameter("numerics").get()), List.copyOf(second.getParameter("numerics").get()));
        assertEquals(2, second.getThreads().get());
        assertEquals(first.getForkCount().get(), second.getForkCount().get());
        assertEquals(first.getMeasurementIterations().get(), second.getMeasurementIterations().get());
        assertEquals(first.getMeasurementTime().get(), second.getMeasurementTime().get());
        assertEquals(first.getJvmArgs().get(), second.getJvmArgs().get());
        assertEquals("b.json", second.getResult().get());
        // the mixed configurations are listed last, as they run, even after the step at scale
        assertEquals("MixedAdamStepBenchmark", parse("--scale").configurations().getLast().benchmark());

        // without mixed formats there is no second run; with only them, the first still measures the step, loop and probe
        assertTrue(parse("--mixed", "none").mixedJmhOptions(Path.of("b.json")).isEmpty());
        Options onlyMixed = parse("--optimizers", "none", "--features", "none").jmhOptions(Path.of("a.json"));
        assertTrue(includes(onlyMixed, "dev.adamant.bench.HeapLoopBenchmark.step"), onlyMixed.getIncludes().toString());
        assertFalse(includes(onlyMixed, mixedStep), onlyMixed.getIncludes().toString());
    }

    @Test
    void theMixedStepWarmsUpForAtLeastFiveSeconds() {
        SweepPlan quick = parse();
        Options first = quick.jmhOptions(Path.of("a.json")), second = quick.mixedJmhOptions(Path.of("b.json")).orElseThrow();
        assertEquals(2, first.getWarmupIterations().get());
        assertEquals(TimeValue.milliseconds(400), first.getWarmupTime().get());
        assertEquals(5, second.getWarmupIterations().get());
        // the quick sweep's mixed size is 16M: a quarter of a second per iteration by size, so the sweep's 400 ms
        assertEquals(TimeValue.milliseconds(400), second.getWarmupTime().get());
        assertTrue(quick.describe().contains("; warmup 2 × 400 ms (the mixed-precision step 5 × 400 ms, in a JMH run of its own), "
                + "measurement 3 × 400 ms"), quick.describe());
        // at 64M a second per iteration, with quick settings too
        assertEquals(Duration.ofSeconds(1), parse("--sizes", "67108864", "--kernels", "512").mixedWarmupTime());
        assertEquals(Duration.ofMillis(500), parse("--sizes", "33554432", "--kernels", "512").mixedWarmupTime());
        assertFalse(parse("--mixed", "none").describe().contains("mixed-precision step"), parse("--mixed", "none").describe());
        // a longer warmup asked for applies to it too
        assertEquals(7, parse("--warmup", "7").mixedJmhOptions(Path.of("b.json")).orElseThrow().getWarmupIterations().get());
        SweepPlan full = parse("--full");
        assertEquals(3, full.jmhOptions(Path.of("a.json")).getWarmupIterations().get());
        assertEquals(5, full.mixedWarmupIterations());
        assertEquals(Duration.ofSeconds(1), full.mixedWarmupTime());
    }

    @Test
    void theEstimateCountsTheMixedStepsLongerWarmup() {
        SweepPlan withMixed = parse("--sizes", "67108864", "--kernels=512", "--numerics", "fast", "--optimizers", "none", "--features", "none");
        SweepPlan without = parse("--sizes", "67108864", "--kernels=512", "--numerics", "fast", "--optimizers", "none", "--features", "none",
                "--mixed", "none");
        int mixed = withMixed.configurations().size() - without.configurations().size();
        // each, at 64M: 5 × 1 s warmup, 3 × 400 ms measurement, the fork's overhead, filling 64M elements
        Duration each = Duration.ofSeconds(5).plusMillis(1200).plus(SweepPlan.FORK_OVERHEAD)
                .plusNanos((long) (SweepPlan.SETUP_NANOS_PER_ELEMENT * 67108864));
        assertEquals(each.multipliedBy(mixed), withMixed.estimate().minus(without.estimate()));
    }

    @Test
    void badValuesAreNamed() {
        assertMessage("'1024'", "--kernels", "scalar,1024");
        assertMessage("'slow'", "--numerics", "slow");
        assertMessage("'0'", "--sizes", "0");
        assertMessage("'4k'", "--sizes", "4096,4k");
        assertMessage("'-3'", "--threads", "-3");
        assertMessage("'many'", "--threads=many");
        assertMessage("'0'", "--measure", "0");
        assertMessage("invalid --mixed-cycles '0'", "--mixed-cycles", "0");
        assertMessage("invalid --mixed-cycles 'three'", "--mixed-cycles=three");
        assertMessage("--mixed-cycles needs a value", "--mixed-cycles");
        assertMessage("--sizes 134217728 with --threads 2", "--sizes", "134217728", "--threads", "2");
        assertMessage("unknown option --kernel", "--kernel", "512");
        assertMessage("--sizes needs a value", "--sizes");
        assertMessage("'4096,,65536'", "--sizes", "4096,,65536");
        assertMessage("'report'", "report");
    }

    @Test
    void unavailableWidthsAreLeftOutOfTheDefaultAndRejectedWhenAsked() {
        Optional<Set<Integer>> noAvx512 = Optional.of(Set.of(128, 256));
        SweepPlan plan = SweepPlan.parse(List.of(), noAvx512);
        assertEquals(List.of("scalar", "128", "256"), plan.kernels());
        assertTrue(plan.notes().getFirst().contains("512-bit kernel is left out"), plan.notes().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepPlan.parse(List.of("--kernels", "512"), noAvx512));
        assertTrue(e.getMessage().contains("--kernels 512"), e.getMessage());
        // a JVM without the Vector API cannot tell; the forks have it, so nothing is left out
        assertEquals(4, SweepPlan.parse(List.of(), Optional.empty()).kernels().size());
    }

    private static void assertMessage(String expected, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(args));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void featuresCanBeListed() {
        assertEquals(List.of("monitor", "plain"), parse("--features", "monitor,plain").features());
        assertEquals(StepFeaturesBenchmark.FEATURES, parse("--features", "all").features());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--features", "monitr"));
        assertTrue(e.getMessage().contains("'monitr'"), e.getMessage());
    }

    @Test
    void theMixedStepRunsAtTheLargestSizeAndWidestKernel() {
        SweepPlan plan = parse("--sizes", "65536,4096", "--kernels", "scalar,256,128", "--numerics", "exact",
                "--mixed", "fp32-adamw,fp32/fp32/8bit");
        int processors = Runtime.getRuntime().availableProcessors();
        List<Integer> threads = processors == 1 ? List.of(1) : List.of(1, processors);
        assertEquals(threads, plan.mixedThreads());
        List<String> expected = new java.util.ArrayList<>();
        for (int cycle = 1; cycle <= 3; cycle++) {
            for (String format : List.of("fp32-adamw", "fp32/fp32/8bit")) {
                for (int t : threads) {
                    expected.add("MixedAdamStep cycle=" + cycle + " format=" + format + " kernelThreads=" + t
                            + " numerics=EXACT stepElements=65536 width=256");
                }
            }
        }
        assertEquals(expected, plan.configurations().stream().filter(c -> c.benchmark().equals("MixedAdamStepBenchmark"))
                .map(Configuration::label).toList());
        Options o = plan.mixedJmhOptions(Path.of("r.json")).orElseThrow();
        assertEquals(List.of("fp32-adamw", "fp32/fp32/8bit"), List.copyOf(o.getParameter("format").get()));
        assertEquals(List.of("256"), List.copyOf(o.getParameter("width").get()));
        assertEquals(List.of("65536"), List.copyOf(o.getParameter("stepElements").get()));
        assertEquals(threads.stream().map(String::valueOf).toList(), List.copyOf(o.getParameter("kernelThreads").get()));
        assertEquals(List.of("1", "2", "3"), List.copyOf(o.getParameter("cycle").get()));
        assertTrue(java.util.regex.Pattern.compile(o.getIncludes().getFirst())
                .matcher("dev.adamant.bench.MixedAdamStepBenchmark.step").find(), o.getIncludes().getFirst());
        assertTrue(plan.describe().contains("mixed precision fp32-adamw, fp32/fp32/8bit (256, 65536 elements, threads "
                + String.join(", ", threads.stream().map(String::valueOf).toList()) + "; 3 cycles)"), plan.describe());
        // without it, no mixed benchmark in either run's include pattern
        assertFalse(parse("--mixed", "none").jmhOptions(Path.of("r.json")).getIncludes().getFirst().contains("MixedAdamStep"));
        assertTrue(parse("--mixed", "none").mixedJmhOptions(Path.of("r.json")).isEmpty());
        assertEquals(MixedAdamStepBenchmark.FORMATS, parse("--mixed", "all").mixedFormats());
        assertEquals(SweepPlan.QUICK_MIXED, parse().mixedFormats());
        assertEquals(MixedAdamStepBenchmark.FORMATS, parse("--full").mixedFormats());
        assertEquals("scalar", parse("--kernels", "scalar").mixedWidth());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--mixed", "fp32/fp32/4bit"));
        assertTrue(e.getMessage().contains("'fp32/fp32/4bit'"), e.getMessage());
    }

    @Test
    void eachMixedCycleRunsEveryFormatThreadCountAndNumericsModeOnce() {
        SweepPlan plan = parse("--mixed", "fp32-adamw,fp32/fp32/bf16", "--mixed-cycles", "2");
        List<Configuration> mixed = plan.configurations().stream()
                .filter(c -> c.benchmark().equals("MixedAdamStepBenchmark")).toList();
        int perCycle = 2 * plan.mixedThreads().size() * 2;
        assertEquals(2 * perCycle, mixed.size());
        for (int i = 0; i < mixed.size(); i++) {
            assertEquals(String.valueOf(1 + i / perCycle), mixed.get(i).params().get("cycle"), mixed.get(i).label());
        }
        // within a cycle: format, then threads, then numerics, the order of their names
        assertEquals("MixedAdamStep cycle=1 format=fp32-adamw kernelThreads=1 numerics=FAST stepElements=16777216 width=512",
                mixed.get(1).label());
        assertEquals("MixedAdamStep cycle=2 format=fp32-adamw kernelThreads=1 numerics=EXACT stepElements=16777216 width=512",
                mixed.get(perCycle).label());
        assertEquals(List.of("1", "2"), List.copyOf(plan.mixedJmhOptions(Path.of("r.json")).orElseThrow().getParameter("cycle").get()));
        assertEquals(List.of("1"), List.copyOf(parse("--mixed-cycles", "1").mixedJmhOptions(Path.of("r.json")).orElseThrow()
                .getParameter("cycle").get()));
        assertTrue(parse("--mixed-cycles", "1").describe().contains("; 1 cycle)"), parse("--mixed-cycles", "1").describe());
    }

    /**
     * The mixed configurations in the order JMH's own comparator puts them: JMH sorts a benchmark's
     * configurations by parameter name (first name outermost), each by its position in the values given.
     */
    @Test
    void theMixedConfigurationsAreInJmhsOrder() {
        SweepPlan plan = parse("--mixed", "fp32-adamw,fp32/fp32/bf16,fp32/fp32/8bit");
        Options o = plan.mixedJmhOptions(Path.of("r.json")).orElseThrow();
        BenchmarkListEntry entry = BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), o.getIncludes(), o.getExcludes())
                .stream().filter(e -> e.getUsername().contains(".MixedAdamStepBenchmark.")).findFirst().orElseThrow();
        List<Configuration> mixed = plan.configurations().stream().filter(c -> c.benchmark().equals("MixedAdamStepBenchmark")).toList();
        List<BenchmarkListEntry> entries = new java.util.ArrayList<>();
        for (Configuration c : mixed) {
            WorkloadParams p = new WorkloadParams();
            c.params().forEach((name, value) -> p.put(name, value, List.copyOf(o.getParameter(name).get()).indexOf(value)));
            entries.add(entry.cloneWith(p));
        }
        List<String> labels = mixed.stream().map(Configuration::label).toList();
        assertEquals(labels, java.util.stream.IntStream.range(0, entries.size()).boxed()
                .sorted(java.util.Comparator.comparing(entries::get)).map(labels::get).toList());
    }

    @Test
    void cycleIsTheMixedBenchmarksFirstParameterName() {
        // JMH's outermost loop: each cycle then measures every format and thread count
        List<String> names = java.util.Arrays.stream(MixedAdamStepBenchmark.class.getFields())
                .filter(f -> f.isAnnotationPresent(org.openjdk.jmh.annotations.Param.class)).map(java.lang.reflect.Field::getName)
                .sorted().toList();
        assertEquals(List.of("cycle", "format", "kernelThreads", "numerics", "stepElements", "width"), names);
    }

    @Test
    void theMixedFormatListIsTheBenchmarksParam() throws NoSuchFieldException {
        String[] declared = MixedAdamStepBenchmark.class.getField("format")
                .getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
        assertEquals(MixedAdamStepBenchmark.FORMATS, List.of(declared));
    }

    @Test
    void theFeatureListIsTheBenchmarksParam() throws NoSuchFieldException {
        // JMH needs the @Param values as a constant; the sweep and report use FEATURES
        String[] declared = StepFeaturesBenchmark.class.getField("feature")
                .getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
        assertEquals(StepFeaturesBenchmark.FEATURES, List.of(declared));
    }
}
