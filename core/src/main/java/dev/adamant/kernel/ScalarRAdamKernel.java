package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The scalar reference for RAdam: torch 1.13's {@code _single_tensor_radam} operation by operation,
 * with {@link Math#fma} exactly where torch's CPU kernels fuse ({@code add(alpha=)} and
 * {@code addcmul}); the equations are on {@link RAdamKernel}. {@code param.add_(x, alpha=-1)} is
 * written {@code p - x}: {@code fma(x, -1, p)} rounds the same exact value once.
 *
 * <p>Vector kernels also use it for their tails, so a tail is exact by construction.
 */
public final class ScalarRAdamKernel implements RAdamKernel {
    private static final ScalarRAdamKernel EXACT = new ScalarRAdamKernel(Numerics.EXACT);
    private static final ScalarRAdamKernel FAST = new ScalarRAdamKernel(Numerics.FAST);

    private final Numerics numerics;

    private ScalarRAdamKernel(Numerics numerics) {
        this.numerics = numerics;
    }

    public static ScalarRAdamKernel of(Numerics numerics) {
        return numerics == Numerics.EXACT ? EXACT : FAST;
    }

    public Numerics numerics() {
        return numerics;
    }

    @Override
    public void updateFloats(RAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                             MemorySegment expAvgSq, long from, long to) {
        final float beta1 = (float) c.beta1(), oneMinusBeta1 = (float) c.oneMinusBeta1();
        final float beta2 = (float) c.beta2(), oneMinusBeta2 = (float) c.oneMinusBeta2();
        final float wd = (float) c.weightDecay();
        final boolean l2 = c.weightDecay() != 0;
        final boolean fast = numerics == Numerics.FAST, rectified = c.rectified();
        final float bc1 = (float) c.biasCorrection1(), lr = (float) c.lr(), rect = (float) c.rect();
        final float sqrtBc2 = (float) c.sqrtBiasCorrection2(), eps = (float) c.eps();
        final float fastStep = (float) c.fastNegStepSize();

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
            if (l2) g = Math.fma(p, wd, g);
            float m = Math.fma(g, oneMinusBeta1, expAvg.getAtIndex(JAVA_FLOAT, i) * beta1);
            float v = Math.fma(oneMinusBeta2 * g, g, expAvgSq.getAtIndex(JAVA_FLOAT, i) * beta2);
            expAvg.setAtIndex(JAVA_FLOAT, i, m);
            expAvgSq.setAtIndex(JAVA_FLOAT, i, v);
            if (fast) {
                p = rectified ? p + (fastStep * m) / ((float) Math.sqrt(v) + eps) : Math.fma(m, fastStep, p);
            } else {
                float bcm = m / bc1;
                if (rectified) {
                    float a = (1f / ((float) Math.sqrt(v) + eps)) * sqrtBc2;
                    p = p - ((bcm * lr) * a) * rect;
                } else {
                    p = p - bcm * lr;
                }
            }
            param.setAtIndex(JAVA_FLOAT, i, p);
        }
    }

    @Override
    public void updateDoubles(RAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                              MemorySegment expAvgSq, long from, long to) {
        final double beta1 = c.beta1(), oneMinusBeta1 = c.oneMinusBeta1();
        final double beta2 = c.beta2(), oneMinusBeta2 = c.oneMinusBeta2();
        final double wd = c.weightDecay();
        final boolean l2 = wd != 0;
        final boolean fast = numerics == Numerics.FAST, rectified = c.rectified();
        final double bc1 = c.biasCorrection1(), lr = c.lr(), rect = c.rect();
        final double sqrtBc2 = c.sqrtBiasCorrection2(), eps = c.eps();
        final double fastStep = c.fastNegStepSize();

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
            if (l2) g = Math.fma(p, wd, g);
            double m = Math.fma(g, oneMinusBeta1, expAvg.getAtIndex(JAVA_DOUBLE, i) * beta1);
            double v = Math.fma(oneMinusBeta2 * g, g, expAvgSq.getAtIndex(JAVA_DOUBLE, i) * beta2);
            expAvg.setAtIndex(JAVA_DOUBLE, i, m);
            expAvgSq.setAtIndex(JAVA_DOUBLE, i, v);
            if (fast) {
                p = rectified ? p + (fastStep * m) / (Math.sqrt(v) + eps) : Math.fma(m, fastStep, p);
            } else {
                double bcm = m / bc1;
                if (rectified) {
                    double a = (1d / (Math.sqrt(v) + eps)) * sqrtBc2;
                    p = p - ((bcm * lr) * a) * rect;
                } else {
                    p = p - bcm * lr;
                }
            }
            param.setAtIndex(JAVA_DOUBLE, i, p);
        }
    }
}
