package dev.adamant.kernel;

import dev.adamant.optim.RmsPropConfig;
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
 * The RMSprop scalar reference against torch 1.13's {@code _single_tensor_rmsprop} spelled out by
 * hand from the golden README: coefficients as doubles rounded once, {@code Math.fma} at
 * {@code add(alpha=)} and {@code addcmul} (including the centred {@code addcmul(value=-1)}), every
 * other operation a single IEEE op.
 */
class ScalarRmsPropKernelTest {
    private static final float[] P = {0.5f, -1.25f, 3f, -0f, 1e-3f, 7.5e-39f, -2f};
    private static final float[][] GRADS = {
            {0.1f, -2f, 0f, 0.75f, 1e4f, -1e-30f, 0.3f},
            {-0.2f, 1f, -0f, 0.5f, -1e3f, 2e-30f, 0.3f},
            {0.05f, -4f, 1f, -0.5f, 10f, 0f, -0.3f},
            {1e-6f, 0.5f, -1f, 0.25f, -1e5f, 1e-38f, 0.3f}};

    static Stream<Arguments> configs() {
        RmsPropConfig d = RmsPropConfig.rmsprop();
        return Stream.of(
                Arguments.of("defaults", d),
                Arguments.of("alpha 0.9", d.withAlpha(0.9)),
                Arguments.of("centered", d.withCentered(true)),
                Arguments.of("momentum 0.9", d.withMomentum(0.9)),
                Arguments.of("centered momentum 0.9", d.withCentered(true).withMomentum(0.9)),
                Arguments.of("weight_decay 0.01", d.withWeightDecay(0.01)),
                Arguments.of("maximize", d.withMaximize(true)),
                Arguments.of("lr 1e-3 eps 1e-3", d.withLr(1e-3).withEps(1e-3)),
                Arguments.of("everything", d.withCentered(true).withMomentum(0.5).withWeightDecay(0.1).withMaximize(true)),
                Arguments.of("alpha 1.5 (torch accepts it)", d.withAlpha(1.5)));
    }

    /** One float32 element: returns {p, square_avg, grad_avg, momentum_buffer}; the README's RMSprop. */
    static float[] handFloat(RmsPropConfig h, float p, float grad, float sq, float ga, float buf) {
        float g = h.maximize() ? -grad : grad;
        if (h.weightDecay() != 0) g = Math.fma(p, (float) h.weightDecay(), g);
        sq = Math.fma((float) (1 - h.alpha()) * g, g, sq * (float) h.alpha());
        float avg;
        if (h.centered()) {
            ga = Math.fma(g, (float) (1 - h.alpha()), ga * (float) h.alpha());
            avg = (float) Math.sqrt(Math.fma(-ga, ga, sq));
        } else {
            avg = (float) Math.sqrt(sq);
        }
        avg = avg + (float) h.eps();
        if (h.momentum() > 0) {
            buf = buf * (float) h.momentum() + g / avg;
            p = Math.fma(buf, (float) -h.lr(), p);
        } else {
            p = p + ((float) -h.lr() * g) / avg;
        }
        return new float[]{p, sq, ga, buf};
    }

    static double[] handDouble(RmsPropConfig h, double p, double grad, double sq, double ga, double buf) {
        double g = h.maximize() ? -grad : grad;
        if (h.weightDecay() != 0) g = Math.fma(p, h.weightDecay(), g);
        sq = Math.fma((1 - h.alpha()) * g, g, sq * h.alpha());
        double avg;
        if (h.centered()) {
            ga = Math.fma(g, 1 - h.alpha(), ga * h.alpha());
            avg = Math.sqrt(Math.fma(-ga, ga, sq));
        } else {
            avg = Math.sqrt(sq);
        }
        avg = avg + h.eps();
        if (h.momentum() > 0) {
            buf = buf * h.momentum() + g / avg;
            p = Math.fma(buf, -h.lr(), p);
        } else {
            p = p + (-h.lr() * g) / avg;
        }
        return new double[]{p, sq, ga, buf};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float32StepsEqualTheHandComputedOnesBitForBit(String name, RmsPropConfig config) {
        for (Numerics numerics : Numerics.values()) {
            int n = P.length;
            float[] p = P.clone(), sq = new float[n], ga = new float[n], buf = new float[n];
            float[] ep = P.clone(), esq = new float[n], ega = new float[n], ebuf = new float[n];
            for (int s = 0; s < GRADS.length; s++) {
                float[] grad = GRADS[s];
                ScalarRmsPropKernel.of(numerics).updateFloats(config.coefficients(), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(grad), MemorySegment.ofArray(sq),
                        config.centered() ? MemorySegment.ofArray(ga) : null,
                        config.momentum() > 0 ? MemorySegment.ofArray(buf) : null, 0, n);
                for (int i = 0; i < n; i++) {
                    float[] e = handFloat(config, ep[i], grad[i], esq[i], ega[i], ebuf[i]);
                    ep[i] = e[0];
                    esq[i] = e[1];
                    if (config.centered()) ega[i] = e[2];
                    if (config.momentum() > 0) ebuf[i] = e[3];
                }
                String at = name + " " + numerics + " step " + (s + 1);
                Bits.assertSameBits(at + " param", ep, p);
                Bits.assertSameBits(at + " square_avg", esq, sq);
                Bits.assertSameBits(at + " grad_avg", ega, ga);
                Bits.assertSameBits(at + " momentum_buffer", ebuf, buf);
            }
            assertNotEquals(P[0], p[0], "the steps must move the parameter");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void float64StepsEqualTheHandComputedOnesBitForBit(String name, RmsPropConfig config) {
        for (Numerics numerics : Numerics.values()) {
            int n = P.length;
            double[] p = widen(P), sq = new double[n], ga = new double[n], buf = new double[n];
            double[] ep = widen(P), esq = new double[n], ega = new double[n], ebuf = new double[n];
            for (int s = 0; s < GRADS.length; s++) {
                double[] grad = widen(GRADS[s]);
                ScalarRmsPropKernel.of(numerics).updateDoubles(config.coefficients(), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(grad), MemorySegment.ofArray(sq),
                        config.centered() ? MemorySegment.ofArray(ga) : null,
                        config.momentum() > 0 ? MemorySegment.ofArray(buf) : null, 0, n);
                for (int i = 0; i < n; i++) {
                    double[] e = handDouble(config, ep[i], grad[i], esq[i], ega[i], ebuf[i]);
                    ep[i] = e[0];
                    esq[i] = e[1];
                    if (config.centered()) ega[i] = e[2];
                    if (config.momentum() > 0) ebuf[i] = e[3];
                }
                String at = name + " " + numerics + " step " + (s + 1);
                Bits.assertSameBits(at + " param", ep, p);
                Bits.assertSameBits(at + " square_avg", esq, sq);
                Bits.assertSameBits(at + " grad_avg", ega, ga);
                Bits.assertSameBits(at + " momentum_buffer", ebuf, buf);
            }
        }
    }

    @Test
    void centeredSubtractsTheSquaredGradAvgWithOneFusedOp() {
        // first step from zero state, alpha 0.5: sq = 0.5*g*g (rounded product first), ga = 0.5*g
        RmsPropConfig c = RmsPropConfig.rmsprop().withAlpha(0.5).withCentered(true).withLr(1).withEps(0);
        float g0 = 0.1f;
        float[] p = {0f}, g = {g0}, sq = {0f}, ga = {0f};
        ScalarRmsPropKernel.of(Numerics.EXACT).updateFloats(c.coefficients(), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(sq), MemorySegment.ofArray(ga), null, 0, 1);
        float esq = Math.fma(0.5f * g0, g0, 0f * 0.5f), ega = Math.fma(g0, 0.5f, 0f);
        assertEquals(esq, sq[0]);
        assertEquals(ega, ga[0]);
        float avg = (float) Math.sqrt(Math.fma(-ega, ega, esq)) + 0f;
        assertEquals(0f + (-1f * g0) / avg, p[0]);
        assertTrue(p[0] < 0, "a positive gradient lowers the parameter");
    }

    @Test
    void momentumAccumulatesTheScaledGradientThenAddsItWithOneFma() {
        RmsPropConfig c = RmsPropConfig.rmsprop().withMomentum(0.9);
        float[] p = {1f}, g = {0.5f}, sq = {0.04f}, buf = {0.2f};
        ScalarRmsPropKernel.of(Numerics.EXACT).updateFloats(c.coefficients(), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(sq), null, MemorySegment.ofArray(buf), 0, 1);
        float esq = Math.fma(0.01f * 0.5f, 0.5f, 0.04f * 0.99f);
        float avg = (float) Math.sqrt(esq) + 1e-8f;
        float ebuf = 0.2f * 0.9f + 0.5f / avg;
        assertEquals(ebuf, buf[0]);
        assertEquals(Math.fma(ebuf, -0.01f, 1f), p[0]);
    }

    @Test
    void zeroWeightDecaySkipsTheDecayOp() {
        // with the op, g = fma(p, 0, -0.0) = +0.0 and grad_avg would become +0.0; without it -0.0 survives
        RmsPropConfig c = RmsPropConfig.rmsprop().withCentered(true);
        float[] p = {1f}, g = {-0f}, sq = {0f}, ga = {-0f};
        ScalarRmsPropKernel.of(Numerics.EXACT).updateFloats(c.coefficients(), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(sq), MemorySegment.ofArray(ga), null, 0, 1);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(ga[0]));
    }

    @Test
    void onlyTheRangeFromToIsWritten() {
        RmsPropConfig c = RmsPropConfig.rmsprop().withCentered(true).withMomentum(0.9);
        SplittableRandom r = new SplittableRandom(3);
        float[] p = TestData.gaussianFloats(r, 20, 1), g = TestData.gaussianFloats(r, 20, 1);
        float[] sq = new float[20], ga = new float[20], buf = new float[20];
        float[] before = p.clone();
        ScalarRmsPropKernel.of(Numerics.EXACT).updateFloats(c.coefficients(), MemorySegment.ofArray(p),
                MemorySegment.ofArray(g), MemorySegment.ofArray(sq), MemorySegment.ofArray(ga), MemorySegment.ofArray(buf), 5, 13);
        for (int i = 0; i < 20; i++) {
            boolean inside = i >= 5 && i < 13;
            assertEquals(inside, p[i] != before[i], "param[" + i + "]");
            assertEquals(inside, sq[i] != 0, "square_avg[" + i + "]");
            assertEquals(inside, ga[i] != 0, "grad_avg[" + i + "]");
            assertEquals(inside, buf[i] != 0, "momentum_buffer[" + i + "]");
        }
    }

    @Test
    void kindIsTorchsName() {
        assertEquals("rmsprop", RmsPropKernel.KIND.name());
        assertEquals(ScalarRmsPropKernel.of(Numerics.FAST), RmsPropKernel.KIND.scalar(Numerics.FAST));
    }

    private static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
