package dev.adamant.simd;

import dev.adamant.kernel.AdagradKernel;
import dev.adamant.kernel.AdamaxKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarAdagradKernel;
import dev.adamant.kernel.ScalarAdamaxKernel;
import dev.adamant.optim.AdagradConfig;
import dev.adamant.optim.AdamaxConfig;
import dev.adamant.tensor.DType;
import dev.adamant.testing.Bits;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Adagrad and Adamax vector kernels against their scalar references, bit for bit (any NaN
 * equals any NaN), at every lane width, in both numerics modes, for float32 and float64: every
 * size up to 300 (steps 1 to 3 and 10^6), a few large odd sizes (steps 1, 2 and 10^6), and ranges
 * starting off the vector grid (steps 1 to 5 and 10^6). Each run starts from torch's initial state
 * (Adagrad's sum also from a non-zero initial accumulator); a third of the runs sprinkle signed
 * zeros, subnormals, huge values, NaN and infinities into the initial parameters and every
 * gradient, which exercises the NaN propagation of Adamax's lane-wise max (a max that drops NaN
 * fails this test).
 */
class VectorAdagradAdamaxTest {
    private static final long[] STEPS = {1, 2, 3, 4, 5, 1_000_000};
    // every size from 0 to 300 is most of this class's time: fewer steps there keep it under ~15 s
    private static final long[] EVERY_SIZE_STEPS = {1, 2, 3, 1_000_000};
    private static final long[] LARGE_STEPS = {1, 2, 1_000_000};
    private static final int[] LARGE_SIZES = {1021, 4099, 65537};
    private static final int[] RANGE_SIZES = {20, 64, 131, 300};
    private static final int[] UNALIGNED_FROMS = {1, 3, 7, 13};

    /** One step of a kernel over {@code b} = {param, grad, state...}. */
    private interface Update {
        void apply(DType dtype, MemorySegment[] b, long from, long to, long step);
    }

    /**
     * @param buffers   names of param, grad and the state buffers, in kernel argument order
     * @param stateInit the value every state buffer starts at (torch's zeros, or Adagrad's accumulator)
     * @param update    the update on a backend (scalar reference or vector copy)
     */
    private record Case(String name, List<String> buffers, double stateInit, Function<Backend, Update> update) {
    }

    private static Case adagrad(String name, AdagradConfig config) {
        return new Case("adagrad " + name, List.of("param", "grad", "sum"), config.initialAccumulatorValue(), backend -> {
            AdagradKernel k = backend.kernel(AdagradKernel.KIND);
            return (dtype, b, from, to, t) -> {
                switch (dtype) {
                    case FLOAT32 -> k.updateFloats(config.coefficients(t), b[0], b[1], b[2], from, to);
                    case FLOAT64 -> k.updateDoubles(config.coefficients(t), b[0], b[1], b[2], from, to);
                }
            };
        });
    }

    private static Case adamax(String name, AdamaxConfig config) {
        return new Case("adamax " + name, List.of("param", "grad", "exp_avg", "exp_inf"), 0, backend -> {
            AdamaxKernel k = backend.kernel(AdamaxKernel.KIND);
            return (dtype, b, from, to, t) -> {
                switch (dtype) {
                    case FLOAT32 -> k.updateFloats(config.coefficients(t), b[0], b[1], b[2], b[3], from, to);
                    case FLOAT64 -> k.updateDoubles(config.coefficients(t), b[0], b[1], b[2], b[3], from, to);
                }
            };
        });
    }

    private static final List<Case> CASES = List.of(
            adagrad("defaults", AdagradConfig.adagrad()),
            adagrad("lr_decay 0.01 iav 0.1 wd 0.1", AdagradConfig.adagrad().withLrDecay(0.01)
                    .withInitialAccumulatorValue(0.1).withWeightDecay(0.1)),
            adagrad("maximize eps 1e-6", AdagradConfig.adagrad().withMaximize(true).withEps(1e-6)),
            adamax("defaults", AdamaxConfig.adamax()),
            adamax("wd 0.01 maximize", AdamaxConfig.adamax().withWeightDecay(0.01).withMaximize(true)),
            adamax("betas (0.5, 0) eps 1e-3", AdamaxConfig.adamax().withBetas(0.5, 0).withEps(1e-3)));

    private interface Body {
        void run(Update vector, Update reference, DType dtype, Case c);
    }

    @TestFactory
    Stream<DynamicNode> everySizeFrom0To300() {
        return tree((vector, reference, dtype, c) -> {
            for (int n = 0; n <= 300; n++) {
                compare(vector, reference, dtype, c, n, 0, n, n % 3 == 0, EVERY_SIZE_STEPS);
            }
        });
    }

    @TestFactory
    Stream<DynamicNode> largeOddSizes() {
        return tree((vector, reference, dtype, c) -> {
            for (int n : LARGE_SIZES) {
                compare(vector, reference, dtype, c, n, 0, n, n == 4099, LARGE_STEPS);
            }
        });
    }

    @TestFactory
    Stream<DynamicNode> rangesStartingOffTheVectorGrid() {
        return tree((vector, reference, dtype, c) -> {
            for (int n : RANGE_SIZES) {
                for (int from : UNALIGNED_FROMS) {
                    compare(vector, reference, dtype, c, n, from, n, from == 7, STEPS);
                    compare(vector, reference, dtype, c, n, from, n - 2, from == 3, STEPS);
                }
            }
        });
    }

    @Test
    void eachWidthRunsAHiddenCopyOfTheVectorTemplates() {
        Simd.assumeSimd();
        for (int bits : Backends.laneWidths().toArray()) {
            for (Numerics numerics : Numerics.values()) {
                Backend backend = Backends.vector(bits, numerics).orElseThrow();
                Object adagrad = backend.kernel(AdagradKernel.KIND), adamax = backend.kernel(AdamaxKernel.KIND);
                assertFalse(adagrad instanceof ScalarAdagradKernel, backend + " adagrad is the scalar fallback");
                assertFalse(adamax instanceof ScalarAdamaxKernel, backend + " adamax is the scalar fallback");
                assertTrue(adagrad.getClass().isHidden() && adagrad.getClass().getName()
                        .startsWith("dev.adamant.simd.VectorAdagradKernel/"), adagrad.getClass().getName());
                assertTrue(adamax.getClass().isHidden() && adamax.getClass().getName()
                        .startsWith("dev.adamant.simd.VectorAdamaxKernel/"), adamax.getClass().getName());
            }
        }
    }

    /** width → numerics → dtype → one test per case. */
    private static Stream<DynamicNode> tree(Body body) {
        Simd.assumeSimd();
        return IntStream.of(Backends.laneWidths().toArray()).mapToObj(bits ->
                DynamicContainer.dynamicContainer(bits + " bits", Stream.of(Numerics.values()).map(numerics ->
                        DynamicContainer.dynamicContainer(numerics.name().toLowerCase(), Stream.of(DType.values()).map(dtype ->
                                DynamicContainer.dynamicContainer(dtype.torchName(), CASES.stream().map(c ->
                                        DynamicTest.dynamicTest(c.name(), () -> body.run(
                                                c.update().apply(Backends.vector(bits, numerics).orElseThrow()),
                                                c.update().apply(Backends.scalar(numerics)), dtype, c)))))))));
    }

    /**
     * Runs every step over {@code [from, to)} of fresh buffers of exactly {@code n} elements with both
     * kernels and compares all buffers after each step; outside the range nothing may change.
     */
    private static void compare(Update vector, Update reference, DType dtype, Case c,
                                int n, int from, int to, boolean specials, long[] steps) {
        String where = c.name() + ", " + dtype.torchName() + ", n=" + n + ", range [" + from + ", " + to + ")"
                + (specials ? " with special values" : "");
        int count = c.buffers().size();
        long size = dtype.byteSize();
        SplittableRandom random = new SplittableRandom(31L * n + 7L * from + to);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] vec = new MemorySegment[count], ref = new MemorySegment[count], initial = new MemorySegment[count];
            for (int b = 0; b < count; b++) {
                vec[b] = arena.allocate(n * size, 64);
                ref[b] = arena.allocate(n * size, 64);
            }
            TestData.fillGaussian(vec[0], dtype, random, 1, specials);
            for (int b = 2; b < count; b++) {
                fill(vec[b], dtype, n, c.stateInit());
            }
            for (int b = 0; b < count; b++) {
                ref[b].copyFrom(vec[b]);
                initial[b] = arena.allocate(n * size, 64).copyFrom(vec[b]);
            }
            for (long t : steps) {
                TestData.fillGaussian(vec[1], dtype, random, t == 2 ? 1e-3 : 1, specials);
                ref[1].copyFrom(vec[1]);
                vector.apply(dtype, vec, from, to, t);
                reference.apply(dtype, ref, from, to, t);
                for (int b = 0; b < count; b++) {
                    Bits.assertSameBits(c.buffers().get(b) + " after step " + t + " (" + where + ")", ref[b], vec[b], dtype);
                }
            }
            for (int b = 0; b < count; b++) {
                if (b == 1) continue;
                Bits.assertSameBits(c.buffers().get(b) + " before the range (" + where + ")",
                        initial[b].asSlice(0, from * size), vec[b].asSlice(0, from * size), dtype);
                Bits.assertSameBits(c.buffers().get(b) + " after the range (" + where + ")",
                        initial[b].asSlice(to * size), vec[b].asSlice(to * size), dtype);
            }
            if (to - from > 0 && !specials) {
                assertTrue(vec[0].asSlice(from * size).mismatch(initial[0].asSlice(from * size)) >= 0,
                        "the parameter must have moved (" + where + ")");
            }
        }
    }

    private static void fill(MemorySegment s, DType dtype, int n, double value) {
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) value);
                case FLOAT64 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, value);
            }
        }
    }
}
