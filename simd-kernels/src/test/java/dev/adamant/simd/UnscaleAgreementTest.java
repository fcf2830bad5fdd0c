package dev.adamant.simd;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.Lamb;
import dev.adamant.optim.LambConfig;
import dev.adamant.optim.NonFinitePolicy;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.Snapshot;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static dev.adamant.testing.TestData.gaussianDoubles;
import static dev.adamant.testing.TestData.gaussianFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Optimizer#unscale} on every backend (scalar and each lane width, both numerics): stepping
 * with the unscale fused equals stepping on gradients divided in place (power-of-two scales) or
 * multiplied in place by {@code f(1/scale)} (torch's GradScaler, any scale), bit for bit; and the
 * non-finite check finds a bad element anywhere (vector body or tail) and nothing else.
 */
class UnscaleAgreementTest {
    private static final int[] SIZES = {1, 7, 16, 17, 63, 131, 1021};
    private static final List<Function<Backend, Optimizer<?, ?>>> OPTIMIZERS = List.of(
            b -> new Adam(AdamConfig.adamW().withLr(0.01).withAmsgrad(true), b),
            b -> new Sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withNesterov(true), b),
            b -> new Lamb(LambConfig.defaults(), b));

    private static List<Backend> backends() {
        if (!Simd.EXPECT_SCALAR_FALLBACK) {
            assertFalse(Backends.laneWidths().isEmpty(), "the SIMD run covers the vector kernels");
        }
        return Backends.all(Numerics.EXACT).newWithAll(Backends.all(Numerics.FAST)).castToList();
    }

    @Test
    void fusedUnscaleEqualsDividingTheGradientsInPlace() {
        int checked = 0;
        for (Backend backend : backends()) {
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) { // the fp32/fp64 kernels
                for (int n : SIZES) {
                    for (double scale : new double[]{65536, 1024, 0.25, 3, 1e5}) {
                        for (int o = 0; o < OPTIMIZERS.size(); o++) {
                            check(backend, OPTIMIZERS.get(o), dtype, n, scale, o * 1000L + n);
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked >= 2 * 2 * SIZES.length * 5 * 3);
    }

    private static void check(Backend backend, Function<Backend, Optimizer<?, ?>> factory, DType dtype, int n, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        boolean powerOfTwo = scale == Math.scalb(1.0, Math.getExponent(scale));
        float inv = (float) (1.0 / scale);
        String what = backend + " " + dtype + " n=" + n + " scale=" + scale;
        try (Tensor w1 = tensor(dtype, r, n, 1); Tensor g1 = tensor(dtype, r, n, scale);
             Tensor w2 = Tensor.allocate(dtype, n); Tensor g2 = Tensor.allocate(dtype, n);
             Optimizer<?, ?> fused = factory.apply(backend); Optimizer<?, ?> manual = factory.apply(backend)) {
            w2.copyFrom(w1);
            Parameter p1 = Parameter.of(w1), p2 = Parameter.of(w2);
            p1.setGrad(g1);
            p2.setGrad(g2);
            fused.addParamGroup(List.of(p1));
            manual.addParamGroup(List.of(p2));
            for (int step = 0; step < 3; step++) {
                for (long i = 0; i < n; i++) {
                    if (dtype == DType.FLOAT32) {
                        float g = g1.getFloat(i);
                        g2.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, powerOfTwo ? (float) (g / scale) : g * inv);
                    } else {
                        double g = g1.getDouble(i);
                        g2.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, i, powerOfTwo ? g / scale : g * (double) inv);
                    }
                }
                fused.unscale(scale);
                fused.step();
                manual.step();
                assertFalse(fused.lastStepSkipped(), what);
                Bits.assertSameBits(what + " step " + step, w2, w1);
                var s1 = fused.state(p1).orElseThrow().tensors();
                var s2 = manual.state(p2).orElseThrow().tensors();
                for (String slot : s2.keysView()) {
                    Bits.assertSameBits(what + " " + slot, s2.get(slot), s1.get(slot));
                }
            }
        }
    }

    private static Tensor tensor(DType dtype, SplittableRandom r, int n, double scale) {
        return dtype == DType.FLOAT32 ? Tensor.ofFloats(gaussianFloats(r, n, scale)) : Tensor.ofDoubles(gaussianDoubles(r, n, scale));
    }

    /** The detection pass on every backend: a bad element anywhere skips; huge finite values (squares overflow float64) do not. */
    @Test
    void detectionFindsEveryPositionOnEveryBackend() {
        int n = 131;
        for (Backend backend : backends()) {
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) { // the fp32/fp64 kernels
                for (int at : new int[]{0, 5, 63, 64, 127, 130}) {
                    for (double bad : new double[]{Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0}) {
                        SplittableRandom r = new SplittableRandom(at);
                        try (Tensor w = tensor(dtype, r, n, 1); Tensor g = tensor(dtype, r, n, 1);
                             Optimizer<?, ?> opt = OPTIMIZERS.get(0).apply(backend)) {
                            Parameter p = Parameter.of(w);
                            p.setGrad(g);
                            opt.addParamGroup(List.of(p));
                            opt.setNonFinitePolicy(NonFinitePolicy.SKIP_STEP);
                            double huge = dtype == DType.FLOAT32 ? 3e38 : 1e300; // finite, but its square overflows its type
                            if (dtype == DType.FLOAT32) {
                                g.segment().setAtIndex(ValueLayout.JAVA_FLOAT, (at + 1) % n, (float) huge);
                                g.segment().setAtIndex(ValueLayout.JAVA_FLOAT, at, (float) bad);
                            } else {
                                g.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, (at + 1) % n, huge);
                                g.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, at, bad);
                            }
                            Snapshot before = new Snapshot().add("w", w);
                            opt.step();
                            String what = backend + " " + dtype + " at=" + at + " bad=" + bad;
                            assertEquals(bad != 0, opt.lastStepSkipped(), what);
                            if (bad != 0) {
                                before.assertUnchanged();
                                assertEquals(0, opt.stepCount(), what);
                            }
                        }
                    }
                }
            }
        }
    }
}
