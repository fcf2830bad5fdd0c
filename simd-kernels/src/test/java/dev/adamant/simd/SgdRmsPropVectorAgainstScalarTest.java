package dev.adamant.simd;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.KernelKind;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.RmsPropCoefficients;
import dev.adamant.kernel.RmsPropKernel;
import dev.adamant.kernel.SgdCoefficients;
import dev.adamant.kernel.SgdKernel;
import dev.adamant.optim.RmsPropConfig;
import dev.adamant.optim.SgdConfig;
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
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SGD and RMSprop vector kernels against their scalar references, bit for bit (any NaN equals
 * any NaN), at every lane width, in both numerics modes, for float32 and float64: every size up to
 * 300 (every tail length), a few large odd sizes, and ranges whose start is not a multiple of the
 * vector length. Each run takes four steps from zero state (SGD's first one copies the gradient
 * into the momentum buffer); a third of the runs sprinkle signed zeros, subnormals, huge values,
 * NaN and infinities into the initial parameters and every gradient.
 */
class SgdRmsPropVectorAgainstScalarTest {
    private static final int STEPS = 4;
    private static final int[] LARGE_SIZES = {4099, 16411};
    private static final int[] RANGE_SIZES = {20, 131, 1021};
    private static final int[] UNALIGNED_FROMS = {1, 3, 7, 13};

    /** Step {@code t} of one backend's kernel over buffers {param, grad, state...}. */
    private interface Stepper {
        void step(int t, DType dtype, MemorySegment[] b, int from, int to);
    }

    /** One optimizer configuration: its buffer names and its stepper on a given backend (kernel fetched once). */
    private interface Binder {
        Stepper on(Backend backend);
    }

    private record Case(String name, List<String> buffers, Binder binder) {
    }

    private static final List<String> SGD_BUFFERS = List.of("param", "grad", "momentum_buffer");
    private static final List<String> RMSPROP_BUFFERS = List.of("param", "grad", "square_avg", "grad_avg", "momentum_buffer");

    // every switch of each kernel, in as few configs as possible (each config costs a C2 recompile per copy)
    private static final List<Case> CASES = List.of(
            sgd("sgd plain maximize", SgdConfig.sgd().withLr(0.1).withMaximize(true)),
            sgd("sgd momentum dampening wd", SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withDampening(0.1).withWeightDecay(0.01)),
            sgd("sgd nesterov wd maximize", SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withNesterov(true)
                    .withWeightDecay(1e-4).withMaximize(true)),
            rmsprop("rmsprop defaults", RmsPropConfig.rmsprop()),
            rmsprop("rmsprop centered momentum wd maximize alpha 0.9 eps 1e-3", RmsPropConfig.rmsprop().withCentered(true)
                    .withMomentum(0.5).withWeightDecay(0.1).withMaximize(true).withAlpha(0.9).withEps(1e-3)));

    private static Case sgd(String name, SgdConfig config) {
        return new Case(name, SGD_BUFFERS, backend -> {
            SgdKernel k = backend.kernel(SgdKernel.KIND);
            return (t, dtype, b, from, to) -> {
                SgdCoefficients c = config.coefficients(t == 1); // the first step copies d into the buffer
                MemorySegment buf = c.useMomentum() ? b[2] : null;
                switch (dtype) {
                    case FLOAT32 -> k.updateFloats(c, b[0], b[1], buf, from, to);
                    case FLOAT64 -> k.updateDoubles(c, b[0], b[1], buf, from, to);
                }
            };
        });
    }

    private static Case rmsprop(String name, RmsPropConfig config) {
        return new Case(name, RMSPROP_BUFFERS, backend -> {
            RmsPropKernel k = backend.kernel(RmsPropKernel.KIND);
            RmsPropCoefficients c = config.coefficients();
            return (t, dtype, b, from, to) -> {
                MemorySegment gradAvg = c.centered() ? b[3] : null, buf = c.useMomentum() ? b[4] : null;
                switch (dtype) {
                    case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], gradAvg, buf, from, to);
                    case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], gradAvg, buf, from, to);
                }
            };
        });
    }

    private interface Body {
        void run(Stepper vector, Stepper reference, DType dtype, Case c);
    }

    @Test
    void theVectorBackendsRunTheirOwnKernelsNotTheScalarReference() {
        Simd.assumeSimd();
        for (int bits : Backends.laneWidths().toArray()) {
            for (Numerics numerics : Numerics.values()) {
                Backend backend = Backends.vector(bits, numerics).orElseThrow();
                for (KernelKind<?> kind : List.of(SgdKernel.KIND, RmsPropKernel.KIND)) {
                    Class<?> k = backend.kernel(kind).getClass();
                    assertTrue(k.isHidden(), k::getName);
                    String template = kind == SgdKernel.KIND ? "VectorSgdKernel" : "VectorRmsPropKernel";
                    assertTrue(k.getName().startsWith("dev.adamant.simd." + template + "/"), k.getName());
                    assertEquals(k, backend.kernel(kind).getClass(), "one copy per width and mode, reused");
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicNode> everySizeFrom0To300() {
        return tree((vector, reference, dtype, c) -> {
            for (int n = 0; n <= 300; n++) {
                compare(vector, reference, dtype, c, n, 0, n, n % 3 == 0);
            }
        });
    }

    @TestFactory
    Stream<DynamicNode> largeOddSizes() {
        return tree((vector, reference, dtype, c) -> {
            for (int n : LARGE_SIZES) {
                compare(vector, reference, dtype, c, n, 0, n, n == 4099);
            }
        });
    }

    @TestFactory
    Stream<DynamicNode> rangesStartingOffTheVectorGrid() {
        return tree((vector, reference, dtype, c) -> {
            for (int n : RANGE_SIZES) {
                for (int from : UNALIGNED_FROMS) {
                    compare(vector, reference, dtype, c, n, from, n, from == 7);
                    compare(vector, reference, dtype, c, n, from, n - 2, from == 3);
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
                                        DynamicTest.dynamicTest(c.name(), () -> body.run(
                                                c.binder().on(Backends.vector(bits, numerics).orElseThrow()),
                                                c.binder().on(Backends.scalar(numerics)), dtype, c)))))))));
    }

    /**
     * Runs {@link #STEPS} steps over {@code [from, to)} of fresh buffers of {@code n} elements with
     * both backends and compares every buffer after each step. Buffers are exactly {@code n}
     * elements long, so a read or write past the end throws.
     */
    private static void compare(Stepper vector, Stepper reference, DType dtype, Case c, int n, int from, int to,
                                boolean specials) {
        String where = c.name() + ", " + dtype.torchName() + ", n=" + n + ", range [" + from + ", " + to + ")"
                + (specials ? " with special values" : "");
        int count = c.buffers().size();
        SplittableRandom random = new SplittableRandom(31L * n + 7L * from + to);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] vec = new MemorySegment[count], ref = new MemorySegment[count], initial = new MemorySegment[count];
            for (int b = 0; b < count; b++) {
                vec[b] = arena.allocate(n * dtype.byteSize(), 64);
                ref[b] = arena.allocate(n * dtype.byteSize(), 64);
            }
            TestData.fillGaussian(vec[0], dtype, random, 1, specials);
            ref[0].copyFrom(vec[0]);
            for (int b = 0; b < count; b++) {
                initial[b] = arena.allocate(n * dtype.byteSize(), 64).copyFrom(vec[b]);
            }
            for (int t = 1; t <= STEPS; t++) {
                TestData.fillGaussian(vec[1], dtype, random, t == 2 ? 1e-3 : 1, specials);
                ref[1].copyFrom(vec[1]);
                vector.step(t, dtype, vec, from, to);
                reference.step(t, dtype, ref, from, to);
                for (int b = 0; b < count; b++) {
                    Bits.assertSameBits(c.buffers().get(b) + " after step " + t + " (" + where + ")", ref[b], vec[b], dtype);
                }
            }
            long size = dtype.byteSize();
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
}
