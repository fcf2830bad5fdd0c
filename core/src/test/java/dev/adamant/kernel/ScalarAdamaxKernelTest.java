package dev.adamant.kernel;

import dev.adamant.optim.AdamaxConfig;
import dev.adamant.testing.Bits;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.adamant.kernel.ScalarAdagradKernelTest.widen;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scalar Adamax reference against Adamax spelled out by hand from the golden README:
 * coefficients in double rounded once, {@code Math.fma} at {@code add(alpha=)}, the infinity norm
 * as {@code max(u·β2, |g| + ε)}, every other operation a single IEEE op.
 */
class ScalarAdamaxKernelTest {
    private static final long[] STEPS = {1, 2, 3, 1000};

    private static final float[] P = {0.5f, -1.25f, 3f, -0f, 1e-3f, 7.5e-39f, -2f};
    private static final float[][] GRADS = {
            {0.1f, -2f, 0f, 0.75f, 1e4f, -1e-30f, 0.3f},
            {-0.2f, 1f, -0f, 0.5f, -1e3f, 2e-30f, 0.3f},
            {0.05f, -4f, 1f, -0.5f, 10f, 0f, -0.3f},
            {1e-6f, 0.5f, -1f, 0.25f, -1e5f, 1e-38f, 0.3f}};
    private static final float[] M0 = {0f, 0.01f, -0.5f, 0f, 2f, 0f, -0.1f};
    private static final float[] U0 = {0f, 0.04f, 5f, 0f, 50f, 0f, 0.01f};

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("defaults", AdamaxConfig.adamax()),
                Arguments.of("betas 0.5 0.9", AdamaxConfig.adamax().withBetas(0.5, 0.9)),
                Arguments.of("beta2 0", AdamaxConfig.adamax().withBetas(0.9, 0)),
                Arguments.of("beta1 0", AdamaxConfig.adamax().withBetas(0, 0.999)),
                Arguments.of("weight_decay 0.01", AdamaxConfig.adamax().withWeightDecay(0.01)),
                Arguments.of("maximize", AdamaxConfig.adamax().withMaximize(true)),
                Arguments.of("maximize wd lr 1", AdamaxConfig.adamax().withMaximize(true).withWeightDecay(0.1).withLr(1)),
                Arguments.of("eps 1e-3", AdamaxConfig.adamax().withEps(1e-3)));
    }

    /** One float32 element, step t: returns {p, m, u}. */
    static float[] handFloat(AdamaxConfig h, long t, float p, float grad, float m, float u) {
        float g = h.maximize() ? -grad : grad;
        if (h.weightDecay() != 0) g = Math.fma(p, (float) h.weightDecay(), g);
        m = Math.fma(g, (float) (1 - h.beta1()), m * (float) h.beta1());
        float a = u * (float) h.beta2(), b = Math.abs(g) + (float) h.eps();
        u = Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : (a >= b ? a : b);
        double clr = h.lr() / (1 - Math.pow(h.beta1(), t));
        p = p + ((float) -clr * m) / u;
        return new float[]{p, m, u};
    }

    /** One float64 element, step t: returns {p, m, u}. */
    static double[] handDouble(AdamaxConfig h, long t, double p, double grad, double m, double u) {
        double g = h.maximize() ? -grad : grad;
        if (h.weightDecay() != 0) g = Math.fma(p, h.weightDecay(), g);
        m = Math.fma(g, 1 - h.beta1(), m * h.beta1());
        double a = u * h.beta2(), b = Math.abs(g) + h.eps();
        u = Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : (a >= b ? a : b);
        double clr = h.lr() / (1 - Math.pow(h.beta1(), t));
        p = p + (-clr * m) / u;
        return new double[]{p, m, u};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float32StepsEqualTheHandComputedOnesBitForBit(String name, AdamaxConfig config) {
        for (Numerics numerics : Numerics.values()) {
            float[] p = P.clone(), m = M0.clone(), u = U0.clone();
            float[] ep = P.clone(), em = M0.clone(), eu = U0.clone();
            for (int s = 0; s < STEPS.length; s++) {
                long t = STEPS[s];
                float[] grad = GRADS[s];
                ScalarAdamaxKernel.of(numerics).updateFloats(config.coefficients(t), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(grad), MemorySegment.ofArray(m), MemorySegment.ofArray(u), 0, p.length);
                for (int i = 0; i < p.length; i++) {
                    float[] e = handFloat(config, t, ep[i], grad[i], em[i], eu[i]);
                    ep[i] = e[0];
                    em[i] = e[1];
                    eu[i] = e[2];
                }
                Bits.assertSameBits(name + " " + numerics + " step " + t + " param", ep, p);
                Bits.assertSameBits(name + " " + numerics + " step " + t + " exp_avg", em, m);
                Bits.assertSameBits(name + " " + numerics + " step " + t + " exp_inf", eu, u);
            }
            assertNotEquals(P[0], p[0], "the steps must move the parameter");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float64StepsEqualTheHandComputedOnesBitForBit(String name, AdamaxConfig config) {
        for (Numerics numerics : Numerics.values()) {
            double[] p = widen(P), m = widen(M0), u = widen(U0);
            double[] ep = widen(P), em = widen(M0), eu = widen(U0);
            for (int s = 0; s < STEPS.length; s++) {
                long t = STEPS[s];
                double[] grad = widen(GRADS[s]);
                ScalarAdamaxKernel.of(numerics).updateDoubles(config.coefficients(t), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(grad), MemorySegment.ofArray(m), MemorySegment.ofArray(u), 0, p.length);
                for (int i = 0; i < p.length; i++) {
                    double[] e = handDouble(config, t, ep[i], grad[i], em[i], eu[i]);
                    ep[i] = e[0];
                    em[i] = e[1];
                    eu[i] = e[2];
                }
                Bits.assertSameBits(name + " " + numerics + " step " + t + " param", ep, p);
                Bits.assertSameBits(name + " " + numerics + " step " + t + " exp_avg", em, m);
                Bits.assertSameBits(name + " " + numerics + " step " + t + " exp_inf", eu, u);
            }
        }
    }

    @Test
    void theInfinityNormPropagatesNaNFromEitherSide() {
        // NaN in the old exp_inf (first operand) and NaN in the grad (second operand): both give NaN,
        // whichever side would otherwise be larger
        float[] p = {1f, 1f, 1f, 1f}, g = {Float.NaN, Float.NaN, 5f, 1e-3f};
        float[] m = {0f, 0f, 0f, 0f}, u = {100f, 0f, Float.NaN, Float.NaN};
        ScalarAdamaxKernel.of(Numerics.EXACT).updateFloats(AdamaxConfig.adamax().coefficients(2),
                MemorySegment.ofArray(p), MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(u), 0, 4);
        for (int i = 0; i < 4; i++) {
            assertTrue(Float.isNaN(u[i]), "exp_inf[" + i + "] = " + u[i]);
            assertTrue(Float.isNaN(p[i]), "param[" + i + "] = " + p[i]);
        }
        double[] pd = {1, 1}, gd = {Double.NaN, 5}, md = {0, 0}, ud = {100, Double.NaN};
        ScalarAdamaxKernel.of(Numerics.EXACT).updateDoubles(AdamaxConfig.adamax().coefficients(2),
                MemorySegment.ofArray(pd), MemorySegment.ofArray(gd), MemorySegment.ofArray(md), MemorySegment.ofArray(ud), 0, 2);
        assertTrue(Double.isNaN(ud[0]) && Double.isNaN(ud[1]));
    }

    @Test
    void betaTwoZeroKeepsOnlyTheCurrentGradient() {
        float[] p = {1f}, g = {0.5f}, m = {0f}, u = {1e6f};
        ScalarAdamaxKernel.of(Numerics.EXACT).updateFloats(AdamaxConfig.adamax().withBetas(0.9, 0).coefficients(3),
                MemorySegment.ofArray(p), MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(u), 0, 1);
        assertEquals(0.5f + (float) 1e-8, u[0]);
    }

    @Test
    void zeroWeightDecaySkipsTheDecayOp() {
        float[] p = {1f}, g = {-0f}, m = {-0f}, u = {0f};
        ScalarAdamaxKernel.of(Numerics.EXACT).updateFloats(AdamaxConfig.adamax().coefficients(1),
                MemorySegment.ofArray(p), MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(u), 0, 1);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(m[0]), "fma(-0, 0.1, -0*0.9) = -0");
        float[] m2 = {-0f};
        ScalarAdamaxKernel.of(Numerics.EXACT).updateFloats(AdamaxConfig.adamax().withWeightDecay(1e-3).coefficients(1),
                MemorySegment.ofArray(new float[]{1f}), MemorySegment.ofArray(new float[]{-0f}), MemorySegment.ofArray(m2),
                MemorySegment.ofArray(new float[]{0f}), 0, 1);
        assertTrue(m2[0] > 0, "with the op, g = wd·p > 0: " + m2[0]);
    }

    @Test
    void onlyTheRangeFromToIsWritten() {
        AdamaxConfig c = AdamaxConfig.adamax().withWeightDecay(0.1);
        SplittableRandom r = new SplittableRandom(3);
        float[] p = TestData.gaussianFloats(r, 20, 1), g = TestData.gaussianFloats(r, 20, 1);
        float[] m = new float[20], u = new float[20];
        float[] before = p.clone();
        ScalarAdamaxKernel.of(Numerics.EXACT).updateFloats(c.coefficients(1), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(u), 5, 13);
        for (int i = 0; i < 20; i++) {
            boolean inside = i >= 5 && i < 13;
            assertEquals(inside, p[i] != before[i], "param[" + i + "]");
            assertEquals(inside, m[i] != 0, "exp_avg[" + i + "]");
            assertEquals(inside, u[i] != 0, "exp_inf[" + i + "]");
        }
    }

    @Test
    void fastIsExact() {
        int n = 500;
        SplittableRandom r = new SplittableRandom(19);
        AdamaxConfig c = AdamaxConfig.adamax().withWeightDecay(0.01);
        float[] p0 = TestData.gaussianFloats(r, n, 1);
        float[][] e = {p0.clone(), new float[n], new float[n]}, f = {p0.clone(), new float[n], new float[n]};
        for (long t = 1; t <= 10; t++) {
            float[] g = TestData.sprinkleSpecials(r, TestData.gaussianFloats(r, n, 1), 20);
            ScalarAdamaxKernel.of(Numerics.EXACT).updateFloats(c.coefficients(t), MemorySegment.ofArray(e[0]),
                    MemorySegment.ofArray(g), MemorySegment.ofArray(e[1]), MemorySegment.ofArray(e[2]), 0, n);
            ScalarAdamaxKernel.of(Numerics.FAST).updateFloats(c.coefficients(t), MemorySegment.ofArray(f[0]),
                    MemorySegment.ofArray(g), MemorySegment.ofArray(f[1]), MemorySegment.ofArray(f[2]), 0, n);
        }
        for (int b = 0; b < 3; b++) {
            Bits.assertSameBits("buffer " + b, e[b], f[b]);
        }
        long finite = 0;
        for (float x : e[0]) if (Float.isFinite(x)) finite++;
        assertTrue(finite > n / 4, "most parameters stay finite: " + finite);
    }
}
