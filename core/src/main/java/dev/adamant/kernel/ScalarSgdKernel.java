package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The scalar reference for SGD: torch 1.13's {@code _single_tensor_sgd} operation by operation,
 * with {@link Math#fma} at every {@code add(alpha=)}; the equations are on {@link SgdKernel}.
 * Both numerics modes compute the same thing (nothing folds).
 *
 * <p>Vector kernels also use it for their tails, so a tail is exact by construction.
 */
public final class ScalarSgdKernel implements SgdKernel {
    private static final ScalarSgdKernel EXACT = new ScalarSgdKernel(Numerics.EXACT);
    private static final ScalarSgdKernel FAST = new ScalarSgdKernel(Numerics.FAST);

    private final Numerics numerics;

    private ScalarSgdKernel(Numerics numerics) {
        this.numerics = numerics;
    }

    public static ScalarSgdKernel of(Numerics numerics) {
        return numerics == Numerics.EXACT ? EXACT : FAST;
    }

    public Numerics numerics() {
        return numerics;
    }

    @Override
    public void updateFloats(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                             long from, long to) {
        final float wd = (float) c.weightDecay(), momentum = (float) c.momentum();
        final float oneMinusDampening = (float) c.oneMinusDampening(), negLr = (float) c.negLr();
        final boolean l2 = c.weightDecay() != 0, useMomentum = c.useMomentum();
        final boolean nesterov = c.nesterov(), maximize = c.maximize(), first = c.firstStep();

        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final float gradScale = (float) c.gradScale();
        // then torch's clip_grad_value_ (clamp_); Math.max/min keep NaN, as torch's clamp does
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final float clipValue = (float) c.clipValue(), negClipValue = -clipValue;
        for (long i = from; i < to; i++) {
            float p = param.getAtIndex(JAVA_FLOAT, i);
            float d = grad.getAtIndex(JAVA_FLOAT, i);
            if (scaled) d = d * gradScale;
            if (clamped) d = Math.min(Math.max(d, negClipValue), clipValue);
            if (maximize) d = -d;
            if (l2) d = Math.fma(p, wd, d);
            if (useMomentum) {
                float buf = first ? d : Math.fma(d, oneMinusDampening, momentumBuffer.getAtIndex(JAVA_FLOAT, i) * momentum);
                momentumBuffer.setAtIndex(JAVA_FLOAT, i, buf);
                d = nesterov ? Math.fma(buf, momentum, d) : buf;
            }
            param.setAtIndex(JAVA_FLOAT, i, Math.fma(d, negLr, p));
        }
    }

    @Override
    public void updateDoubles(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                              long from, long to) {
        final double wd = c.weightDecay(), momentum = c.momentum();
        final double oneMinusDampening = c.oneMinusDampening(), negLr = c.negLr();
        final boolean l2 = wd != 0, useMomentum = c.useMomentum();
        final boolean nesterov = c.nesterov(), maximize = c.maximize(), first = c.firstStep();

        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final double gradScale = c.gradScale();
        // then torch's clip_grad_value_ (clamp_); Math.max/min keep NaN, as torch's clamp does
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final double clipValue = c.clipValue(), negClipValue = -clipValue;
        for (long i = from; i < to; i++) {
            double p = param.getAtIndex(JAVA_DOUBLE, i);
            double d = grad.getAtIndex(JAVA_DOUBLE, i);
            if (scaled) d = d * gradScale;
            if (clamped) d = Math.min(Math.max(d, negClipValue), clipValue);
            if (maximize) d = -d;
            if (l2) d = Math.fma(p, wd, d);
            if (useMomentum) {
                double buf = first ? d : Math.fma(d, oneMinusDampening, momentumBuffer.getAtIndex(JAVA_DOUBLE, i) * momentum);
                momentumBuffer.setAtIndex(JAVA_DOUBLE, i, buf);
                d = nesterov ? Math.fma(buf, momentum, d) : buf;
            }
            param.setAtIndex(JAVA_DOUBLE, i, Math.fma(d, negLr, p));
        }
    }
}
