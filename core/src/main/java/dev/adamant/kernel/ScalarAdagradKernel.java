package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The scalar reference for Adagrad: torch 1.13's {@code _single_tensor_adagrad} operation by
 * operation, with {@link Math#fma} where torch's CPU kernels fuse ({@code add(alpha=)} and
 * {@code addcmul}); the equations are on {@link AdagradKernel}. Both numerics modes run the same
 * code (there is nothing worth folding, see {@link AdagradKernel}).
 *
 * <p>Vector kernels also use it for their tails, so a tail is exact by construction.
 */
public final class ScalarAdagradKernel implements AdagradKernel {
    private static final ScalarAdagradKernel EXACT = new ScalarAdagradKernel(Numerics.EXACT);
    private static final ScalarAdagradKernel FAST = new ScalarAdagradKernel(Numerics.FAST);

    private final Numerics numerics;

    private ScalarAdagradKernel(Numerics numerics) {
        this.numerics = numerics;
    }

    public static ScalarAdagradKernel of(Numerics numerics) {
        return numerics == Numerics.EXACT ? EXACT : FAST;
    }

    public Numerics numerics() {
        return numerics;
    }

    @Override
    public void updateFloats(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                             long from, long to) {
        final float wd = (float) c.weightDecay();
        final float negClr = (float) c.negClr();
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
            float s = Math.fma(g, g, sum.getAtIndex(JAVA_FLOAT, i));
            sum.setAtIndex(JAVA_FLOAT, i, s);
            // sqrt in double of a float is the correctly rounded float sqrt
            p = p + (negClr * g) / ((float) Math.sqrt(s) + eps);
            param.setAtIndex(JAVA_FLOAT, i, p);
        }
    }

    @Override
    public void updateDoubles(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                              long from, long to) {
        final double wd = c.weightDecay();
        final double negClr = c.negClr();
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
            double s = Math.fma(g, g, sum.getAtIndex(JAVA_DOUBLE, i));
            sum.setAtIndex(JAVA_DOUBLE, i, s);
            p = p + (negClr * g) / (Math.sqrt(s) + eps);
            param.setAtIndex(JAVA_DOUBLE, i, p);
        }
    }
}
