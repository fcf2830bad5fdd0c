package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The scalar reference: the semantic oracle every fast path is compared with. It follows torch
 * 1.13's {@code _single_tensor_adam} / {@code _single_tensor_adamw} operation by operation, with
 * {@link Math#fma} exactly where torch's CPU kernels fuse ({@code add(alpha=)} and
 * {@code addcmul}); the equations are on {@link AdamKernel}.
 *
 * <p>Vector kernels also use it for their tails, so a tail is exact by construction.
 */
public final class ScalarAdamKernel implements AdamKernel {
    private static final ScalarAdamKernel EXACT = new ScalarAdamKernel(Numerics.EXACT);
    private static final ScalarAdamKernel FAST = new ScalarAdamKernel(Numerics.FAST);

    private final Numerics numerics;

    private ScalarAdamKernel(Numerics numerics) {
        this.numerics = numerics;
    }

    public static ScalarAdamKernel of(Numerics numerics) {
        return numerics == Numerics.EXACT ? EXACT : FAST;
    }

    public Numerics numerics() {
        return numerics;
    }

    @Override
    public void updateFloats(AdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                             MemorySegment expAvgSq, MemorySegment maxExpAvgSq, long from, long to) {
        final float beta1 = (float) c.beta1(), oneMinusBeta1 = (float) c.oneMinusBeta1();
        final float beta2 = (float) c.beta2(), oneMinusBeta2 = (float) c.oneMinusBeta2();
        final float wd = (float) c.l2WeightDecay(), decay = (float) c.decayFactor();
        final boolean l2 = c.l2WeightDecay() != 0, decoupled = c.decayFactor() != 1;
        final boolean fast = numerics == Numerics.FAST;
        final float negStep = (float) (fast ? c.fastNegStepSize() : c.negStepSize());
        final float eps = (float) (fast ? c.fastEps() : c.eps());
        final float sqrtBc2 = (float) c.sqrtBiasCorrection2();
        final boolean amsgrad = c.amsgrad(), maximize = c.maximize();

        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final float gradScale = (float) c.gradScale();
        // then torch's clip_grad_value_ (clamp_); Math.max/min keep NaN, as torch's clamp does
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final float clipValue = (float) c.clipValue(), negClipValue = -clipValue;
        for (long i = from; i < to; i++) {
            float p = param.getAtIndex(JAVA_FLOAT, i);
            float g = grad.getAtIndex(JAVA_FLOAT, i);
            if (scaled) g = g * gradScale;
            if (clamped) g = Math.min(Math.max(g, negClipValue), clipValue);
            if (maximize) g = -g;
            if (l2) g = Math.fma(p, wd, g);
            if (decoupled && !fast) p = p * decay;
            float m = Math.fma(g, oneMinusBeta1, expAvg.getAtIndex(JAVA_FLOAT, i) * beta1);
            float v = Math.fma(oneMinusBeta2 * g, g, expAvgSq.getAtIndex(JAVA_FLOAT, i) * beta2);
            expAvg.setAtIndex(JAVA_FLOAT, i, m);
            expAvgSq.setAtIndex(JAVA_FLOAT, i, v);
            if (amsgrad) {
                v = Math.max(maxExpAvgSq.getAtIndex(JAVA_FLOAT, i), v);
                maxExpAvgSq.setAtIndex(JAVA_FLOAT, i, v);
            }
            if (fast) {
                float update = (negStep * m) / ((float) Math.sqrt(v) + eps);
                p = decoupled ? Math.fma(p, decay, update) : p + update;
            } else {
                p = p + (negStep * m) / ((float) Math.sqrt(v) / sqrtBc2 + eps);
            }
            param.setAtIndex(JAVA_FLOAT, i, p);
        }
    }

    @Override
    public void updateDoubles(AdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                              MemorySegment expAvgSq, MemorySegment maxExpAvgSq, long from, long to) {
        final double beta1 = c.beta1(), oneMinusBeta1 = c.oneMinusBeta1();
        final double beta2 = c.beta2(), oneMinusBeta2 = c.oneMinusBeta2();
        final double wd = c.l2WeightDecay(), decay = c.decayFactor();
        final boolean l2 = wd != 0, decoupled = decay != 1;
        final boolean fast = numerics == Numerics.FAST;
        final double negStep = fast ? c.fastNegStepSize() : c.negStepSize();
        final double eps = fast ? c.fastEps() : c.eps();
        final double sqrtBc2 = c.sqrtBiasCorrection2();
        final boolean amsgrad = c.amsgrad(), maximize = c.maximize();

        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final double gradScale = c.gradScale();
        // then torch's clip_grad_value_ (clamp_); Math.max/min keep NaN, as torch's clamp does
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final double clipValue = c.clipValue(), negClipValue = -clipValue;
        for (long i = from; i < to; i++) {
            double p = param.getAtIndex(JAVA_DOUBLE, i);
            double g = grad.getAtIndex(JAVA_DOUBLE, i);
            if (scaled) g = g * gradScale;
            if (clamped) g = Math.min(Math.max(g, negClipValue), clipValue);
            if (maximize) g = -g;
            if (l2) g = Math.fma(p, wd, g);
            if (decoupled && !fast) p = p * decay;
            double m = Math.fma(g, oneMinusBeta1, expAvg.getAtIndex(JAVA_DOUBLE, i) * beta1);
            double v = Math.fma(oneMinusBeta2 * g, g, expAvgSq.getAtIndex(JAVA_DOUBLE, i) * beta2);
            expAvg.setAtIndex(JAVA_DOUBLE, i, m);
            expAvgSq.setAtIndex(JAVA_DOUBLE, i, v);
            if (amsgrad) {
                v = Math.max(maxExpAvgSq.getAtIndex(JAVA_DOUBLE, i), v);
                maxExpAvgSq.setAtIndex(JAVA_DOUBLE, i, v);
            }
            if (fast) {
                double update = (negStep * m) / (Math.sqrt(v) + eps);
                p = decoupled ? Math.fma(p, decay, update) : p + update;
            } else {
                p = p + (negStep * m) / (Math.sqrt(v) / sqrtBc2 + eps);
            }
            param.setAtIndex(JAVA_DOUBLE, i, p);
        }
    }
}
