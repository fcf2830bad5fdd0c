package dev.adamant.simd;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarAdamKernel;
import dev.adamant.optim.AdamConfig;
import dev.adamant.tensor.DType;
import dev.adamant.testing.Bits;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector kernels against the scalar reference, bit for bit (any NaN equals any NaN), at every
 * lane width, in both numerics modes, for float32 and float64: at every size up to 300 (every
 * tail length), at a few large odd sizes, and on ranges whose start is not a multiple of the
 * vector length. Each run takes steps 1 to 5, then step 10^6, from zero state (large sizes: steps 1, 2
 * and 10^6). A third of the runs sprinkle signed zeros, subnormals, huge values, NaN and infinities
 * into the initial parameters and every gradient.
 */
class VectorAgainstScalarTest {
    private static final long[] STEPS = {1, 2, 3, 4, 5, 1_000_000};
    // fewer steps at large sizes keep the module's test time down; the tails are covered above
    private static final long[] LARGE_STEPS = {1, 2, 1_000_000};
    private static final String[] BUFFERS = {"param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    private static final int[] LARGE_SIZES = {1021, 4099, 65537, 100003};
    private static final int[] RANGE_SIZES = {20, 64, 131, 300, 1021};
    private static final int[] UNALIGNED_FROMS = {1, 3, 7, 13};

    private record Case(String name, AdamConfig config) {
    }

    private static final List<Case> CASES = List.of(
            new Case("adam", AdamConfig.adam()),
            new Case("adam L2", AdamConfig.adam().withWeightDecay(0.1)),
            new Case("adam amsgrad maximize", AdamConfig.adam().withAmsgrad(true).withMaximize(true)),
            new Case("adam L2 amsgrad maximize betas(0.5,0.6) eps 1e-3", AdamConfig.adam().withWeightDecay(0.05)
                    .withAmsgrad(true).withMaximize(true).withBetas(0.5, 0.6).withEps(1e-3)),
            new Case("adamw", AdamConfig.adamW()),
            new Case("adamw amsgrad lr 0.1 wd 0.5", AdamConfig.adamW().withLr(0.1).withWeightDecay(0.5).withAmsgrad(true)),
            new Case("adamw maximize", AdamConfig.adamW().withMaximize(true)));

    /** What one dynamic test runs, for one kernel, dtype and config. */
    private interface Body {
        void run(AdamKernel vector, ScalarAdamKernel reference, DType dtype, Case c);
    }

    @TestFactory
    Stream<DynamicNode> everySizeFrom0To300() {
        return tree((vector, reference, dtype, c) -> {
            for (int n = 0; n <= 300; n++) {
                compare(vector, reference, dtype, c, n, 0, n, n % 3 == 0, STEPS);
            }
        });
    }

    @TestFactory
    Stream<DynamicNode> largeOddSizes() {
        return tree((vector, reference, dtype, c) -> {
            for (int n : LARGE_SIZES) {
                compare(vector, reference, dtype, c, n, 0, n, n == 65537, LARGE_STEPS);
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

    /** width → numerics → dtype → one test per config. */
    private static Stream<DynamicNode> tree(Body body) {
        Simd.assumeSimd();
        return IntStream.of(Backends.laneWidths().toArray()).mapToObj(bits ->
                DynamicContainer.dynamicContainer(bits + " bits", Stream.of(Numerics.values()).map(numerics ->
                        DynamicContainer.dynamicContainer(numerics.name().toLowerCase(), Stream.of(DType.values()).map(dtype ->
                                DynamicContainer.dynamicContainer(dtype.torchName(), CASES.stream().map(c ->
                                        DynamicTest.dynamicTest(c.name(), () -> body.run(
                                                Backends.vector(bits, numerics).orElseThrow().adam(),
                                                ScalarAdamKernel.of(numerics), dtype, c)))))))));
    }

    /**
     * Runs every step of {@code steps} over {@code [from, to)} of fresh buffers of {@code n}
     * elements with both kernels and compares all five buffers after each step. Buffers are
     * exactly {@code n} elements long, so a read or write past the end throws.
     */
    private static void compare(AdamKernel vector, ScalarAdamKernel reference, DType dtype, Case c,
                                int n, int from, int to, boolean specials, long[] steps) {
        String where = c.name() + ", " + dtype.torchName() + ", n=" + n + ", range [" + from + ", " + to + ")"
                + (specials ? " with special values" : "");
        SplittableRandom random = new SplittableRandom(31L * n + 7L * from + to);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] vec = new MemorySegment[5], ref = new MemorySegment[5], initial = new MemorySegment[5];
            for (int b = 0; b < 5; b++) {
                vec[b] = arena.allocate(n * dtype.byteSize(), 64);
                ref[b] = arena.allocate(n * dtype.byteSize(), 64);
            }
            TestData.fillGaussian(vec[0], dtype, random, 1, specials);
            ref[0].copyFrom(vec[0]);
            for (int b = 0; b < 5; b++) {
                initial[b] = arena.allocate(n * dtype.byteSize(), 64).copyFrom(vec[b]);
            }
            for (long t : steps) {
                TestData.fillGaussian(vec[1], dtype, random, t == 2 ? 1e-3 : 1, specials);
                ref[1].copyFrom(vec[1]);
                AdamCoefficients k = c.config().coefficients(t);
                run(vector, k, dtype, vec, from, to);
                run(reference, k, dtype, ref, from, to);
                for (int b = 0; b < 5; b++) {
                    Bits.assertSameBits(BUFFERS[b] + " after step " + t + " (" + where + ")", ref[b], vec[b], dtype);
                }
            }
            // outside [from, to) nothing moved
            long size = dtype.byteSize();
            for (int b = 0; b < 5; b++) {
                if (b == 1) continue;
                Bits.assertSameBits(BUFFERS[b] + " before the range (" + where + ")",
                        initial[b].asSlice(0, from * size), vec[b].asSlice(0, from * size), dtype);
                Bits.assertSameBits(BUFFERS[b] + " after the range (" + where + ")",
                        initial[b].asSlice(to * size), vec[b].asSlice(to * size), dtype);
            }
            if (to - from > 0 && !specials) {
                assertTrue(vec[0].asSlice(from * size).mismatch(initial[0].asSlice(from * size)) >= 0,
                        "the parameter must have moved (" + where + ")");
            }
        }
    }

    private static void run(AdamKernel kernel, AdamCoefficients k, DType dtype, MemorySegment[] b, int from, int to) {
        MemorySegment max = k.amsgrad() ? b[4] : null;
        switch (dtype) {
            case FLOAT32 -> kernel.updateFloats(k, b[0], b[1], b[2], b[3], max, from, to);
            case FLOAT64 -> kernel.updateDoubles(k, b[0], b[1], b[2], b[3], max, from, to);
        }
    }
}
