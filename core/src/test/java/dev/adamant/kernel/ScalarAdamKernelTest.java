package dev.adamant.kernel;

import dev.adamant.optim.AdamConfig;
import dev.adamant.testing.Bits;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The scalar reference against Adam/AdamW spelled out by hand from the golden README's operation
 * order: coefficients as doubles rounded once, {@code Math.fma} at {@code add(alpha=)} and
 * {@code addcmul}, every other operation a single IEEE op.
 */
class ScalarAdamKernelTest {
    private static final long[] STEPS = {1, 2, 3, 1000};

    // p, grad, and the state before the first step; vmax is larger than v for some elements
    private static final float[] P = {0.5f, -1.25f, 3f, -0f, 1e-3f, 7.5e-39f, -2f};
    private static final float[][] GRADS = {
            {0.1f, -2f, 0f, 0.75f, 1e4f, -1e-30f, 0.3f},
            {-0.2f, 1f, -0f, 0.5f, -1e3f, 2e-30f, 0.3f},
            {0.05f, -4f, 1f, -0.5f, 10f, 0f, -0.3f},
            {1e-6f, 0.5f, -1f, 0.25f, -1e5f, 1e-38f, 0.3f}};
    private static final float[] M0 = {0f, 0.01f, -0.5f, 0f, 2f, 0f, -0.1f};
    private static final float[] V0 = {0f, 0.04f, 0.25f, 0f, 50f, 0f, 0.01f};
    private static final float[] VMAX0 = {0f, 1f, 0.1f, 0f, 1e3f, 0f, 0.01f};

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("adam defaults", AdamConfig.adam()),
                Arguments.of("adam L2 0.1", AdamConfig.adam().withWeightDecay(0.1)),
                Arguments.of("adam amsgrad", AdamConfig.adam().withAmsgrad(true)),
                Arguments.of("adam maximize L2", AdamConfig.adam().withMaximize(true).withWeightDecay(0.01)),
                Arguments.of("adam betas 0.5 0.5, eps 1e-3, lr 1", AdamConfig.adam().withBetas(0.5, 0.5).withEps(1e-3).withLr(1)),
                Arguments.of("adamw defaults", AdamConfig.adamW()),
                Arguments.of("adamw lr 0.1 wd 0.5", AdamConfig.adamW().withLr(0.1).withWeightDecay(0.5)),
                Arguments.of("adamw amsgrad maximize", AdamConfig.adamW().withAmsgrad(true).withMaximize(true)),
                Arguments.of("adamw wd 0", AdamConfig.adamW().withWeightDecay(0)));
    }

    /** One float32 element, step t: returns {p, m, v, vmax}. */
    static float[] handFloat(AdamConfig h, long t, float p, float grad, float m, float v, float vmax) {
        double bc1 = 1 - Math.pow(h.beta1(), t);
        double bc2 = 1 - Math.pow(h.beta2(), t);
        float g = h.maximize() ? -grad : grad;
        if (h.decoupledWeightDecay()) {
            p = p * (float) (1 - h.lr() * h.weightDecay());
        } else if (h.weightDecay() != 0) {
            g = Math.fma(p, (float) h.weightDecay(), g);
        }
        m = Math.fma(g, (float) (1 - h.beta1()), m * (float) h.beta1());
        v = Math.fma((float) (1 - h.beta2()) * g, g, v * (float) h.beta2());
        float used = v;
        if (h.amsgrad()) {
            vmax = Math.max(vmax, v);
            used = vmax;
        }
        float denom = (float) Math.sqrt(used) / (float) Math.sqrt(bc2) + (float) h.eps();
        p = p + ((float) -(h.lr() / bc1) * m) / denom;
        return new float[]{p, m, v, vmax};
    }

    /** One float64 element, step t: returns {p, m, v, vmax}. */
    static double[] handDouble(AdamConfig h, long t, double p, double grad, double m, double v, double vmax) {
        double bc1 = 1 - Math.pow(h.beta1(), t);
        double bc2 = 1 - Math.pow(h.beta2(), t);
        double g = h.maximize() ? -grad : grad;
        if (h.decoupledWeightDecay()) {
            p = p * (1 - h.lr() * h.weightDecay());
        } else if (h.weightDecay() != 0) {
            g = Math.fma(p, h.weightDecay(), g);
        }
        m = Math.fma(g, 1 - h.beta1(), m * h.beta1());
        v = Math.fma((1 - h.beta2()) * g, g, v * h.beta2());
        double used = v;
        if (h.amsgrad()) {
            vmax = Math.max(vmax, v);
            used = vmax;
        }
        double denom = Math.sqrt(used) / Math.sqrt(bc2) + h.eps();
        p = p + (-(h.lr() / bc1) * m) / denom;
        return new double[]{p, m, v, vmax};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float32StepsEqualTheHandComputedOnesBitForBit(String name, AdamConfig config) {
        float[] p = P.clone(), m = M0.clone(), v = V0.clone(), vmax = VMAX0.clone();
        float[] ep = P.clone(), em = M0.clone(), ev = V0.clone(), evmax = VMAX0.clone();
        for (int s = 0; s < STEPS.length; s++) {
            long t = STEPS[s];
            float[] grad = GRADS[s];
            ScalarAdamKernel.of(Numerics.EXACT).updateFloats(config.coefficients(t), MemorySegment.ofArray(p),
                    MemorySegment.ofArray(grad), MemorySegment.ofArray(m), MemorySegment.ofArray(v),
                    config.amsgrad() ? MemorySegment.ofArray(vmax) : null, 0, p.length);
            for (int i = 0; i < p.length; i++) {
                float[] e = handFloat(config, t, ep[i], grad[i], em[i], ev[i], evmax[i]);
                ep[i] = e[0];
                em[i] = e[1];
                ev[i] = e[2];
                if (config.amsgrad()) evmax[i] = e[3];
            }
            Bits.assertSameBits(name + " step " + t + " param", ep, p);
            Bits.assertSameBits(name + " step " + t + " exp_avg", em, m);
            Bits.assertSameBits(name + " step " + t + " exp_avg_sq", ev, v);
            Bits.assertSameBits(name + " step " + t + " max_exp_avg_sq", evmax, vmax);
        }
        assertNotEquals(P[0], p[0], "the steps must move the parameter");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float64StepsEqualTheHandComputedOnesBitForBit(String name, AdamConfig config) {
        double[] p = widen(P), m = widen(M0), v = widen(V0), vmax = widen(VMAX0);
        double[] ep = widen(P), em = widen(M0), ev = widen(V0), evmax = widen(VMAX0);
        for (int s = 0; s < STEPS.length; s++) {
            long t = STEPS[s];
            double[] grad = widen(GRADS[s]);
            ScalarAdamKernel.of(Numerics.EXACT).updateDoubles(config.coefficients(t), MemorySegment.ofArray(p),
                    MemorySegment.ofArray(grad), MemorySegment.ofArray(m), MemorySegment.ofArray(v),
                    config.amsgrad() ? MemorySegment.ofArray(vmax) : null, 0, p.length);
            for (int i = 0; i < p.length; i++) {
                double[] e = handDouble(config, t, ep[i], grad[i], em[i], ev[i], evmax[i]);
                ep[i] = e[0];
                em[i] = e[1];
                ev[i] = e[2];
                if (config.amsgrad()) evmax[i] = e[3];
            }
            Bits.assertSameBits(name + " step " + t + " param", ep, p);
            Bits.assertSameBits(name + " step " + t + " exp_avg", em, m);
            Bits.assertSameBits(name + " step " + t + " exp_avg_sq", ev, v);
            Bits.assertSameBits(name + " step " + t + " max_exp_avg_sq", evmax, vmax);
        }
    }

    @Test
    void amsgradUsesTheRunningMaximumOfTheRawSecondMoment() {
        AdamConfig c = AdamConfig.adam().withAmsgrad(true);
        float[] p = {1f, 1f}, g = {0.5f, 0.5f}, m = {0f, 0f}, v = {0f, 0f}, vmax = {100f, 0f};
        ScalarAdamKernel.of(Numerics.EXACT).updateFloats(c.coefficients(1), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), MemorySegment.ofArray(vmax), 0, 2);
        assertEquals(100f, vmax[0], "a larger running max is kept");
        assertEquals(v[1], vmax[1], "a smaller running max is replaced by v");
        assertTrue(Math.abs(1f - p[0]) < Math.abs(1f - p[1]), "the larger max gives the smaller step");
    }

    @Test
    void adamWithZeroWeightDecaySkipsTheDecayOpSoNegativeZeroSurvives() {
        // with the op, g = fma(p, 0, -0.0) = +0.0 and then exp_avg = +0.0; without it both stay -0.0
        for (AdamConfig c : new AdamConfig[]{AdamConfig.adam().withWeightDecay(0), AdamConfig.adamW().withWeightDecay(0)}) {
            float[] p = {1f, -3f}, g = {-0f, -0f}, m = {-0f, -0f}, v = {0f, 0f};
            ScalarAdamKernel.of(Numerics.EXACT).updateFloats(c.coefficients(1), MemorySegment.ofArray(p),
                    MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), null, 0, 2);
            for (int i = 0; i < 2; i++) {
                float[] e = handFloat(c, 1, new float[]{1f, -3f}[i], -0f, -0f, 0f, 0f);
                assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(m[i]), "exp_avg[" + i + "] of " + c);
                assertEquals(Float.floatToRawIntBits(e[1]), Float.floatToRawIntBits(m[i]));
                assertEquals(Float.floatToRawIntBits(e[0]), Float.floatToRawIntBits(p[i]));
            }
            double[] pd = {1, -3}, gd = {-0d, -0d}, md = {-0d, -0d}, vd = {0, 0};
            ScalarAdamKernel.of(Numerics.EXACT).updateDoubles(c.coefficients(1), MemorySegment.ofArray(pd),
                    MemorySegment.ofArray(gd), MemorySegment.ofArray(md), MemorySegment.ofArray(vd), null, 0, 2);
            assertEquals(Double.doubleToRawLongBits(-0d), Double.doubleToRawLongBits(md[0]));
            assertEquals(Double.doubleToRawLongBits(-0d), Double.doubleToRawLongBits(md[1]));
        }
        // and the contrast: any non-zero L2 term turns the -0.0 gradient positive for p > 0
        float[] p = {1f}, g = {-0f}, m = {-0f}, v = {0f};
        ScalarAdamKernel.of(Numerics.EXACT).updateFloats(AdamConfig.adam().withWeightDecay(1e-3).coefficients(1),
                MemorySegment.ofArray(p), MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), null, 0, 1);
        assertTrue(m[0] > 0, "exp_avg " + m[0]);
    }

    @Test
    void onlyTheRangeFromToIsWritten() {
        AdamConfig c = AdamConfig.adamW().withAmsgrad(true);
        SplittableRandom r = new SplittableRandom(3);
        float[] p = TestData.gaussianFloats(r, 20, 1), g = TestData.gaussianFloats(r, 20, 1);
        float[] m = new float[20], v = new float[20], vmax = new float[20];
        float[] before = p.clone();
        ScalarAdamKernel.of(Numerics.EXACT).updateFloats(c.coefficients(1), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), MemorySegment.ofArray(vmax), 5, 13);
        for (int i = 0; i < 20; i++) {
            boolean inside = i >= 5 && i < 13;
            assertEquals(inside, p[i] != before[i], "param[" + i + "]");
            assertEquals(inside, m[i] != 0, "exp_avg[" + i + "]");
            assertEquals(inside, vmax[i] != 0, "max_exp_avg_sq[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void fastNumericsStayWithin16UlpNormwiseOfExact(String name, AdamConfig config) {
        int n = 2000;
        SplittableRandom r = new SplittableRandom(name.hashCode());
        float[] p0 = TestData.gaussianFloats(r, n, 1);
        float[][] exact = {p0.clone(), new float[n], new float[n], new float[n]};
        float[][] fast = {p0.clone(), new float[n], new float[n], new float[n]};
        for (long t = 1; t <= 10; t++) {
            float[] g = TestData.gaussianFloats(r, n, 1);
            run(Numerics.EXACT, config, t, g, exact);
            run(Numerics.FAST, config, t, g, fast);
        }
        String[] names = {"param", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
        for (int b = 0; b < 4; b++) {
            assertNormwiseClose(name + " " + names[b], exact[b], fast[b], 16);
        }
        if (config.weightDecay() == 0 || config.decoupledWeightDecay()) {
            // the moments do not depend on p then: FAST changes the update only
            for (int b = 1; b < 4; b++) {
                Bits.assertSameBits(name + " " + names[b], exact[b], fast[b]);
            }
        }
        assertTrue(Bits.firstDifference(MemorySegment.ofArray(exact[0]), MemorySegment.ofArray(fast[0]),
                dev.adamant.tensor.DType.FLOAT32) >= 0, "FAST is expected to round differently somewhere");
    }

    private static void run(Numerics numerics, AdamConfig c, long t, float[] g, float[][] b) {
        ScalarAdamKernel.of(numerics).updateFloats(c.coefficients(t), MemorySegment.ofArray(b[0]), MemorySegment.ofArray(g),
                MemorySegment.ofArray(b[1]), MemorySegment.ofArray(b[2]), c.amsgrad() ? MemorySegment.ofArray(b[3]) : null,
                0, g.length);
    }

    private static void assertNormwiseClose(String what, float[] gold, float[] actual, int k) {
        float max = 0;
        for (float x : gold) max = Math.max(max, Math.abs(x));
        float bound = k * Math.ulp(max);
        for (int i = 0; i < gold.length; i++) {
            if (!(Math.abs(gold[i] - actual[i]) <= bound)) {
                fail(what + "[" + i + "]: " + actual[i] + " vs exact " + gold[i] + ", bound " + bound);
            }
        }
    }

    private static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
