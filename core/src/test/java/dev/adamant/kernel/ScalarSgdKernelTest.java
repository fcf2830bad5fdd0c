package dev.adamant.kernel;

import dev.adamant.optim.SgdConfig;
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

/**
 * The SGD scalar reference against torch 1.13's {@code _single_tensor_sgd} spelled out by hand from
 * the golden README: coefficients as doubles rounded once, {@code Math.fma} at every
 * {@code add(alpha=)}, the first momentum step a plain copy.
 */
class ScalarSgdKernelTest {
    private static final float[] P = {0.5f, -1.25f, 3f, -0f, 1e-3f, 7.5e-39f, -2f};
    private static final float[][] GRADS = {
            {0.1f, -2f, 0f, 0.75f, 1e4f, -1e-30f, 0.3f},
            {-0.2f, 1f, -0f, 0.5f, -1e3f, 2e-30f, 0.3f},
            {0.05f, -4f, 1f, -0.5f, 10f, 0f, -0.3f},
            {1e-6f, 0.5f, -1f, 0.25f, -1e5f, 1e-38f, 0.3f}};

    static Stream<Arguments> configs() {
        SgdConfig d = SgdConfig.sgd().withLr(0.01);
        return Stream.of(
                Arguments.of("plain", d),
                Arguments.of("lr 1", d.withLr(1)),
                Arguments.of("weight_decay 0.1", d.withWeightDecay(0.1)),
                Arguments.of("maximize", d.withMaximize(true)),
                Arguments.of("momentum 0.9", d.withMomentum(0.9)),
                Arguments.of("momentum 0.9 dampening 0.1", d.withMomentum(0.9).withDampening(0.1)),
                Arguments.of("momentum 0.5 dampening 0.5 wd 0.01", d.withMomentum(0.5).withDampening(0.5).withWeightDecay(0.01)),
                Arguments.of("nesterov 0.9", d.withMomentum(0.9).withNesterov(true)),
                Arguments.of("nesterov maximize wd", d.withMomentum(0.9).withNesterov(true).withMaximize(true).withWeightDecay(0.01)),
                Arguments.of("dampening 1.5 (torch accepts it)", d.withMomentum(0.3).withDampening(1.5)));
    }

    /** One float32 element: returns {p, buf}; the README's SGD, line by line. */
    static float[] handFloat(SgdConfig h, boolean first, float p, float grad, float buf) {
        float d = h.maximize() ? -grad : grad;
        if (h.weightDecay() != 0) d = Math.fma(p, (float) h.weightDecay(), d);
        if (h.momentum() != 0) {
            buf = first ? d : Math.fma(d, (float) (1 - h.dampening()), buf * (float) h.momentum());
            d = h.nesterov() ? Math.fma(buf, (float) h.momentum(), d) : buf;
        }
        p = Math.fma(d, (float) -h.lr(), p);
        return new float[]{p, buf};
    }

    static double[] handDouble(SgdConfig h, boolean first, double p, double grad, double buf) {
        double d = h.maximize() ? -grad : grad;
        if (h.weightDecay() != 0) d = Math.fma(p, h.weightDecay(), d);
        if (h.momentum() != 0) {
            buf = first ? d : Math.fma(d, 1 - h.dampening(), buf * h.momentum());
            d = h.nesterov() ? Math.fma(buf, h.momentum(), d) : buf;
        }
        p = Math.fma(d, -h.lr(), p);
        return new double[]{p, buf};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float32StepsEqualTheHandComputedOnesBitForBit(String name, SgdConfig config) {
        for (Numerics numerics : Numerics.values()) {
            float[] p = P.clone(), buf = new float[P.length];
            float[] ep = P.clone(), ebuf = new float[P.length];
            for (int s = 0; s < GRADS.length; s++) {
                boolean first = s == 0;
                float[] grad = GRADS[s];
                ScalarSgdKernel.of(numerics).updateFloats(config.coefficients(first), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(grad), config.momentum() != 0 ? MemorySegment.ofArray(buf) : null, 0, p.length);
                for (int i = 0; i < p.length; i++) {
                    float[] e = handFloat(config, first, ep[i], grad[i], ebuf[i]);
                    ep[i] = e[0];
                    ebuf[i] = e[1];
                }
                Bits.assertSameBits(name + " " + numerics + " step " + (s + 1) + " param", ep, p);
                Bits.assertSameBits(name + " " + numerics + " step " + (s + 1) + " momentum_buffer", ebuf, buf);
            }
            assertNotEquals(P[0], p[0], "the steps must move the parameter");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float64StepsEqualTheHandComputedOnesBitForBit(String name, SgdConfig config) {
        for (Numerics numerics : Numerics.values()) {
            double[] p = widen(P), buf = new double[P.length];
            double[] ep = widen(P), ebuf = new double[P.length];
            for (int s = 0; s < GRADS.length; s++) {
                boolean first = s == 0;
                double[] grad = widen(GRADS[s]);
                ScalarSgdKernel.of(numerics).updateDoubles(config.coefficients(first), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(grad), config.momentum() != 0 ? MemorySegment.ofArray(buf) : null, 0, p.length);
                for (int i = 0; i < p.length; i++) {
                    double[] e = handDouble(config, first, ep[i], grad[i], ebuf[i]);
                    ep[i] = e[0];
                    ebuf[i] = e[1];
                }
                Bits.assertSameBits(name + " " + numerics + " step " + (s + 1) + " param", ep, p);
                Bits.assertSameBits(name + " " + numerics + " step " + (s + 1) + " momentum_buffer", ebuf, buf);
            }
        }
    }

    @Test
    void theFirstMomentumStepCopiesTheGradientWithoutDampening() {
        SgdConfig c = SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withDampening(0.5);
        float[] p = {1f, -2f}, g = {0.3f, -0.7f}, buf = {123f, -456f}; // stale contents are ignored on the first step
        ScalarSgdKernel.of(Numerics.EXACT).updateFloats(c.coefficients(true), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(buf), 0, 2);
        Bits.assertSameBits("buffer after the first step", new float[]{0.3f, -0.7f}, buf);
        Bits.assertSameBits("param after the first step", new float[]{Math.fma(0.3f, -0.1f, 1f), Math.fma(-0.7f, -0.1f, -2f)}, p);
        // the second step dampens: buf = fma(g, 1 - 0.5, buf * 0.9)
        ScalarSgdKernel.of(Numerics.EXACT).updateFloats(c.coefficients(false), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(buf), 0, 2);
        assertEquals(Math.fma(0.3f, 0.5f, 0.3f * 0.9f), buf[0]);
        assertEquals(Math.fma(-0.7f, 0.5f, -0.7f * 0.9f), buf[1]);
    }

    @Test
    void withoutMomentumTheBufferIsNeverTouched() {
        SgdCoefficients c = SgdConfig.sgd().withLr(0.1).coefficients(true);
        assertEquals(false, c.useMomentum());
        float[] p = {1f}, g = {0.5f};
        // a null buffer must not be dereferenced
        ScalarSgdKernel.of(Numerics.EXACT).updateFloats(c, MemorySegment.ofArray(p), MemorySegment.ofArray(g), null, 0, 1);
        assertEquals(Math.fma(0.5f, -0.1f, 1f), p[0]);
        double[] pd = {1}, gd = {0.5};
        ScalarSgdKernel.of(Numerics.FAST).updateDoubles(c, MemorySegment.ofArray(pd), MemorySegment.ofArray(gd), null, 0, 1);
        assertEquals(Math.fma(0.5, -0.1, 1), pd[0]);
    }

    @Test
    void zeroWeightDecaySkipsTheDecayOpSoNegativeZeroSurvives() {
        // with the op, d = fma(p, 0, -0.0) = +0.0 and the buffer would be +0.0
        SgdConfig c = SgdConfig.sgd().withMomentum(0.9);
        float[] p = {1f}, g = {-0f}, buf = {0f};
        ScalarSgdKernel.of(Numerics.EXACT).updateFloats(c.coefficients(true), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(buf), 0, 1);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(buf[0]));
        float[] p2 = {1f}, g2 = {-0f}, buf2 = {0f};
        ScalarSgdKernel.of(Numerics.EXACT).updateFloats(c.withWeightDecay(1e-3).coefficients(true), MemorySegment.ofArray(p2),
                MemorySegment.ofArray(g2), MemorySegment.ofArray(buf2), 0, 1);
        assertEquals(Math.fma(1f, 1e-3f, -0f), buf2[0]);
    }

    @Test
    void onlyTheRangeFromToIsWritten() {
        SgdConfig c = SgdConfig.sgd().withMomentum(0.9).withNesterov(true);
        SplittableRandom r = new SplittableRandom(3);
        float[] p = TestData.gaussianFloats(r, 20, 1), g = TestData.gaussianFloats(r, 20, 1), buf = new float[20];
        float[] before = p.clone();
        ScalarSgdKernel.of(Numerics.EXACT).updateFloats(c.coefficients(true), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(buf), 5, 13);
        for (int i = 0; i < 20; i++) {
            boolean inside = i >= 5 && i < 13;
            assertEquals(inside, p[i] != before[i], "param[" + i + "]");
            assertEquals(inside, buf[i] != 0, "momentum_buffer[" + i + "]");
        }
    }

    @Test
    void fastIsExact() {
        assertEquals(Numerics.FAST, ScalarSgdKernel.of(Numerics.FAST).numerics());
        SgdConfig c = SgdConfig.sgd().withMomentum(0.9).withDampening(0.1).withWeightDecay(0.01);
        SplittableRandom r = new SplittableRandom(11);
        float[] p0 = TestData.gaussianFloats(r, 500, 1);
        float[] pe = p0.clone(), pf = p0.clone(), be = new float[500], bf = new float[500];
        for (int t = 1; t <= 5; t++) {
            float[] g = TestData.sprinkleSpecials(r, TestData.gaussianFloats(r, 500, 1), 10);
            ScalarSgdKernel.of(Numerics.EXACT).updateFloats(c.coefficients(t == 1), MemorySegment.ofArray(pe),
                    MemorySegment.ofArray(g), MemorySegment.ofArray(be), 0, 500);
            ScalarSgdKernel.of(Numerics.FAST).updateFloats(c.coefficients(t == 1), MemorySegment.ofArray(pf),
                    MemorySegment.ofArray(g), MemorySegment.ofArray(bf), 0, 500);
        }
        Bits.assertSameBits("param", pe, pf);
        Bits.assertSameBits("momentum_buffer", be, bf);
    }

    @Test
    void kindIsTorchsName() {
        assertEquals("sgd", SgdKernel.KIND.name());
        assertEquals(ScalarSgdKernel.of(Numerics.EXACT), SgdKernel.KIND.scalar(Numerics.EXACT));
    }

    private static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
