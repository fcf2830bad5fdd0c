package dev.adamant.bench.run;

import dev.adamant.bench.AdamWStepBenchmark;
import dev.adamant.bench.HeapLoopBenchmark;
import dev.adamant.bench.ManyTensorsBenchmark;
import dev.adamant.bench.MixedAdamStepBenchmark;
import dev.adamant.bench.ModelStepBenchmark;
import dev.adamant.bench.ThreadScalingBenchmark;
import dev.adamant.bench.OptimizerStepBenchmark;
import dev.adamant.bench.StepFeaturesBenchmark;
import dev.adamant.bench.StreamProbeBenchmark;
import dev.adamant.kernel.Numerics;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What {@code adamant bench} measures: the AdamW step per kernel, numerics mode and size, the
 * heap {@code float[]} loop per numerics mode and size, and the stream probe per size (and, with
 * {@code --scale} or {@code --full}, the step at scale: GPT-2 small's parameter list, 2,000 small
 * tensors, thread scaling at 64M elements), the mixed-precision step per format at the largest size
 * and widest kernel against the fp32 AdamW kernel, in cycles, with the
 * iteration settings of the quick (default) or full sweep. Built from the command line by
 * {@link #parse}; turned into JMH options by {@link #jmhOptions} and, for the mixed-precision step
 * with its longer warmup, {@link #mixedJmhOptions}: two JMH runs, one after the other.
 */
public record SweepPlan(String name, List<Integer> sizes, List<String> kernels, List<Numerics> numerics,
                        List<String> optimizers, List<String> features, List<String> mixedFormats, int mixedCycles,
                        boolean scale, int scalingThreads, int threads,
                        int warmupIterations, Duration warmupTime, int measurementIterations, Duration measurementTime,
                        Path out, boolean dryRun, List<String> notes) {

    static final List<Integer> QUICK_SIZES = List.of(4096, 65536, 1048576, 16777216);
    static final List<Integer> FULL_SIZES = List.of(1021, 4096, 65536, 65537, 1048576, 16777216, 67108864);
    static final List<String> QUICK_KERNELS = List.of("scalar", "128", "256", "512");
    static final List<String> FULL_KERNELS = List.of("scalar", "128", "256", "512", "preferred");
    static final List<String> ALL_KERNELS = FULL_KERNELS;
    /** The step features of the quick sweep: all but unscaling alone (its check is the skip policy's). */
    static final List<String> QUICK_FEATURES = StepFeaturesBenchmark.FEATURES.stream().filter(f -> !f.equals("unscale")).toList();
    /** The mixed-precision formats of the quick sweep: the fp32 bar and the two of issue #8's targets. */
    static final List<String> QUICK_MIXED = List.of(MixedAdamStepBenchmark.FP32_ADAMW, "fp32/fp32/bf16", "fp32/fp32/8bit");
    /** Times the mixed-precision formats are measured, each time all of them in a row (the benchmark's {@code cycle}). */
    static final int MIXED_CYCLES = 3;
    /** Largest size × threads: the heap loop's four float[] per thread must fit the forks' 4 GiB heap. */
    static final int MAX_ELEMENTS = 1 << 27;
    static final int FORKS = 1;
    /**
     * Quick-sweep iteration time: the lane-width table and the family in about three minutes on 2 cores; the
     * mixed step, with its own longer warmup, takes about as long again.
     */
    static final Duration QUICK_ITERATION = Duration.ofMillis(400);
    /**
     * The mixed-precision step's warmup, at least: at 64M elements one call takes 20–100 ms and its Vector
     * API kernels reach C2 late. Measured without warmup (8-bit state, 2 threads, 400 ms iterations): 0.23
     * steps/s in the first iteration, 0.78 in the second, about 42 from the third on, so the first ~6 s run
     * 50–200× slow; after the suite's 2 × 400 ms some first measured iterations ran at 0.7–1.8 steps/s
     * against 18–38. JMH's run options override a class's @Warmup, so the step runs in a JMH run of its own.
     * The slow calls take time in proportion to the size, so the iteration time does too: a second per 64M
     * elements ({@link #MIXED_WARMUP_ELEMENTS}), never less than the sweep's own.
     */
    static final int MIXED_WARMUP_ITERATIONS = 5;
    static final Duration MIXED_WARMUP_TIME = Duration.ofSeconds(1);
    static final int MIXED_WARMUP_ELEMENTS = 1 << 26;
    /** The optimizer family's size: in L2, where kernels differ most (its @Param default). */
    static final int FAMILY_ELEMENTS = 65536;

    /**
     * Fixed cost of one configuration beyond its iterations: JVM start, JMH set-up, the version
     * probe. Measured: the quick sweep took 137 s on the 2-core development machine (44 × 2.5 s of
     * iterations, the rest overhead and set-up).
     */
    static final Duration FORK_OVERHEAD = Duration.ofMillis(500);
    /** Set-up cost per element per thread: filling four buffers with seeded values. */
    static final double SETUP_NANOS_PER_ELEMENT = 30;
    /** The thread-scaling benchmark's size: 64M fp32 elements, in DRAM (its @Param default). */
    static final int SCALING_ELEMENTS = 1 << 26;
    /** Set-up cost per element of the scale benchmarks (a cheap pattern fill, and state allocation). */
    static final double SCALE_SETUP_NANOS_PER_ELEMENT = 8;

    public SweepPlan {
        sizes = List.copyOf(sizes);
        kernels = List.copyOf(kernels);
        numerics = List.copyOf(numerics);
        optimizers = List.copyOf(optimizers);
        mixedFormats = List.copyOf(mixedFormats);
        notes = List.copyOf(notes);
    }

    /**
     * Parses the options of {@code adamant bench}.
     *
     * @param availableWidths the lane widths this machine's JVM offers, or empty if unknown (this
     *                        JVM runs without the Vector API; the benchmark forks add it)
     * @throws IllegalArgumentException naming the bad option or value
     */
    public static SweepPlan parse(List<String> args, Optional<Set<Integer>> availableWidths) {
        boolean full = false, dryRun = false;
        List<Integer> sizes = null;
        List<String> kernels = null;
        List<Numerics> numerics = null;
        List<String> optimizers = OptimizerStepBenchmark.FAMILY.keysView().toSortedList();
        List<String> features = null;
        List<String> mixed = null;
        int mixedCycles = MIXED_CYCLES;
        boolean scale = false;
        Integer warmup = null, measure = null;
        int threads = 1;
        Path out = Path.of("report");
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--full")) {
                full = true;
                continue;
            }
            if (a.equals("--scale")) {
                scale = true;
                continue;
            }
            if (a.equals("--dry-run")) {
                dryRun = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("bench takes no file arguments, got '" + a + "'");
            }
            int eq = a.indexOf('=');
            String option = eq < 0 ? a : a.substring(0, eq);
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(option + " needs a value");
            }
            switch (option) {
                case "--sizes" -> sizes = list(option, value).stream().map(v -> integer(option, v, 1, MAX_ELEMENTS)).toList();
                case "--kernels" -> kernels = list(option, value).stream().map(v -> kernel(option, v)).toList();
                case "--numerics" -> numerics = list(option, value).stream().map(v -> numerics(option, v)).toList();
                case "--optimizers" -> optimizers = value.equals("none") ? List.of()
                        : list(option, value).stream().map(v -> optimizer(option, v)).toList();
                case "--features" -> features = switch (value) {
                    case "all" -> StepFeaturesBenchmark.FEATURES;
                    case "none" -> List.of();
                    default -> list(option, value).stream().map(v -> feature(option, v)).toList();
                };
                case "--mixed" -> mixed = switch (value) {
                    case "all" -> MixedAdamStepBenchmark.FORMATS;
                    case "none" -> List.of();
                    default -> list(option, value).stream().map(v -> mixedFormat(option, v)).toList();
                };
                case "--mixed-cycles" -> mixedCycles = integer(option, value, 1, 100);
                case "--threads" -> threads = integer(option, value, 1, 256);
                case "--warmup" -> warmup = integer(option, value, 0, 100);
                case "--measure" -> measure = integer(option, value, 1, 100);
                case "--out" -> {
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("invalid --out '" + value + "' (expected a directory)");
                    }
                    out = Path.of(value);
                }
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }

        List<String> notes = new ArrayList<>();
        boolean kernelsGiven = kernels != null;
        if (kernels == null) {
            kernels = new ArrayList<>();
            for (String k : full ? FULL_KERNELS : QUICK_KERNELS) {
                if (available(k, availableWidths)) {
                    kernels.add(k);
                } else {
                    notes.add("the " + k + "-bit kernel is left out: this machine's JVM offers " + widths(availableWidths));
                }
            }
        } else {
            for (String k : kernels) {
                if (!available(k, availableWidths)) {
                    throw new IllegalArgumentException("--kernels " + k + ": no " + k + "-bit vector kernel on this machine (available: "
                            + widths(availableWidths) + ")");
                }
            }
        }
        // with a list given it is no longer the quick or full sweep, only its iteration settings
        String name = kernelsGiven || sizes != null || numerics != null ? "custom (" + (full ? "full" : "quick") + " settings)"
                : full ? "full" : "quick";
        sizes = distinct(sizes != null ? sizes : full ? FULL_SIZES : QUICK_SIZES);
        for (int size : sizes) {
            if ((long) size * threads > MAX_ELEMENTS) {
                throw new IllegalArgumentException("--sizes " + size + " with --threads " + threads + " is more than "
                        + MAX_ELEMENTS + " elements in all (the heap loop's arrays must fit the benchmark JVM's 4 GiB heap)");
            }
        }
        return new SweepPlan(name, sizes, distinct(kernels), distinct(numerics != null ? numerics : List.of(Numerics.values())),
                distinct(optimizers), distinct(features != null ? features : full ? StepFeaturesBenchmark.FEATURES : QUICK_FEATURES),
                distinct(mixed != null ? mixed : full ? MixedAdamStepBenchmark.FORMATS : QUICK_MIXED), mixedCycles,
                scale || full, Runtime.getRuntime().availableProcessors(), threads,
                warmup != null ? warmup : full ? 3 : 2, full ? Duration.ofSeconds(1) : QUICK_ITERATION,
                measure != null ? measure : full ? 5 : 3, full ? Duration.ofSeconds(1) : QUICK_ITERATION,
                out, dryRun, notes);
    }

    /** Every configuration, in the order JMH runs them (benchmark name, then parameters). */
    public List<Configuration> configurations() {
        List<Configuration> all = new ArrayList<>();
        for (String k : kernels) {
            for (Numerics n : numerics) {
                for (int s : sizes) {
                    all.add(new Configuration(AdamWStepBenchmark.class.getSimpleName(), params("kernel", k, "numerics", n.name(), "size", s)));
                }
            }
        }
        for (Numerics n : numerics) {
            for (int s : sizes) {
                all.add(new Configuration(HeapLoopBenchmark.class.getSimpleName(), params("numerics", n.name(), "size", s)));
            }
        }
        for (int s : sizes) {
            all.add(new Configuration(StreamProbeBenchmark.class.getSimpleName(), params("size", s)));
        }
        // the family at its own fixed size, reference against the preferred width
        for (String optimizer : optimizers) {
            for (String backend : List.of("preferred", "scalar")) {
                all.add(new Configuration(OptimizerStepBenchmark.class.getSimpleName(),
                        params("backend", backend, "elements", FAMILY_ELEMENTS, "optimizer", optimizer)));
            }
        }
        // what clipping (by norm and by value), unscaling, the skip policy and monitoring cost around one AdamW step
        for (String feature : features) {
            all.add(new Configuration(StepFeaturesBenchmark.class.getSimpleName(),
                    params("elements", FAMILY_ELEMENTS, "feature", feature)));
        }
        // throughput at scale: a model's parameter list, many small tensors, thread scaling
        if (scale) {
            for (String layout : List.of("one", "separate", "flat")) {
                for (String t : List.of("1", "0")) {
                    all.add(new Configuration(ManyTensorsBenchmark.class.getSimpleName(),
                            params("elements", 2048000, "layout", layout, "stepThreads", t)));
                }
            }
            for (String layout : List.of("flat", "separate")) {
                all.add(new Configuration(ModelStepBenchmark.class.getSimpleName(),
                        params("layout", layout, "model", "gpt2-small", "stepThreads", "0")));
            }
            for (int t = 1; t <= scalingThreads; t++) {
                all.add(new Configuration(ThreadScalingBenchmark.class.getSimpleName(),
                        params("elements", SCALING_ELEMENTS, "threadCount", t)));
            }
        }
        // last, in the second JMH run: the mixed-precision step per format, with the fp32 AdamW kernel as its bar,
        // at one width and size, on one thread and on all of them; all of it once per cycle. The loops nest as
        // JMH's do, parameter names in alphabetical order from the outermost
        for (int c = 1; c <= mixedCycles; c++) {
            for (String format : mixedFormats) {
                for (int t : mixedThreads()) {
                    for (Numerics n : numerics) {
                        all.add(new Configuration(MixedAdamStepBenchmark.class.getSimpleName(), params("cycle", c, "format", format,
                                "kernelThreads", t, "numerics", n.name(), "stepElements", mixedElements(), "width", mixedWidth())));
                    }
                }
            }
        }
        return all;
    }

    /** The mixed-precision benchmark's size: the sweep's largest, where the fp32 step is memory bound. */
    public int mixedElements() {
        return sizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    /** The mixed-precision benchmark's thread counts: one, and every processor. */
    public List<Integer> mixedThreads() {
        return scalingThreads == 1 ? List.of(1) : List.of(1, scalingThreads);
    }

    /** The mixed-precision benchmark's kernel: the widest vector width of the sweep (else scalar). */
    public String mixedWidth() {
        return kernels.stream().filter(k -> k.chars().allMatch(Character::isDigit))
                .max(java.util.Comparator.comparingInt(Integer::parseInt))
                .orElse(kernels.contains("preferred") ? "preferred" : "scalar");
    }

    /** The mixed-precision step's warmup iterations: the sweep's, but at least {@value #MIXED_WARMUP_ITERATIONS}. */
    public int mixedWarmupIterations() {
        return Math.max(warmupIterations, MIXED_WARMUP_ITERATIONS);
    }

    /**
     * The mixed-precision step's warmup iteration time: the sweep's, but at least {@link #MIXED_WARMUP_TIME}
     * per {@link #MIXED_WARMUP_ELEMENTS} of its size.
     */
    public Duration mixedWarmupTime() {
        Duration bySize = Duration.ofMillis(MIXED_WARMUP_TIME.toMillis() * mixedElements() / MIXED_WARMUP_ELEMENTS);
        return warmupTime.compareTo(bySize) >= 0 ? warmupTime : bySize;
    }

    /** Rough wall-clock time of the whole sweep. */
    public Duration estimate() {
        Duration measurement = measurementTime.multipliedBy(measurementIterations);
        Duration iterations = warmupTime.multipliedBy(warmupIterations).plus(measurement);
        Duration mixedIterations = mixedWarmupTime().multipliedBy(mixedWarmupIterations()).plus(measurement);
        Duration total = Duration.ZERO;
        for (Configuration c : configurations()) {
            long setupNanos = c.benchmark().equals(ModelStepBenchmark.class.getSimpleName())
                    ? (long) (SCALE_SETUP_NANOS_PER_ELEMENT * ModelStepBenchmark.GPT2_SMALL_ELEMENTS * threads)
                    : (long) ((scaleBenchmark(c) ? SCALE_SETUP_NANOS_PER_ELEMENT : SETUP_NANOS_PER_ELEMENT) * c.size() * threads);
            boolean mixed = c.benchmark().equals(MixedAdamStepBenchmark.class.getSimpleName());
            total = total.plus((mixed ? mixedIterations : iterations).plus(FORK_OVERHEAD).plusNanos(setupNanos).multipliedBy(FORKS));
        }
        return total;
    }

    private static boolean scaleBenchmark(Configuration c) {
        return c.benchmark().equals(ManyTensorsBenchmark.class.getSimpleName())
                || c.benchmark().equals(ThreadScalingBenchmark.class.getSimpleName());
    }

    /** One line: the name, what runs, and the iteration settings. */
    public String describe() {
        return name + " sweep: sizes " + join(sizes) + "; kernels " + String.join(", ", kernels) + "; numerics "
                + String.join(", ", numerics.stream().map(n -> n.name().toLowerCase(Locale.ROOT)).toList())
                + "; optimizer family " + (optimizers.isEmpty() ? "none" : String.join(", ", optimizers))
                + "; step features " + (features.isEmpty() ? "none" : String.join(",", features))
                + "; mixed precision " + (mixedFormats.isEmpty() ? "none"
                        : String.join(", ", mixedFormats) + " (" + mixedWidth() + ", " + mixedElements() + " elements, threads "
                                + join(mixedThreads()) + "; " + mixedCycles + (mixedCycles == 1 ? " cycle)" : " cycles)"))
                + "; scale " + (scale ? "GPT-2 small, 2000 tensors, threads 1.." + scalingThreads : "none")
                + "; warmup " + warmupIterations + " × " + millis(warmupTime)
                + (mixedFormats.isEmpty() ? "" : " (the mixed-precision step " + mixedWarmupIterations() + " × "
                        + millis(mixedWarmupTime()) + ", in a JMH run of its own)")
                + ", measurement " + measurementIterations
                + " × " + millis(measurementTime) + ", " + FORKS + " fork, " + threads + " thread" + (threads == 1 ? "" : "s");
    }

    /**
     * JMH options for the first run of this sweep, everything but the mixed-precision step, writing JSON
     * results to {@code resultFile}.
     */
    public Options jmhOptions(Path resultFile) {
        List<Class<?>> classes = new ArrayList<>(List.of(AdamWStepBenchmark.class, HeapLoopBenchmark.class, StreamProbeBenchmark.class));
        if (!optimizers.isEmpty()) {
            classes.add(OptimizerStepBenchmark.class);
        }
        if (!features.isEmpty()) {
            classes.add(StepFeaturesBenchmark.class);
        }
        if (scale) {
            classes.addAll(List.of(ManyTensorsBenchmark.class, ModelStepBenchmark.class, ThreadScalingBenchmark.class));
        }
        return options(classes, resultFile)
                .param("size", sizes.stream().map(String::valueOf).toArray(String[]::new))
                .param("kernel", kernels.toArray(String[]::new))
                .param("optimizer", optimizers.isEmpty() ? new String[] {"adam"} : optimizers.toArray(String[]::new))
                // without it JMH would run every feature the benchmark declares
                .param("feature", features.isEmpty() ? new String[] {"plain"} : features.toArray(String[]::new))
                .param("threadCount", java.util.stream.IntStream.rangeClosed(1, scalingThreads)
                        .mapToObj(String::valueOf).toArray(String[]::new))
                .warmupIterations(warmupIterations)
                .warmupTime(TimeValue.milliseconds(warmupTime.toMillis()))
                .build();
    }

    /**
     * JMH options for the second run, the mixed-precision step with its longer warmup, writing JSON results
     * to {@code resultFile}; empty if the sweep has no mixed formats.
     */
    public Optional<Options> mixedJmhOptions(Path resultFile) {
        if (mixedFormats.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(options(List.of(MixedAdamStepBenchmark.class), resultFile)
                .param("format", mixedFormats.toArray(String[]::new))
                .param("width", mixedWidth())
                .param("stepElements", String.valueOf(mixedElements()))
                .param("kernelThreads", mixedThreads().stream().map(String::valueOf).toArray(String[]::new))
                .param("cycle", java.util.stream.IntStream.rangeClosed(1, mixedCycles).mapToObj(String::valueOf).toArray(String[]::new))
                .warmupIterations(mixedWarmupIterations())
                .warmupTime(TimeValue.milliseconds(mixedWarmupTime().toMillis()))
                .build());
    }

    /** What both runs share: the numerics modes, threads, forks, measurement and output. */
    private ChainedOptionsBuilder options(List<Class<?>> classes, Path resultFile) {
        return new OptionsBuilder()
                .include("^(" + String.join("|", classes.stream().map(c -> Pattern.quote(c.getName())).toList()) + ")\\.")
                .param("numerics", numerics.stream().map(Numerics::name).toArray(String[]::new))
                // forks take their flags from BenchmarkDefaults' @Fork only, not also from this JVM's
                .jvmArgs("-Djava.awt.headless=true")
                .threads(threads)
                .forks(FORKS)
                .measurementIterations(measurementIterations)
                .measurementTime(TimeValue.milliseconds(measurementTime.toMillis()))
                .shouldFailOnError(false)
                .verbosity(VerboseMode.NORMAL)
                .resultFormat(ResultFormatType.JSON)
                .result(resultFile.toString());
    }

    private static boolean available(String kernel, Optional<Set<Integer>> widths) {
        return kernel.equals("scalar") || kernel.equals("preferred") || widths.isEmpty() || widths.get().contains(Integer.parseInt(kernel));
    }

    private static String widths(Optional<Set<Integer>> widths) {
        return widths.map(w -> w.isEmpty() ? "no vector widths" : join(List.copyOf(w)) + " bits").orElse("unknown widths");
    }

    private static List<String> list(String option, String value) {
        List<String> items = List.of(value.split(",", -1)).stream().map(String::trim).toList();
        if (items.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected a comma-separated list)");
        }
        return items;
    }

    private static int integer(String option, String value, int min, int max) {
        try {
            int v = Integer.parseInt(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected a whole number from " + min + " to " + max + ")");
    }

    private static String kernel(String option, String value) {
        if (ALL_KERNELS.contains(value)) {
            return value;
        }
        throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected " + String.join(", ", ALL_KERNELS) + ")");
    }

    private static String feature(String option, String value) {
        if (!StepFeaturesBenchmark.FEATURES.contains(value)) {
            throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected all, none or some of "
                    + String.join(", ", StepFeaturesBenchmark.FEATURES) + ")");
        }
        return value;
    }

    private static String mixedFormat(String option, String value) {
        if (!MixedAdamStepBenchmark.FORMATS.contains(value)) {
            throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected all, none or some of "
                    + String.join(", ", MixedAdamStepBenchmark.FORMATS) + ")");
        }
        return value;
    }

    private static String optimizer(String option, String value) {
        if (!OptimizerStepBenchmark.FAMILY.containsKey(value)) {
            throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected none or some of "
                    + OptimizerStepBenchmark.FAMILY.keysView().toSortedList().makeString(", ") + ")");
        }
        return value;
    }

    private static Numerics numerics(String option, String value) {
        for (Numerics n : Numerics.values()) {
            if (n.name().equalsIgnoreCase(value)) {
                return n;
            }
        }
        throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected exact, fast)");
    }

    private static <T> List<T> distinct(List<T> values) {
        return List.copyOf(new LinkedHashSet<>(values));
    }

    private static Map<String, String> params(Object... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], String.valueOf(keyValues[i + 1]));
        }
        return m;
    }

    private static String join(List<Integer> values) {
        return String.join(", ", values.stream().map(String::valueOf).toList());
    }

    private static String millis(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
