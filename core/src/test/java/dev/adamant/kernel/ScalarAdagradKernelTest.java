package dev.adamant.kernel;

import dev.adamant.optim.AdagradConfig;
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

/**
 * The scalar Adagrad reference against Adagrad spelled out by hand from the golden README: clr in
 * double, coefficients rounded once, {@code Math.fma} at {@code add(alpha=)} and
 * {@code addcmul(value=1)}, every other operation a single IEEE op.
 */
class ScalarAdagradKernelTest {
    private static final long[] STEPS = {1, 2, 3, 1000};

    private static final float[] P = {0.5f, -1.25f, 3f, -0f, 1e-3f, 7.5e-39f, -2f};
    private static final float[][] GRADS = {
            {0.1f, -2f, 0f, 0.75f, 1e4f, -1e-30f, 0.3f},
            {-0.2f, 1f, -0f, 0.5f, -1e3f, 2e-30f, 0.3f},
            {0.05f, -4f, 1f, -0.5f, 10f, 0f, -0.3f},
            {1e-6f, 0.5f, -1f, 0.25f, -1e5f, 1e-38f, 0.3f}};
    // sum before the first step: initial_accumulator_value 0 for some elements, 0.1 (rounded) for others
    private static final float[] SUM0 = {0f, (float) 0.1, 0.25f, 0f, 50f, 0f, (float) 0.1};

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("defaults", AdagradConfig.adagrad()),
                Arguments.of("lr_decay 0.01", AdagradConfig.adagrad().withLrDecay(0.01)),
                Arguments.of("lr_decay 0.1 wd 0.1", AdagradConfig.adagrad().withLrDecay(0.1).withWeightDecay(0.1)),
                Arguments.of("weight_decay 0.01", AdagradConfig.adagrad().withWeightDecay(0.01)),
                Arguments.of("maximize", AdagradConfig.adagrad().withMaximize(true)),
                Arguments.of("maximize wd", AdagradConfig.adagrad().withMaximize(true).withWeightDecay(0.05)),
                Arguments.of("eps 1e-6 lr 1", AdagradConfig.adagrad().withEps(1e-6).withLr(1)),
                Arguments.of("eps 0", AdagradConfig.adagrad().withEps(0)));
    }

    /** One float32 element, step t: returns {p, sum}. */
    static float[] handFloat(AdagradConfig h, long t, float p, float grad, float sum) {
        float g = h.maximize() ? -grad : grad;
        if (h.weightDecay() != 0) g = Math.fma(p, (float) h.weightDecay(), g);
        double clr = h.lr() / (1 + (t - 1) * h.lrDecay());
        sum = Math.fma(g, g, sum);
        float std = (float) Math.sqrt(sum) + (float) h.eps();
        p = p + ((float) -clr * g) / std;
        return new float[]{p, sum};
    }

    /** One float64 element, step t: returns {p, sum}. */
    static double[] handDouble(AdagradConfig h, long t, double p, double grad, double sum) {
        double g = h.maximize() ? -grad : grad;
        if (h.weightDecay() != 0) g = Math.fma(p, h.weightDecay(), g);
        double clr = h.lr() / (1 + (t - 1) * h.lrDecay());
        sum = Math.fma(g, g, sum);
        p = p + (-clr * g) / (Math.sqrt(sum) + h.eps());
        return new double[]{p, sum};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float32StepsEqualTheHandComputedOnesBitForBit(String name, AdagradConfig config) {
        for (Numerics numerics : Numerics.values()) {
            float[] p = P.clone(), sum = SUM0.clone();
            float[] ep = P.clone(), esum = SUM0.clone();
            for (int s = 0; s < STEPS.length; s++) {
                long t = STEPS[s];
                float[] grad = GRADS[s];
                ScalarAdagradKernel.of(numerics).updateFloats(config.coefficients(t), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(grad), MemorySegment.ofArray(sum), 0, p.length);
                for (int i = 0; i < p.length; i++) {
                    float[] e = handFloat(config, t, ep[i], grad[i], esum[i]);
                    ep[i] = e[0];
                    esum[i] = e[1];
                }
                Bits.assertSameBits(name + " " + numerics + " step " + t + " param", ep, p);
                Bits.assertSameBits(name + " " + numerics + " step " + t + " sum", esum, sum);
            }
            assertNotEquals(P[0], p[0], "the steps must move the parameter");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float64StepsEqualTheHandComputedOnesBitForBit(String name, AdagradConfig config) {
        for (Numerics numerics : Numerics.values()) {
            double[] p = widen(P), sum = widen(SUM0);
            double[] ep = widen(P), esum = widen(SUM0);
            for (int s = 0; s < STEPS.length; s++) {
                long t = STEPS[s];
                double[] grad = widen(GRADS[s]);
                ScalarAdagradKernel.of(numerics).updateDoubles(config.coefficients(t), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(grad), MemorySegment.ofArray(sum), 0, p.length);
                for (int i = 0; i < p.length; i++) {
                    double[] e = handDouble(config, t, ep[i], grad[i], esum[i]);
                    ep[i] = e[0];
                    esum[i] = e[1];
                }
                Bits.assertSameBits(name + " " + numerics + " step " + t + " param", ep, p);
                Bits.assertSameBits(name + " " + numerics + " step " + t + " sum", esum, sum);
            }
        }
    }

    @Test
    void lrDecayUsesTheStepCountInDouble() {
        AdagradConfig c = AdagradConfig.adagrad().withLr(0.3).withLrDecay(0.7);
        assertEquals(-0.3, c.coefficients(1).negClr(), "no decay on the first step");
        assertEquals(-(0.3 / (1 + 9 * 0.7)), c.coefficients(10).negClr());
        assertEquals(-(0.3 / (1 + 999_999.0 * 0.7)), c.coefficients(1_000_000).negClr());
    }

    @Test
    void zeroEpsWithZeroGradAndZeroSumGivesNaNAsTorchsZeroOverZero() {
        float[] p = {1f, 1f}, g = {0f, 0.5f}, sum = {0f, 0f};
        ScalarAdagradKernel.of(Numerics.EXACT).updateFloats(AdagradConfig.adagrad().withEps(0).coefficients(1),
                MemorySegment.ofArray(p), MemorySegment.ofArray(g), MemorySegment.ofArray(sum), 0, 2);
        assertTrue(Float.isNaN(p[0]), "(-clr * 0) / (sqrt(0) + 0) is NaN: " + p[0]);
        assertEquals(1f - 0.01f, p[1], "(-clr * g) / |g| is -clr exactly");
    }

    @Test
    void nanAndInfinityPropagateAsInTorch() {
        float[] p = {1f, 1f, 1f}, g = {Float.NaN, Float.POSITIVE_INFINITY, 0.5f}, sum = {0f, 0f, Float.NaN};
        ScalarAdagradKernel.of(Numerics.EXACT).updateFloats(AdagradConfig.adagrad().coefficients(1),
                MemorySegment.ofArray(p), MemorySegment.ofArray(g), MemorySegment.ofArray(sum), 0, 3);
        assertTrue(Float.isNaN(sum[0]) && Float.isNaN(p[0]), "NaN grad");
        assertEquals(Float.POSITIVE_INFINITY, sum[1]);
        assertTrue(Float.isNaN(p[1]), "inf/inf");
        assertTrue(Float.isNaN(sum[2]) && Float.isNaN(p[2]), "NaN sum");
    }

    @Test
    void onlyTheRangeFromToIsWritten() {
        AdagradConfig c = AdagradConfig.adagrad().withWeightDecay(0.1);
        SplittableRandom r = new SplittableRandom(3);
        float[] p = TestData.gaussianFloats(r, 20, 1), g = TestData.gaussianFloats(r, 20, 1);
        float[] sum = new float[20];
        float[] before = p.clone();
        ScalarAdagradKernel.of(Numerics.EXACT).updateFloats(c.coefficients(1), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(sum), 5, 13);
        for (int i = 0; i < 20; i++) {
            boolean inside = i >= 5 && i < 13;
            assertEquals(inside, p[i] != before[i], "param[" + i + "]");
            assertEquals(inside, sum[i] != 0, "sum[" + i + "]");
        }
    }

    @Test
    void fastIsExact() {
        int n = 500;
        SplittableRandom r = new SplittableRandom(17);
        AdagradConfig c = AdagradConfig.adagrad().withLrDecay(0.05).withWeightDecay(0.01);
        float[] p0 = TestData.gaussianFloats(r, n, 1);
        float[] pe = p0.clone(), pf = p0.clone(), se = new float[n], sf = new float[n];
        for (long t = 1; t <= 10; t++) {
            float[] g = TestData.sprinkleSpecials(r, TestData.gaussianFloats(r, n, 1), 20);
            ScalarAdagradKernel.of(Numerics.EXACT).updateFloats(c.coefficients(t), MemorySegment.ofArray(pe),
                    MemorySegment.ofArray(g), MemorySegment.ofArray(se), 0, n);
            ScalarAdagradKernel.of(Numerics.FAST).updateFloats(c.coefficients(t), MemorySegment.ofArray(pf),
                    MemorySegment.ofArray(g), MemorySegment.ofArray(sf), 0, n);
        }
        Bits.assertSameBits("param", pe, pf);
        Bits.assertSameBits("sum", se, sf);
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
