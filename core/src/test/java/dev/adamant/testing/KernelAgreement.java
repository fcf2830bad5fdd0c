package dev.adamant.testing;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.KernelKind;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarStepStatsKernel;
import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsKernel;
import dev.adamant.kernel.StepStatsSink;
import dev.adamant.tensor.DType;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * One optimizer kernel's vector copies against its scalar reference, bit for bit (any NaN equals
 * any NaN), the one harness every optimizer's agreement test declares itself on.
 *
 * <p>For every lane width, both numerics and float32 and float64, three tests, each running every
 * config:
 * <ul>
 *   <li>every size 0..300 (every tail length) over the whole buffer;</li>
 *   <li>large odd sizes {@link #LARGE_SIZES};</li>
 *   <li>ranges [from, n) and [from, n-2) starting off the vector grid ({@link #UNALIGNED_FROMS})
 *       in buffers of {@link #RANGE_SIZES}: nothing outside the range may change.</li>
 * </ul>
 * Each run takes several steps (its {@link Steps}, including step 10^6) on fresh buffers of exactly
 * n elements (a read or write past the end throws) and compares every buffer after every step;
 * the gradient is new at every step (1e-3 times smaller at step 2). A third of the runs sprinkle
 * signed zeros, subnormals, huge values, NaN and infinities into the initial parameters and every
 * gradient. Half of the runs start from the optimizer's initial state (zeros, or the config's
 * {@code initialState}), the other half from a random previous-step-like state whose
 * {@link #nonNegative} slots (squares, sums, maxima) are non-negative as in real runs. Where the
 * range is not empty and no special value is in play the parameter must have moved. Besides, one
 * test checks that every width and numerics runs its own hidden copy of the vector template, never
 * the scalar reference.
 *
 * <p>An optimizer whose kernel has a monitored entry declares it with {@link #monitored}: a fourth
 * test then runs, at every width, numerics and dtype, sizes around every tail and every statistics
 * block boundary ({@link #MONITORED_SIZES}, from 0 and from an unaligned start, half of them with
 * special values), and checks after every step that the monitored entry wrote the same bits as the
 * plain entry of the same vector kernel and as the reference, and that its figures agree with the
 * scalar reference's (its two-pass default over {@link ScalarStepStatsKernel}): counts, minima and
 * maxima exactly, sums to the relative 1e-5 {@link StepStatsKernel} documents.
 *
 * <p>An optimizer supplies its kernel kind, the name of its vector template, its buffer names
 * (param, grad, then its state slots in kernel argument order), how to call a kernel on given
 * coefficients, and per config how to derive the coefficients of a step from the step number and
 * the previous step's coefficients (scalar state such as NAdam's {@code mu_product} threads through
 * them; {@code previous} is null at a run's first step).
 *
 * @param <K> the kernel interface
 * @param <C> the coefficients of one step
 */
public final class KernelAgreement<K, C> {
    public static final int SWEEP_MAX = 300;
    public static final int[] LARGE_SIZES = {1021, 4099, 65537};
    public static final int[] RANGE_SIZES = {20, 64, 131, 300, 1021};
    public static final int[] UNALIGNED_FROMS = {1, 3, 7, 13};

    /**
     * The steps of each run: of the 0..300 sweep, of the large sizes and of the unaligned ranges (the
     * sweep is most of the time, so it takes fewer steps than the ranges).
     */
    public record Steps(long[] sweep, long[] large, long[] ranges) {
    }

    public static final Steps DEFAULT_STEPS = new Steps(
            new long[] {1, 2, 3, 1_000_000}, new long[] {1, 2, 3, 1_000_000}, new long[] {1, 2, 3, 4, 5, 1_000_000});

    /** One kernel call with coefficients {@code c} on element range [from, to) of {@code b}. */
    @FunctionalInterface
    public interface Call<K, C> {
        void run(K kernel, C c, DType dtype, MemorySegment[] b, long from, long to);
    }

    /** A call of the kernel's monitored entry: the plain call's arguments and the sink. */
    @FunctionalInterface
    public interface MonitoredCall<K, C> {
        void run(K kernel, C c, DType dtype, MemorySegment[] b, long from, long to, StepStatsSink stats);
    }

    /**
     * What monitoring reads under some coefficients: the buffer indices of the first moment, the
     * second moment and its centre (-1 for none), and the gradient's scale and clamp (+∞: none).
     */
    public record Reads(int first, int second, int center, double gradScale, double clipValue) {
    }

    /** Sizes of the monitored test: every tail near the start, and around the 1024-element statistics blocks. */
    public static final int[] MONITORED_SIZES = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100,
            1023, 1024, 1025, 1031, 2047, 2048, 2049, 3077};

    /** The coefficients of {@code step}, given the previous step's (null at a run's first step). */
    @FunctionalInterface
    public interface Coefficients<C> {
        C at(long step, C previous);
    }

    private record Config<C>(String name, double initialState, Coefficients<C> coefficients) {
    }

    private final KernelKind<K> kind;
    private final String vectorTemplate;
    private final List<String> buffers;
    private final Call<K, C> call;
    private final List<Config<C>> configs = new ArrayList<>();
    private Set<String> nonNegative = Set.of();
    private Steps steps = DEFAULT_STEPS;
    private MonitoredCall<K, C> monitoredCall;
    private Function<C, Reads> reads;

    private KernelAgreement(KernelKind<K> kind, String vectorTemplate, List<String> buffers, Call<K, C> call) {
        this.kind = kind;
        this.vectorTemplate = vectorTemplate;
        this.buffers = List.copyOf(buffers);
        this.call = call;
    }

    /**
     * @param vectorTemplate binary name of the vector kernel class whose hidden copies the backends run
     * @param buffers        param, grad, then the state slots, as failure messages name them
     */
    public static <K, C> KernelAgreement<K, C> of(KernelKind<K> kind, String vectorTemplate, List<String> buffers,
                                                  Call<K, C> call) {
        return new KernelAgreement<>(kind, vectorTemplate, buffers, call);
    }

    /** State slots that a real optimizer keeps non-negative (random initial states respect that). */
    public KernelAgreement<K, C> nonNegative(String... slots) {
        for (String s : slots) {
            if (buffers.indexOf(s) < 2) throw new IllegalArgumentException("not a state slot: " + s);
        }
        nonNegative = Set.of(slots);
        return this;
    }

    public KernelAgreement<K, C> steps(Steps steps) {
        this.steps = steps;
        return this;
    }

    /** Declares the kernel's monitored entry and what its figures read under given coefficients: adds the monitored test. */
    public KernelAgreement<K, C> monitored(MonitoredCall<K, C> call, Function<C, Reads> reads) {
        this.monitoredCall = call;
        this.reads = reads;
        return this;
    }

    /** A config whose state starts at zero. */
    public KernelAgreement<K, C> config(String name, Coefficients<C> coefficients) {
        return config(name, 0, coefficients);
    }

    /** A config whose state slots start at {@code initialState} (Adagrad's initial accumulator). */
    public KernelAgreement<K, C> config(String name, double initialState, Coefficients<C> coefficients) {
        configs.add(new Config<>(name, initialState, coefficients));
        return this;
    }

    /** The part of the tests that runs every config on one backend and dtype. */
    @FunctionalInterface
    private interface Part<K> {
        void run(K vector, K reference, int bits, Numerics numerics, DType dtype, String label);
    }

    /**
     * The vector copies; then sizes 0..300, unaligned ranges and large sizes, each width → numerics →
     * dtype. Every test runs all configs interleaved (size by size), so each kernel's profile sees
     * every switch from the start and is compiled once, instead of being deoptimized and recompiled
     * at each config; failure messages name the config.
     */
    public Stream<DynamicNode> tests() {
        if (configs.isEmpty()) throw new IllegalStateException("no config for " + kind.name());
        Stream<DynamicNode> tests = Stream.of(
                DynamicTest.dynamicTest("every width and numerics runs a hidden copy of " + vectorTemplate, this::vectorCopies),
                part("sizes 0.." + SWEEP_MAX, this::sweep),
                part("unaligned ranges", this::ranges),
                part("large sizes", this::large));
        return monitoredCall == null ? tests : Stream.concat(tests, Stream.of(part("monitored", this::monitored)));
    }

    private DynamicNode part(String name, Part<K> part) {
        List<DynamicNode> widths = new ArrayList<>();
        for (int bits : Backends.laneWidths().toArray()) {
            List<DynamicNode> modes = new ArrayList<>();
            for (Numerics numerics : Numerics.values()) {
                List<DynamicNode> perDtype = new ArrayList<>();
                for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) { // the fp32/fp64 kernels
                    String label = kind.name() + " " + name + ", " + bits + "-bit " + numerics.name().toLowerCase()
                            + ", " + dtype.torchName();
                    perDtype.add(DynamicTest.dynamicTest(dtype.torchName(),
                            () -> part.run(vector(bits, numerics), kind.scalar(numerics), bits, numerics, dtype, label)));
                }
                modes.add(DynamicContainer.dynamicContainer(numerics.name().toLowerCase(), perDtype));
            }
            widths.add(DynamicContainer.dynamicContainer(bits + " bits", modes));
        }
        return DynamicContainer.dynamicContainer(name, widths);
    }

    private void vectorCopies() {
        for (int bits : Backends.laneWidths().toArray()) {
            Backend exact = Backends.vector(bits, Numerics.EXACT).orElseThrow();
            Backend fast = Backends.vector(bits, Numerics.FAST).orElseThrow();
            for (Backend backend : List.of(exact, fast)) {
                Class<?> k = backend.kernel(kind).getClass();
                String what = kind.name() + " on " + backend;
                assertTrue(kind.type().isAssignableFrom(k), what);
                assertTrue(k.isHidden(), () -> what + " is not a hidden class: " + k.getName());
                assertTrue(k.getName().startsWith(vectorTemplate + "/"), () -> what + ": " + k.getName());
                assertNotEquals(kind.scalar(Numerics.EXACT).getClass(), k, what + " is the scalar fallback");
                assertNotEquals(kind.scalar(Numerics.FAST).getClass(), k, what + " is the scalar fallback");
                assertEquals(k, backend.kernel(kind).getClass(), what + ": one copy per width and mode, reused");
            }
            assertNotEquals(exact.kernel(kind).getClass(), fast.kernel(kind).getClass(),
                    kind.name() + " at " + bits + " bits: each numerics mode has its own copy");
        }
    }

    private void sweep(K vector, K reference, int bits, Numerics numerics, DType dtype, String label) {
        for (int n = 0; n <= SWEEP_MAX; n++) {
            for (Config<C> config : configs) {
                // blocks of 32 sizes alternate the initial state, so each covers every tail length
                run(vector, reference, config, dtype, label, n, 0, n, n % 3 == 0, ((n >> 5) & 1) == 1, steps.sweep());
            }
        }
    }

    private void large(K vector, K reference, int bits, Numerics numerics, DType dtype, String label) {
        for (int i = 0; i < LARGE_SIZES.length; i++) {
            for (Config<C> config : configs) {
                int n = LARGE_SIZES[i];
                run(vector, reference, config, dtype, label, n, 0, n, i >= 1, i != 1, steps.large());
            }
        }
    }

    private void ranges(K vector, K reference, int bits, Numerics numerics, DType dtype, String label) {
        for (int n : RANGE_SIZES) {
            for (int from : UNALIGNED_FROMS) {
                boolean randomState = from == 3 || from == 13;
                for (Config<C> config : configs) {
                    run(vector, reference, config, dtype, label, n, from, n, from == 7, randomState, steps.ranges());
                    run(vector, reference, config, dtype, label, n, from, n - 2, from == 3, randomState, steps.ranges());
                }
            }
        }
    }

    /**
     * One run on inputs chosen by the caller (property tests draw them at random): {@code steps} steps
     * with {@code coefficients} over [from, to) of fresh buffers of {@code n} elements, every buffer
     * compared after each step, nothing outside the range changed. The parameter need not move
     * (random hyperparameters may make a step smaller than an ulp).
     */
    public void compare(K vector, K reference, String label, double initialState, Coefficients<C> coefficients,
                        DType dtype, int n, int from, int to, boolean specials, boolean randomState, long[] steps) {
        run(vector, reference, new Config<>(label, initialState, coefficients), dtype, label, n, from, to, specials,
                randomState, steps, false);
    }

    private K vector(int bits, Numerics numerics) {
        K vector = Backends.vector(bits, numerics).orElseThrow().kernel(kind);
        assertNotEquals(kind.scalar(numerics).getClass(), vector.getClass(),
                () -> "the " + bits + "-bit backend must have a vector " + kind.name() + " kernel");
        return vector;
    }

    /**
     * Runs {@code stepList} over [from, to) of fresh buffers of exactly {@code n} elements with both
     * kernels, comparing every buffer after each step; then nothing outside the range may have moved.
     */
    private void run(K vector, K reference, Config<C> config, DType dtype, String label, int n, int from, int to,
                     boolean specials, boolean randomState, long[] stepList) {
        run(vector, reference, config, dtype, label, n, from, to, specials, randomState, stepList, true);
    }

    private void run(K vector, K reference, Config<C> config, DType dtype, String label, int n, int from, int to,
                     boolean specials, boolean randomState, long[] stepList, boolean mustMove) {
        String where = label + ", " + config.name() + ", n=" + n + ", range [" + from + ", " + to + ")"
                + (specials ? ", with special values" : "")
                + (randomState ? ", from a random state" : ", from the initial state");
        int count = buffers.size();
        long size = dtype.byteSize();
        SplittableRandom random = new SplittableRandom(31L * n + 7L * from + to);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] vec = new MemorySegment[count], ref = new MemorySegment[count], initial = new MemorySegment[count];
            for (int b = 0; b < count; b++) {
                vec[b] = arena.allocate(n * size, 64);
            }
            TestData.fillGaussian(vec[0], dtype, random, 1, specials);
            for (int b = 2; b < count; b++) {
                if (randomState) {
                    TestData.fillGaussian(vec[b], dtype, random, 0.1, false);
                    if (nonNegative.contains(buffers.get(b))) abs(vec[b], dtype, n);
                } else {
                    fill(vec[b], dtype, n, config.initialState());
                }
            }
            for (int b = 0; b < count; b++) {
                ref[b] = arena.allocate(n * size, 64).copyFrom(vec[b]);
                initial[b] = arena.allocate(n * size, 64).copyFrom(vec[b]);
            }
            C c = null;
            for (long t : stepList) {
                c = config.coefficients().at(t, c);
                TestData.fillGaussian(vec[1], dtype, random, t == 2 ? 1e-3 : 1, specials);
                ref[1].copyFrom(vec[1]);
                call.run(vector, c, dtype, vec, from, to);
                call.run(reference, c, dtype, ref, from, to);
                for (int b = 0; b < count; b++) {
                    Bits.assertSameBits(buffers.get(b) + " after step " + t + " (" + where + ")", ref[b], vec[b], dtype);
                }
            }
            for (int b = 0; b < count; b++) {
                if (b == 1) continue;
                Bits.assertSameBits(buffers.get(b) + " before the range (" + where + ")",
                        initial[b].asSlice(0, from * size), vec[b].asSlice(0, from * size), dtype);
                Bits.assertSameBits(buffers.get(b) + " after the range (" + where + ")",
                        initial[b].asSlice(to * size), vec[b].asSlice(to * size), dtype);
            }
            if (mustMove && to - from > 0 && !specials) {
                assertTrue(vec[0].asSlice(from * size, (to - from) * size)
                                .mismatch(initial[0].asSlice(from * size, (to - from) * size)) >= 0,
                        () -> "the parameter must have moved (" + where + ")");
            }
        }
    }

    private void monitored(K vector, K reference, int bits, Numerics numerics, DType dtype, String label) {
        StepStatsKernel vectorStats = Backends.vector(bits, numerics).orElseThrow().kernel(StepStatsKernel.KIND);
        for (int k = 0; k < MONITORED_SIZES.length; k++) {
            int n = MONITORED_SIZES[k];
            for (Config<C> config : configs) {
                monitoredRun(vector, reference, vectorStats, config, dtype, label, n, 0, k % 2 == 1, k % 4 < 2);
                if (n > 1000) {
                    monitoredRun(vector, reference, vectorStats, config, dtype, label, n, 13, k % 2 == 0, k % 4 >= 2);
                }
            }
        }
    }

    /**
     * {@link Steps#large} steps over [from, n) of three copies of fresh buffers: the vector kernel's
     * monitored entry, its plain entry and the reference's monitored entry; the buffers must be the
     * same bits after every step, and the two sets of figures agree.
     */
    private void monitoredRun(K vector, K reference, StepStatsKernel vectorStats, Config<C> config, DType dtype,
                              String label, int n, int from, boolean specials, boolean randomState) {
        String where = label + ", " + config.name() + ", monitored, n=" + n + ", range [" + from + ", " + n + ")"
                + (specials ? ", with special values" : "")
                + (randomState ? ", from a random state" : ", from the initial state");
        int count = buffers.size();
        long size = dtype.byteSize();
        SplittableRandom random = new SplittableRandom(17L * n + from);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] monitored = new MemorySegment[count], plain = new MemorySegment[count], ref = new MemorySegment[count];
            for (int b = 0; b < count; b++) {
                monitored[b] = arena.allocate(Math.max(1, n) * size, 64);
            }
            TestData.fillGaussian(monitored[0], dtype, random, 1, specials);
            for (int b = 2; b < count; b++) {
                if (randomState) {
                    TestData.fillGaussian(monitored[b], dtype, random, 0.1, false);
                    if (nonNegative.contains(buffers.get(b))) abs(monitored[b], dtype, n);
                } else {
                    fill(monitored[b], dtype, n, config.initialState());
                }
            }
            for (int b = 0; b < count; b++) {
                plain[b] = arena.allocate(monitored[b].byteSize(), 64).copyFrom(monitored[b]);
                ref[b] = arena.allocate(monitored[b].byteSize(), 64).copyFrom(monitored[b]);
            }
            StepStatsSink vectorSink = new StepStatsSink(vectorStats, arena.allocate(Math.max(1, n) * size, 64));
            StepStatsSink referenceSink = new StepStatsSink(ScalarStepStatsKernel.INSTANCE, arena.allocate(Math.max(1, n) * size, 64));
            C c = null;
            for (long t : steps.large()) {
                c = config.coefficients().at(t, c);
                TestData.fillGaussian(monitored[1], dtype, random, t == 2 ? 1e-3 : 1, specials);
                plain[1].copyFrom(monitored[1]);
                ref[1].copyFrom(monitored[1]);
                Reads r = reads.apply(c);
                StatsAccumulator actual = new StatsAccumulator(), expected = new StatsAccumulator();
                monitoredCall.run(vector, c, dtype, monitored, from, n, target(vectorSink, actual, r, monitored));
                monitoredCall.run(reference, c, dtype, ref, from, n, target(referenceSink, expected, r, ref));
                call.run(vector, c, dtype, plain, from, n);
                for (int b = 0; b < count; b++) {
                    String what = buffers.get(b) + " after step " + t + " (" + where + ")";
                    Bits.assertSameBits(what + ", monitored vs plain", plain[b], monitored[b], dtype);
                    Bits.assertSameBits(what + ", monitored vs reference", ref[b], monitored[b], dtype);
                }
                assertSameFigures("step " + t + " (" + where + ")", expected, actual, dtype);
            }
        }
    }

    private static StepStatsSink target(StepStatsSink sink, StatsAccumulator into, Reads r, MemorySegment[] b) {
        return sink.target(into, r.first() < 0 ? null : b[r.first()], r.second() < 0 ? null : b[r.second()],
                r.center() < 0 ? null : b[r.center()], r.gradScale(), r.clipValue());
    }

    /**
     * Counts, minima and maxima exactly; sums to a relative 1e-5 (of Σ|q| for the second moment,
     * which a centre makes signed). A float32 block sum may overflow to +∞ where the exact sum
     * exceeds the element type's largest value ({@link StepStatsKernel}).
     */
    public static void assertSameFigures(String at, StatsAccumulator expected, StatsAccumulator actual, DType dtype) {
        assertEquals(expected.elements, actual.elements, at + ": elements");
        assertEquals(expected.nonFiniteGrads, actual.nonFiniteGrads, at + ": nonFiniteGrads");
        assertEquals(expected.secondMomentMin, actual.secondMomentMin, at + ": secondMomentMin");
        assertEquals(expected.secondMomentMax, actual.secondMomentMax, at + ": secondMomentMax");
        double largest = dtype == DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        double secondScale = expected.elements * Math.max(Math.abs(expected.secondMomentMin), Math.abs(expected.secondMomentMax));
        closeSum(at + ": gradSquares", expected.gradSquares, actual.gradSquares, Math.abs(expected.gradSquares), largest);
        closeSum(at + ": updateSquares", expected.updateSquares, actual.updateSquares, Math.abs(expected.updateSquares), largest);
        closeSum(at + ": paramSquares", expected.paramSquares, actual.paramSquares, Math.abs(expected.paramSquares), largest);
        closeSum(at + ": firstMomentAbs", expected.firstMomentAbs, actual.firstMomentAbs, Math.abs(expected.firstMomentAbs), largest);
        closeSum(at + ": secondMoment", expected.secondMoment, actual.secondMoment,
                Double.isFinite(secondScale) ? Math.max(secondScale, Math.abs(expected.secondMoment)) : Math.abs(expected.secondMoment),
                largest);
    }

    private static void closeSum(String what, double expected, double actual, double scale, double largest) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            if (!Bits.same(expected, actual)) fail(what + ": expected " + expected + " but was " + actual);
            return;
        }
        if (actual == Double.POSITIVE_INFINITY && expected > largest * 0.99) {
            return; // a block's sum in the element type overflowed
        }
        if (!(Math.abs(expected - actual) <= scale * 1e-5)) {
            fail(what + ": expected " + expected + " but was " + actual);
        }
    }

    private static void fill(MemorySegment s, DType dtype, int n, double value) {
        if (value == 0) return; // fresh segments are zeroed
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) value);
                case FLOAT64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, value);
            }
        }
    }

    private static void abs(MemorySegment s, DType dtype, int n) {
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, Math.abs(s.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
                case FLOAT64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, Math.abs(s.getAtIndex(ValueLayout.JAVA_DOUBLE, i)));
            }
        }
    }
}
