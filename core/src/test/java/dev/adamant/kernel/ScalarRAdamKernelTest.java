package dev.adamant.kernel;

import dev.adamant.optim.RAdamConfig;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scalar RAdam reference against RAdam spelled out by hand from the golden README (torch 1.13
 * {@code _single_tensor_radam}): both branches, ε included when rectified, and
 * {@code python_scalar / tensor} as {@code reciprocal(tensor) * f(scalar)}.
 */
class ScalarRAdamKernelTest {
    private static final float[] P = {0.5f, -1.25f, 3f, -0f, 1e-3f, 7.5e-39f, -2f};

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("defaults", RAdamConfig.radam()),
                Arguments.of("weight_decay 0.01", RAdamConfig.radam().withWeightDecay(0.01)),
                Arguments.of("betas 0.9 0.99", RAdamConfig.radam().withBetas(0.9, 0.99)),
                Arguments.of("beta2 0.5, never rectified", RAdamConfig.radam().withBetas(0.9, 0.5)),
                Arguments.of("lr 1e-2 eps 1e-3", RAdamConfig.radam().withLr(1e-2).withEps(1e-3)));
    }

    private static float[] grad(long t) {
        SplittableRandom r = new SplittableRandom(t);
        float[] g = TestData.gaussianFloats(r, P.length, 1);
        g[3] = t % 2 == 0 ? -0f : 0f;
        g[5] = (float) (1e-30 * t);
        return g;
    }

    /** {rectified ? 1 : 0, r, bc1, sqrt(bc2)} by hand from the README. */
    static double[] handScalars(RAdamConfig h, long t) {
        double bc1 = 1 - Math.pow(h.beta1(), t), bc2 = 1 - Math.pow(h.beta2(), t);
        double rhoInf = 2 / (1 - h.beta2()) - 1;
        double rhoT = rhoInf - 2 * t * Math.pow(h.beta2(), t) / bc2;
        double r = Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
        return new double[] {rhoT > 5 ? 1 : 0, r, bc1, Math.sqrt(bc2)};
    }

    static float[] handFloat(RAdamConfig h, double[] k, float p, float grad, float m, float v) {
        float g = grad;
        if (h.weightDecay() != 0) g = Math.fma(p, (float) h.weightDecay(), g);
        m = Math.fma(g, (float) (1 - h.beta1()), m * (float) h.beta1());
        v = Math.fma((float) (1 - h.beta2()) * g, g, v * (float) h.beta2());
        float bcm = m / (float) k[2];
        if (k[0] == 1) {
            float a = (1f / ((float) Math.sqrt(v) + (float) h.eps())) * (float) k[3];
            p = Math.fma(((bcm * (float) h.lr()) * a) * (float) k[1], -1f, p);     // param.add_(x, alpha=-1)
        } else {
            p = Math.fma(bcm * (float) h.lr(), -1f, p);
        }
        return new float[] {p, m, v};
    }

    static double[] handDouble(RAdamConfig h, double[] k, double p, double grad, double m, double v) {
        double g = grad;
        if (h.weightDecay() != 0) g = Math.fma(p, h.weightDecay(), g);
        m = Math.fma(g, 1 - h.beta1(), m * h.beta1());
        v = Math.fma((1 - h.beta2()) * g, g, v * h.beta2());
        double bcm = m / k[2];
        if (k[0] == 1) {
            double a = (1d / (Math.sqrt(v) + h.eps())) * k[3];
            p = Math.fma(((bcm * h.lr()) * a) * k[1], -1d, p);
        } else {
            p = Math.fma(bcm * h.lr(), -1d, p);
        }
        return new double[] {p, m, v};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float32StepsOfBothBranchesEqualTheHandComputedOnesBitForBit(String name, RAdamConfig config) {
        float[] p = P.clone(), m = new float[P.length], v = new float[P.length];
        float[] ep = P.clone(), em = new float[P.length], ev = new float[P.length];
        for (long t = 1; t <= 12; t++) {
            float[] grad = grad(t);
            RAdamCoefficients c = config.coefficients(t);
            double[] k = handScalars(config, t);
            assertEquals(k[0] == 1, c.rectified(), name + " step " + t + " branch");
            ScalarRAdamKernel.of(Numerics.EXACT).updateFloats(c, MemorySegment.ofArray(p), MemorySegment.ofArray(grad),
                    MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, p.length);
            for (int i = 0; i < p.length; i++) {
                float[] e = handFloat(config, k, ep[i], grad[i], em[i], ev[i]);
                ep[i] = e[0];
                em[i] = e[1];
                ev[i] = e[2];
            }
            Bits.assertSameBits(name + " step " + t + " param", ep, p);
            Bits.assertSameBits(name + " step " + t + " exp_avg", em, m);
            Bits.assertSameBits(name + " step " + t + " exp_avg_sq", ev, v);
        }
        assertNotEquals(P[0], p[0], "the steps must move the parameter");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float64StepsOfBothBranchesEqualTheHandComputedOnesBitForBit(String name, RAdamConfig config) {
        double[] p = ScalarNAdamKernelTest.widen(P), m = new double[P.length], v = new double[P.length];
        double[] ep = p.clone(), em = new double[P.length], ev = new double[P.length];
        for (long t = 1; t <= 12; t++) {
            double[] grad = ScalarNAdamKernelTest.widen(grad(t));
            double[] k = handScalars(config, t);
            ScalarRAdamKernel.of(Numerics.EXACT).updateDoubles(config.coefficients(t), MemorySegment.ofArray(p),
                    MemorySegment.ofArray(grad), MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, p.length);
            for (int i = 0; i < p.length; i++) {
                double[] e = handDouble(config, k, ep[i], grad[i], em[i], ev[i]);
                ep[i] = e[0];
                em[i] = e[1];
                ev[i] = e[2];
            }
            Bits.assertSameBits(name + " step " + t + " param", ep, p);
            Bits.assertSameBits(name + " step " + t + " exp_avg", em, m);
            Bits.assertSameBits(name + " step " + t + " exp_avg_sq", ev, v);
        }
    }

    @Test
    void rectificationStartsAtStep6WithTheDefaultsAndNeverWithBeta2Half() {
        for (long t = 1; t <= 200; t++) {
            assertEquals(t >= 6, RAdamConfig.radam().coefficients(t).rectified(), "defaults, step " + t);
            assertFalse(RAdamConfig.radam().withBetas(0.9, 0.5).coefficients(t).rectified(), "beta2 0.5, step " + t);
        }
        // unrectified: p -= (m / bc1) * lr, no eps, no second moment
        float[] p = {1f}, g = {0.5f}, m = {0f}, v = {0f};
        ScalarRAdamKernel.of(Numerics.EXACT).updateFloats(RAdamConfig.radam().coefficients(1), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, 1);
        assertEquals(1f - (m[0] / (float) (1 - 0.9)) * 1e-3f, p[0]);
    }

    /**
     * {@code math.sqrt(bc2) / exp_avg_sq_sqrt} is {@code python_scalar / tensor}, which torch
     * computes as {@code reciprocal(tensor) * f(scalar)}: one more rounding than a division. Finds
     * values where the two differ and shows the kernel takes the reciprocal.
     */
    @Test
    void theAdaptiveLrIsAReciprocalTimesTheScalarNotADivision() {
        RAdamConfig h = RAdamConfig.radam().withLr(1).withBetas(0, 0.999);   // m = g, bcm = g / 1
        long t = 10;
        RAdamCoefficients c = h.coefficients(t);
        assertTrue(c.rectified());
        float sqrtBc2 = (float) c.sqrtBiasCorrection2(), rect = (float) c.rect(), eps = (float) h.eps();
        SplittableRandom r = new SplittableRandom(11);
        int differing = 0;
        for (int trial = 0; trial < 2000 && differing < 20; trial++) {
            float g = (float) (r.nextGaussian());
            float[] p = {0f}, grad = {g}, m = {0f}, v = {0f};
            ScalarRAdamKernel.of(Numerics.EXACT).updateFloats(c, MemorySegment.ofArray(p), MemorySegment.ofArray(grad),
                    MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, 1);
            float root = (float) Math.sqrt(v[0]) + eps;
            float reciprocal = -((m[0] * 1f) * ((1f / root) * sqrtBc2) * rect);
            float division = -((m[0] * 1f) * (sqrtBc2 / root) * rect);
            assertEquals(Float.floatToRawIntBits(reciprocal), Float.floatToRawIntBits(p[0]), "g = " + g);
            if (reciprocal != division) differing++;
        }
        assertTrue(differing > 0, "no input told the two roundings apart");
    }

    @Test
    void onlyTheRangeFromToIsWritten() {
        SplittableRandom r = new SplittableRandom(3);
        for (long t : new long[] {1, 7}) {
            float[] p = TestData.gaussianFloats(r, 20, 1), g = TestData.gaussianFloats(r, 20, 1);
            float[] m = new float[20], v = new float[20];
            float[] before = p.clone();
            ScalarRAdamKernel.of(Numerics.EXACT).updateFloats(RAdamConfig.radam().coefficients(t), MemorySegment.ofArray(p),
                    MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), 5, 13);
            for (int i = 0; i < 20; i++) {
                boolean inside = i >= 5 && i < 13;
                assertEquals(inside, p[i] != before[i], "step " + t + " param[" + i + "]");
                assertEquals(inside, m[i] != 0, "step " + t + " exp_avg[" + i + "]");
                assertEquals(inside, v[i] != 0, "step " + t + " exp_avg_sq[" + i + "]");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void fastNumericsStayWithin16UlpNormwiseOfExact(String name, RAdamConfig config) {
        int n = 2000;
        SplittableRandom r = new SplittableRandom(name.hashCode());
        float[] p0 = TestData.gaussianFloats(r, n, 1);
        float[][] exact = {p0.clone(), new float[n], new float[n]};
        float[][] fast = {p0.clone(), new float[n], new float[n]};
        for (long t = 1; t <= 30; t++) {
            float[] g = TestData.gaussianFloats(r, n, 1);
            RAdamCoefficients c = config.coefficients(t);
            for (Numerics numerics : Numerics.values()) {
                float[][] b = numerics == Numerics.EXACT ? exact : fast;
                ScalarRAdamKernel.of(numerics).updateFloats(c, MemorySegment.ofArray(b[0]), MemorySegment.ofArray(g),
                        MemorySegment.ofArray(b[1]), MemorySegment.ofArray(b[2]), 0, n);
            }
        }
        ScalarNAdamKernelTest.assertNormwiseClose(name + " param", exact[0], fast[0], 16);
        if (config.weightDecay() == 0) {
            Bits.assertSameBits(name + " exp_avg", exact[1], fast[1]);
            Bits.assertSameBits(name + " exp_avg_sq", exact[2], fast[2]);
        }
        assertTrue(Bits.firstDifference(MemorySegment.ofArray(exact[0]), MemorySegment.ofArray(fast[0]),
                dev.adamant.tensor.DType.FLOAT32) >= 0, "FAST is expected to round differently somewhere");
    }
}
