package dev.adamant.kernel;

import dev.adamant.optim.NAdamConfig;
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
 * The scalar NAdam reference against NAdam spelled out by hand (torch ≥ 2.0 / torch 1.13
 * {@code _multi_tensor_nadam}): coefficients as doubles rounded once, {@code Math.fma} at
 * {@code add(alpha=)} and {@code addcmul}, {@code mu_product} a float32 multiplied by each μ once.
 */
class ScalarNAdamKernelTest {
    private static final long[] STEPS = {1, 2, 3, 4};

    private static final float[] P = {0.5f, -1.25f, 3f, -0f, 1e-3f, 7.5e-39f, -2f};
    private static final float[][] GRADS = {
            {0.1f, -2f, 0f, 0.75f, 1e4f, -1e-30f, 0.3f},
            {-0.2f, 1f, -0f, 0.5f, -1e3f, 2e-30f, 0.3f},
            {0.05f, -4f, 1f, -0.5f, 10f, 0f, -0.3f},
            {1e-6f, 0.5f, -1f, 0.25f, -1e5f, 1e-38f, 0.3f}};

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("defaults", NAdamConfig.nadam()),
                Arguments.of("weight_decay 0.1", NAdamConfig.nadam().withWeightDecay(0.1)),
                Arguments.of("momentum_decay 0", NAdamConfig.nadam().withMomentumDecay(0)),
                Arguments.of("momentum_decay 0.01", NAdamConfig.nadam().withMomentumDecay(0.01)),
                Arguments.of("betas 0.95 0.99", NAdamConfig.nadam().withBetas(0.95, 0.99)),
                Arguments.of("beta1 0", NAdamConfig.nadam().withBetas(0, 0.999)),
                Arguments.of("lr 1e-2 eps 1e-3", NAdamConfig.nadam().withLr(1e-2).withEps(1e-3)));
    }

    static double mu(NAdamConfig h, double t) {
        return h.beta1() * (1. - 0.5 * Math.pow(0.96, t * h.momentumDecay()));
    }

    /** The hand-computed scalars of step t given mu_product before it: {gradStep, expAvgStep}, and the new mu_product. */
    static double[] handScalars(NAdamConfig h, long t, float muProductBefore) {
        double mu = mu(h, t), muNext = mu(h, t + 1);
        float muProduct = (float) ((double) muProductBefore * (double) (float) mu);   // f32(mp * f32(mu))
        double mp = muProduct;                                                         // mu_product.item(): a double
        double gradStep = -(h.lr() * (1 - mu) / (1 - mp));
        double expAvgStep = -(h.lr() * muNext / (1 - mp * muNext));                    // mu_next once, no second mu
        return new double[] {gradStep, expAvgStep, muProduct};
    }

    static float[] handFloat(NAdamConfig h, long t, double[] k, float p, float grad, float m, float v) {
        float g = grad;
        if (h.weightDecay() != 0) g = Math.fma(p, (float) h.weightDecay(), g);
        m = Math.fma(g, (float) (1 - h.beta1()), m * (float) h.beta1());
        v = Math.fma((float) (1 - h.beta2()) * g, g, v * (float) h.beta2());
        float denom = (float) Math.sqrt(v) / (float) Math.sqrt(1 - Math.pow(h.beta2(), t)) + (float) h.eps();
        p = p + ((float) k[0] * g) / denom;
        p = p + ((float) k[1] * m) / denom;
        return new float[] {p, m, v};
    }

    static double[] handDouble(NAdamConfig h, long t, double[] k, double p, double grad, double m, double v) {
        double g = grad;
        if (h.weightDecay() != 0) g = Math.fma(p, h.weightDecay(), g);
        m = Math.fma(g, 1 - h.beta1(), m * h.beta1());
        v = Math.fma((1 - h.beta2()) * g, g, v * h.beta2());
        double denom = Math.sqrt(v) / Math.sqrt(1 - Math.pow(h.beta2(), t)) + h.eps();
        p = p + (k[0] * g) / denom;
        p = p + (k[1] * m) / denom;
        return new double[] {p, m, v};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float32StepsEqualTheHandComputedOnesBitForBit(String name, NAdamConfig config) {
        float[] p = P.clone(), m = new float[P.length], v = new float[P.length];
        float[] ep = P.clone(), em = new float[P.length], ev = new float[P.length];
        float mp = 1f, emp = 1f;
        for (int s = 0; s < STEPS.length; s++) {
            long t = STEPS[s];
            float[] grad = GRADS[s];
            NAdamCoefficients c = config.coefficients(t, mp);
            ScalarNAdamKernel.of(Numerics.EXACT).updateFloats(c, MemorySegment.ofArray(p), MemorySegment.ofArray(grad),
                    MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, p.length);
            mp = c.muProduct();
            double[] k = handScalars(config, t, emp);
            emp = (float) k[2];
            for (int i = 0; i < p.length; i++) {
                float[] e = handFloat(config, t, k, ep[i], grad[i], em[i], ev[i]);
                ep[i] = e[0];
                em[i] = e[1];
                ev[i] = e[2];
            }
            assertEquals(Float.floatToRawIntBits(emp), Float.floatToRawIntBits(mp), name + " step " + t + " mu_product");
            Bits.assertSameBits(name + " step " + t + " param", ep, p);
            Bits.assertSameBits(name + " step " + t + " exp_avg", em, m);
            Bits.assertSameBits(name + " step " + t + " exp_avg_sq", ev, v);
        }
        assertNotEquals(P[0], p[0], "the steps must move the parameter");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float64StepsEqualTheHandComputedOnesBitForBitWithAFloat32MuProduct(String name, NAdamConfig config) {
        double[] p = widen(P), m = new double[P.length], v = new double[P.length];
        double[] ep = widen(P), em = new double[P.length], ev = new double[P.length];
        float mp = 1f, emp = 1f;
        for (int s = 0; s < STEPS.length; s++) {
            long t = STEPS[s];
            double[] grad = widen(GRADS[s]);
            NAdamCoefficients c = config.coefficients(t, mp);
            ScalarNAdamKernel.of(Numerics.EXACT).updateDoubles(c, MemorySegment.ofArray(p), MemorySegment.ofArray(grad),
                    MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, p.length);
            mp = c.muProduct();
            double[] k = handScalars(config, t, emp);
            emp = (float) k[2];
            for (int i = 0; i < p.length; i++) {
                double[] e = handDouble(config, t, k, ep[i], grad[i], em[i], ev[i]);
                ep[i] = e[0];
                em[i] = e[1];
                ev[i] = e[2];
            }
            assertEquals(Float.floatToRawIntBits(emp), Float.floatToRawIntBits(mp), name + " step " + t + " mu_product");
            Bits.assertSameBits(name + " step " + t + " param", ep, p);
            Bits.assertSameBits(name + " step " + t + " exp_avg", em, m);
            Bits.assertSameBits(name + " step " + t + " exp_avg_sq", ev, v);
        }
    }

    /**
     * Two steps by hand with the defaults, one element, showing the engine multiplies μ into
     * mu_product once. Torch 1.13's default single-tensor path would use, at step t,
     * {@code mu_product_next = (mu_product·μ_t)·μ_{t+1}} with mu_product already holding μ_t.
     */
    @Test
    void twoStepsByHandUseMuOnceInMuProduct() {
        NAdamConfig h = NAdamConfig.nadam();
        double mu1 = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.004)), mu2 = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.008));
        double mu3 = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.012));
        float mp1 = (float) mu1;                                  // 1 · f32(μ1)
        float mp2 = mp1 * (float) mu2;                            // f32(mp1 · f32(μ2))
        float p = 1.5f, m = 0f, v = 0f;
        float[] grads = {0.25f, -0.5f};
        float[] mps = {mp1, mp2};
        double[] muNow = {mu1, mu2}, muNext = {mu2, mu3};
        float bugP = p, bugM = 0f, bugV = 0f;
        float[] param = {p}, expAvg = {0f}, expAvgSq = {0f};
        float mp = 1f;
        for (int s = 0; s < 2; s++) {
            long t = s + 1;
            float g = grads[s];
            m = Math.fma(g, 0.1f, m * 0.9f);
            v = Math.fma(0.001f * g, g, v * 0.999f);
            float denom = (float) Math.sqrt(v) / (float) Math.sqrt(1 - Math.pow(0.999, t)) + 1e-8f;
            float gradStep = (float) -(0.002 * (1 - muNow[s]) / (1 - (double) mps[s]));
            float expAvgStep = (float) -(0.002 * muNext[s] / (1 - (double) mps[s] * muNext[s]));
            p = p + (gradStep * g) / denom;
            p = p + (expAvgStep * m) / denom;

            // the engine
            NAdamCoefficients c = h.coefficients(t, mp);
            assertEquals(Float.floatToRawIntBits(mps[s]), Float.floatToRawIntBits(c.muProduct()), "mu_product step " + t);
            assertEquals(-(0.002 * muNext[s] / (1 - (double) mps[s] * muNext[s])), c.negExpAvgStepSize(), 0.0,
                    "exp_avg step size uses mu_product·μ_{t+1}, step " + t);
            ScalarNAdamKernel.of(Numerics.EXACT).updateFloats(c, MemorySegment.ofArray(param), MemorySegment.ofArray(new float[] {g}),
                    MemorySegment.ofArray(expAvg), MemorySegment.ofArray(expAvgSq), 0, 1);
            mp = c.muProduct();
            assertEquals(Float.floatToRawIntBits(p), Float.floatToRawIntBits(param[0]), "param step " + t);
            assertEquals(Float.floatToRawIntBits(m), Float.floatToRawIntBits(expAvg[0]), "exp_avg step " + t);
            assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(expAvgSq[0]), "exp_avg_sq step " + t);

            // torch 1.13 single-tensor, for contrast: μ_t enters mu_product_next a second time
            bugM = Math.fma(g, 0.1f, bugM * 0.9f);
            bugV = Math.fma(0.001f * g, g, bugV * 0.999f);
            float bugDenom = (float) Math.sqrt(bugV / (float) (1 - Math.pow(0.999, t))) + 1e-8f;
            float bugNext = (mps[s] * (float) muNow[s]) * (float) muNext[s];
            bugP = bugP + (gradStep * g) / bugDenom;
            bugP = bugP + ((float) (-0.002 * muNext[s] / (1 - (double) bugNext)) * bugM) / bugDenom;
        }
        assertEquals(Float.floatToRawIntBits(mp2), Float.floatToRawIntBits(mp), "after two steps mu_product = f32(f32(μ1)·f32(μ2))");
        assertNotEquals(Float.floatToRawIntBits(bugP), Float.floatToRawIntBits(param[0]),
                "the double-μ update of torch 1.13's single-tensor path gives another parameter");
        // the double-μ product is much smaller (≈ μ² less), so 1 - mp_next is larger and the momentum step smaller
        assertTrue(Math.abs(bugP - 1.5f) < Math.abs(param[0] - 1.5f), bugP + " vs " + param[0]);
    }

    @Test
    void muProductIsTheFloat32ProductOfTheMusWhateverTheSteps() {
        NAdamConfig h = NAdamConfig.nadam().withMomentumDecay(0.01);
        float mp = 1f, expected = 1f;
        for (long t = 1; t <= 50; t++) {
            mp = h.coefficients(t, mp).muProduct();
            expected = expected * (float) (0.9 * (1 - 0.5 * Math.pow(0.96, t * 0.01)));
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(mp), "step " + t);
        }
    }

    @Test
    void zeroWeightDecaySkipsTheDecayOpSoNegativeZeroSurvives() {
        float[] p = {1f, -3f}, g = {-0f, -0f}, m = {-0f, -0f}, v = {0f, 0f};
        ScalarNAdamKernel.of(Numerics.EXACT).updateFloats(NAdamConfig.nadam().coefficients(1, 1f), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, 2);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(m[0]));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(m[1]));
        float[] p2 = {1f}, g2 = {-0f}, m2 = {-0f}, v2 = {0f};
        ScalarNAdamKernel.of(Numerics.EXACT).updateFloats(NAdamConfig.nadam().withWeightDecay(1e-3).coefficients(1, 1f),
                MemorySegment.ofArray(p2), MemorySegment.ofArray(g2), MemorySegment.ofArray(m2), MemorySegment.ofArray(v2), 0, 1);
        assertTrue(m2[0] > 0, "exp_avg " + m2[0]);
    }

    @Test
    void onlyTheRangeFromToIsWritten() {
        SplittableRandom r = new SplittableRandom(3);
        float[] p = TestData.gaussianFloats(r, 20, 1), g = TestData.gaussianFloats(r, 20, 1);
        float[] m = new float[20], v = new float[20];
        float[] before = p.clone();
        ScalarNAdamKernel.of(Numerics.EXACT).updateFloats(NAdamConfig.nadam().coefficients(1, 1f), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), 5, 13);
        for (int i = 0; i < 20; i++) {
            boolean inside = i >= 5 && i < 13;
            assertEquals(inside, p[i] != before[i], "param[" + i + "]");
            assertEquals(inside, m[i] != 0, "exp_avg[" + i + "]");
            assertEquals(inside, v[i] != 0, "exp_avg_sq[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void fastNumericsStayWithin16UlpNormwiseOfExact(String name, NAdamConfig config) {
        int n = 2000;
        SplittableRandom r = new SplittableRandom(name.hashCode());
        float[] p0 = TestData.gaussianFloats(r, n, 1);
        float[][] exact = {p0.clone(), new float[n], new float[n]};
        float[][] fast = {p0.clone(), new float[n], new float[n]};
        float mp = 1f;
        for (long t = 1; t <= 30; t++) {
            float[] g = TestData.gaussianFloats(r, n, 1);
            NAdamCoefficients c = config.coefficients(t, mp);
            mp = c.muProduct();
            for (Numerics numerics : Numerics.values()) {
                float[][] b = numerics == Numerics.EXACT ? exact : fast;
                ScalarNAdamKernel.of(numerics).updateFloats(c, MemorySegment.ofArray(b[0]), MemorySegment.ofArray(g),
                        MemorySegment.ofArray(b[1]), MemorySegment.ofArray(b[2]), 0, n);
            }
        }
        assertNormwiseClose(name + " param", exact[0], fast[0], 16);
        if (config.weightDecay() == 0) {
            Bits.assertSameBits(name + " exp_avg", exact[1], fast[1]);
            Bits.assertSameBits(name + " exp_avg_sq", exact[2], fast[2]);
        }
        assertTrue(Bits.firstDifference(MemorySegment.ofArray(exact[0]), MemorySegment.ofArray(fast[0]),
                dev.adamant.tensor.DType.FLOAT32) >= 0, "FAST is expected to round differently somewhere");
    }

    static void assertNormwiseClose(String what, float[] gold, float[] actual, int k) {
        float max = 0;
        for (float x : gold) max = Math.max(max, Math.abs(x));
        float bound = k * Math.ulp(max);
        for (int i = 0; i < gold.length; i++) {
            if (!(Math.abs(gold[i] - actual[i]) <= bound)) {
                fail(what + "[" + i + "]: " + actual[i] + " vs exact " + gold[i] + ", bound " + bound);
            }
        }
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
