package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The scalar reference for RMSprop: torch 1.13's {@code _single_tensor_rmsprop} operation by
 * operation, with {@link Math#fma} exactly where torch's CPU kernels fuse ({@code add(alpha=)} and
 * {@code addcmul}); the equations are on {@link RmsPropKernel}. Both numerics modes compute the
 * same thing (nothing folds).
 *
 * <p>Vector kernels also use it for their tails, so a tail is exact by construction.
 */
public final class ScalarRmsPropKernel implements RmsPropKernel {
    private static final ScalarRmsPropKernel EXACT = new ScalarRmsPropKernel(Numerics.EXACT);
    private static final ScalarRmsPropKernel FAST = new ScalarRmsPropKernel(Numerics.FAST);

    private final Numerics numerics;

    private ScalarRmsPropKernel(Numerics numerics) {
        this.numerics = numerics;
    }

    public static ScalarRmsPropKernel of(Numerics numerics) {
        return numerics == Numerics.EXACT ? EXACT : FAST;
    }

    public Numerics numerics() {
        return numerics;
    }

    @Override
    public void updateFloats(RmsPropCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment squareAvg,
                             MemorySegment gradAvg, MemorySegment momentumBuffer, long from, long to) {
        final float alpha = (float) c.alpha(), oneMinusAlpha = (float) c.oneMinusAlpha();
        final float eps = (float) c.eps(), wd = (float) c.weightDecay();
        final float momentum = (float) c.momentum(), negLr = (float) c.negLr();
        final boolean l2 = c.weightDecay() != 0, useMomentum = c.useMomentum();
        final boolean centered = c.centered(), maximize = c.maximize();

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
            float sq = Math.fma(oneMinusAlpha * g, g, squareAvg.getAtIndex(JAVA_FLOAT, i) * alpha);
            squareAvg.setAtIndex(JAVA_FLOAT, i, sq);
            float avg;
            if (centered) {
                float ga = Math.fma(g, oneMinusAlpha, gradAvg.getAtIndex(JAVA_FLOAT, i) * alpha);
                gradAvg.setAtIndex(JAVA_FLOAT, i, ga);
                avg = (float) Math.sqrt(Math.fma(-ga, ga, sq));
            } else {
                avg = (float) Math.sqrt(sq);
            }
            avg = avg + eps;
            if (useMomentum) {
                float buf = momentumBuffer.getAtIndex(JAVA_FLOAT, i) * momentum + g / avg;
                momentumBuffer.setAtIndex(JAVA_FLOAT, i, buf);
                p = Math.fma(buf, negLr, p);
            } else {
                p = p + (negLr * g) / avg;
            }
            param.setAtIndex(JAVA_FLOAT, i, p);
        }
    }

    @Override
    public void updateDoubles(RmsPropCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment squareAvg,
                              MemorySegment gradAvg, MemorySegment momentumBuffer, long from, long to) {
        final double alpha = c.alpha(), oneMinusAlpha = c.oneMinusAlpha();
        final double eps = c.eps(), wd = c.weightDecay();
        final double momentum = c.momentum(), negLr = c.negLr();
        final boolean l2 = wd != 0, useMomentum = c.useMomentum();
        final boolean centered = c.centered(), maximize = c.maximize();

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
            double sq = Math.fma(oneMinusAlpha * g, g, squareAvg.getAtIndex(JAVA_DOUBLE, i) * alpha);
            squareAvg.setAtIndex(JAVA_DOUBLE, i, sq);
            double avg;
            if (centered) {
                double ga = Math.fma(g, oneMinusAlpha, gradAvg.getAtIndex(JAVA_DOUBLE, i) * alpha);
                gradAvg.setAtIndex(JAVA_DOUBLE, i, ga);
                avg = Math.sqrt(Math.fma(-ga, ga, sq));
            } else {
                avg = Math.sqrt(sq);
            }
            avg = avg + eps;
            if (useMomentum) {
                double buf = momentumBuffer.getAtIndex(JAVA_DOUBLE, i) * momentum + g / avg;
                momentumBuffer.setAtIndex(JAVA_DOUBLE, i, buf);
                p = Math.fma(buf, negLr, p);
            } else {
                p = p + (negLr * g) / avg;
            }
            param.setAtIndex(JAVA_DOUBLE, i, p);
        }
    }
}
