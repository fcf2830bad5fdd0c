package dev.adamant.simd;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.NAdamCoefficients;
import dev.adamant.kernel.NAdamKernel;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.RAdamCoefficients;
import dev.adamant.kernel.RAdamKernel;
import dev.adamant.kernel.ScalarNAdamKernel;
import dev.adamant.kernel.ScalarRAdamKernel;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.RAdamConfig;
import dev.adamant.tensor.DType;
import dev.adamant.testing.Bits;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NAdam and RAdam vector kernels against their scalar references, bit for bit (any NaN equals
 * any NaN), at every lane width, in both numerics modes, for float32 and float64: every size up to
 * 300 (steps 1, 2, 6, 10^6), a few large odd sizes (steps 1, 6, 10^6), and ranges starting off the
 * vector grid (steps 1 to 7, then 10^6), from zero state; RAdam is unrectified at steps 1-5 and
 * rectified from step 6 with the defaults; NAdam carries its
 * float32 {@code mu_product} from step to step. A third of the runs sprinkle signed zeros,
 * subnormals, huge values, NaN and infinities into the initial parameters and every gradient.
 */
class NAdamRAdamVectorAgainstScalarTest {
    private static final long[] STEPS = {1, 2, 3, 4, 5, 6, 7, 1_000_000};
    // the size sweep is most of the time: fewer steps there, still both RAdam branches (1, 2 | 6, 10^6)
    private static final long[] SWEEP_STEPS = {1, 2, 6, 1_000_000};
    private static final long[] LARGE_STEPS = {1, 6, 1_000_000};
    private static final String[] BUFFERS = {"param", "grad", "exp_avg", "exp_avg_sq"};
    private static final int[] LARGE_SIZES = {1021, 4099, 65537};
    private static final int[] RANGE_SIZES = {20, 131, 300};
    private static final int[] UNALIGNED_FROMS = {1, 3, 7, 13};

    /** One optimizer and config: its kernels, its per-step coefficients, and how to call a kernel. */
    private interface Case {
        String name();

        Object vector(Backend backend);

        Object reference(Numerics numerics);

        /** Coefficients of each of {@code steps}, in order (NAdam threads mu_product through them). */
        List<Object> coefficients(long[] steps);

        void run(Object kernel, Object coefficients, DType dtype, MemorySegment[] b, long from, long to);
    }

    private record NAdamCase(String name, NAdamConfig config) implements Case {
        public Object vector(Backend backend) {
            return backend.kernel(NAdamKernel.KIND);
        }

        public Object reference(Numerics numerics) {
            return ScalarNAdamKernel.of(numerics);
        }

        public List<Object> coefficients(long[] steps) {
            List<Object> out = new ArrayList<>();
            float mp = 1f;
            for (long t : steps) {
                NAdamCoefficients c = config.coefficients(t, mp);
                mp = c.muProduct();
                out.add(c);
            }
            return out;
        }

        public void run(Object kernel, Object c, DType dtype, MemorySegment[] b, long from, long to) {
            NAdamKernel k = (NAdamKernel) kernel;
            switch (dtype) {
                case FLOAT32 -> k.updateFloats((NAdamCoefficients) c, b[0], b[1], b[2], b[3], from, to);
                case FLOAT64 -> k.updateDoubles((NAdamCoefficients) c, b[0], b[1], b[2], b[3], from, to);
            }
        }
    }

    private record RAdamCase(String name, RAdamConfig config) implements Case {
        public Object vector(Backend backend) {
            return backend.kernel(RAdamKernel.KIND);
        }

        public Object reference(Numerics numerics) {
            return ScalarRAdamKernel.of(numerics);
        }

        public List<Object> coefficients(long[] steps) {
            List<Object> out = new ArrayList<>();
            for (long t : steps) out.add(config.coefficients(t));
            return out;
        }

        public void run(Object kernel, Object c, DType dtype, MemorySegment[] b, long from, long to) {
            RAdamKernel k = (RAdamKernel) kernel;
            switch (dtype) {
                case FLOAT32 -> k.updateFloats((RAdamCoefficients) c, b[0], b[1], b[2], b[3], from, to);
                case FLOAT64 -> k.updateDoubles((RAdamCoefficients) c, b[0], b[1], b[2], b[3], from, to);
            }
        }
    }

    private static final List<Case> CASES = List.of(
            new NAdamCase("nadam", NAdamConfig.nadam()),
            new NAdamCase("nadam wd 0.1 betas(0.5,0.6) momentum_decay 0.01 eps 1e-3",
                    NAdamConfig.nadam().withWeightDecay(0.1).withBetas(0.5, 0.6).withMomentumDecay(0.01).withEps(1e-3)),
            new RAdamCase("radam", RAdamConfig.radam()),
            new RAdamCase("radam wd 0.05 lr 0.1 betas(0.8,0.99)",
                    RAdamConfig.radam().withWeightDecay(0.05).withLr(0.1).withBetas(0.8, 0.99)));

    private interface Body {
        void run(Object vector, Object reference, DType dtype, Case c);
    }

    @TestFactory
    Stream<DynamicNode> everySizeFrom0To300() {
        return tree((vector, reference, dtype, c) -> {
            for (int n = 0; n <= 300; n++) {
                compare(vector, reference, dtype, c, n, 0, n, n % 3 == 0, SWEEP_STEPS);
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

    /** width → numerics → dtype → one test per case. */
    private static Stream<DynamicNode> tree(Body body) {
        Simd.assumeSimd();
        return IntStream.of(Backends.laneWidths().toArray()).mapToObj(bits ->
                DynamicContainer.dynamicContainer(bits + " bits", Stream.of(Numerics.values()).map(numerics ->
                        DynamicContainer.dynamicContainer(numerics.name().toLowerCase(), Stream.of(DType.values()).map(dtype ->
                                DynamicContainer.dynamicContainer(dtype.torchName(), CASES.stream().map(c ->
                                        DynamicTest.dynamicTest(c.name(), () -> {
                                            Object vector = c.vector(Backends.vector(bits, numerics).orElseThrow());
                                            Object reference = c.reference(numerics);
                                            assertFalse(vector.getClass() == reference.getClass(),
                                                    "the " + bits + "-bit backend must have a vector " + c.name() + " kernel");
                                            assertTrue(vector.getClass().isHidden(), vector.getClass().getName());
                                            body.run(vector, reference, dtype, c);
                                        }))))))));
    }

    private static void compare(Object vector, Object reference, DType dtype, Case c,
                                int n, int from, int to, boolean specials, long[] steps) {
        String where = c.name() + ", " + dtype.torchName() + ", n=" + n + ", range [" + from + ", " + to + ")"
                + (specials ? " with special values" : "");
        SplittableRandom random = new SplittableRandom(31L * n + 7L * from + to);
        List<Object> coefficients = c.coefficients(steps);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] vec = new MemorySegment[4], ref = new MemorySegment[4], initial = new MemorySegment[4];
            for (int b = 0; b < 4; b++) {
                vec[b] = arena.allocate(n * dtype.byteSize(), 64);
                ref[b] = arena.allocate(n * dtype.byteSize(), 64);
            }
            TestData.fillGaussian(vec[0], dtype, random, 1, specials);
            ref[0].copyFrom(vec[0]);
            for (int b = 0; b < 4; b++) {
                initial[b] = arena.allocate(n * dtype.byteSize(), 64).copyFrom(vec[b]);
            }
            for (int s = 0; s < steps.length; s++) {
                long t = steps[s];
                TestData.fillGaussian(vec[1], dtype, random, t == 2 ? 1e-3 : 1, specials);
                ref[1].copyFrom(vec[1]);
                c.run(vector, coefficients.get(s), dtype, vec, from, to);
                c.run(reference, coefficients.get(s), dtype, ref, from, to);
                for (int b = 0; b < 4; b++) {
                    Bits.assertSameBits(BUFFERS[b] + " after step " + t + " (" + where + ")", ref[b], vec[b], dtype);
                }
            }
            long size = dtype.byteSize();
            for (int b = 0; b < 4; b++) {
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
}
