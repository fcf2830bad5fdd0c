package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The scalar reference for Adamax: torch 1.13's {@code _single_tensor_adamax} operation by
 * operation, with {@link Math#fma} where torch's CPU kernels fuse ({@code add(alpha=)}); the
 * equations are on {@link AdamaxKernel}. Both numerics modes run the same code (there is nothing
 * worth folding, see {@link AdamaxKernel}).
 *
 * <p>Vector kernels also use it for their tails, so a tail is exact by construction.
 */
public final class ScalarAdamaxKernel implements AdamaxKernel {
    private static final ScalarAdamaxKernel EXACT = new ScalarAdamaxKernel(Numerics.EXACT);
    private static final ScalarAdamaxKernel FAST = new ScalarAdamaxKernel(Numerics.FAST);

    private final Numerics numerics;

    private ScalarAdamaxKernel(Numerics numerics) {
        this.numerics = numerics;
    }

    public static ScalarAdamaxKernel of(Numerics numerics) {
        return numerics == Numerics.EXACT ? EXACT : FAST;
    }

    public Numerics numerics() {
        return numerics;
    }

    @Override
    public void updateFloats(AdamaxCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                             MemorySegment expInf, long from, long to) {
        final float beta1 = (float) c.beta1(), oneMinusBeta1 = (float) c.oneMinusBeta1();
        final float beta2 = (float) c.beta2();
        final float wd = (float) c.weightDecay();
        final float negStep = (float) c.negStepSize();
        final float eps = (float) c.eps();
        final boolean l2 = c.weightDecay() != 0, maximize = c.maximize();

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
            float m = Math.fma(g, oneMinusBeta1, expAvg.getAtIndex(JAVA_FLOAT, i) * beta1);
            // Math.max returns NaN if either operand is NaN, like torch's amax
            float u = Math.max(expInf.getAtIndex(JAVA_FLOAT, i) * beta2, Math.abs(g) + eps);
            expAvg.setAtIndex(JAVA_FLOAT, i, m);
            expInf.setAtIndex(JAVA_FLOAT, i, u);
            p = p + (negStep * m) / u;
            param.setAtIndex(JAVA_FLOAT, i, p);
        }
    }

    @Override
    public void updateDoubles(AdamaxCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                              MemorySegment expInf, long from, long to) {
        final double beta1 = c.beta1(), oneMinusBeta1 = c.oneMinusBeta1();
        final double beta2 = c.beta2();
        final double wd = c.weightDecay();
        final double negStep = c.negStepSize();
        final double eps = c.eps();
        final boolean l2 = wd != 0, maximize = c.maximize();

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
            double m = Math.fma(g, oneMinusBeta1, expAvg.getAtIndex(JAVA_DOUBLE, i) * beta1);
            double u = Math.max(expInf.getAtIndex(JAVA_DOUBLE, i) * beta2, Math.abs(g) + eps);
            expAvg.setAtIndex(JAVA_DOUBLE, i, m);
            expInf.setAtIndex(JAVA_DOUBLE, i, u);
            p = p + (negStep * m) / u;
            param.setAtIndex(JAVA_DOUBLE, i, p);
        }
    }
}
