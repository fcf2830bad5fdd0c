package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/** The scalar reference of {@link LionKernel}; the equations are there. */
public final class ScalarLionKernel implements LionKernel {
    static final ScalarLionKernel INSTANCE = new ScalarLionKernel();

    private ScalarLionKernel() {
    }

    @Override
    public void updateFloats(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                             long from, long to) {
        final float beta1 = (float) c.beta1(), oneMinusBeta1 = (float) c.oneMinusBeta1();
        final float beta2 = (float) c.beta2(), oneMinusBeta2 = (float) c.oneMinusBeta2();
        final float decay = (float) c.decayFactor(), negLr = (float) c.negLr();
        final boolean decoupled = c.decayFactor() != 1, maximize = c.maximize();
        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final float gradScale = (float) c.gradScale();
        // then torch's clip_grad_value_ (clamp_); Math.max/min keep NaN, as torch's clamp does
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final float clipValue = (float) c.clipValue(), negClipValue = -clipValue;
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(JAVA_FLOAT, i);
            if (scaled) g = g * gradScale;
            if (clamped) g = Math.min(Math.max(g, negClipValue), clipValue);
            if (maximize) g = -g;
            float m = expAvg.getAtIndex(JAVA_FLOAT, i);
            float p = param.getAtIndex(JAVA_FLOAT, i);
            float interpolated = Math.fma(g, oneMinusBeta1, m * beta1);
            if (decoupled) p = p * decay;
            param.setAtIndex(JAVA_FLOAT, i, Math.fma(Math.signum(interpolated), negLr, p));
            expAvg.setAtIndex(JAVA_FLOAT, i, Math.fma(g, oneMinusBeta2, m * beta2));
        }
    }

    @Override
    public void updateDoubles(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                              long from, long to) {
        final double beta1 = c.beta1(), oneMinusBeta1 = c.oneMinusBeta1();
        final double beta2 = c.beta2(), oneMinusBeta2 = c.oneMinusBeta2();
        final double decay = c.decayFactor(), negLr = c.negLr();
        final boolean decoupled = decay != 1, maximize = c.maximize();
        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final double gradScale = c.gradScale();
        // then torch's clip_grad_value_ (clamp_); Math.max/min keep NaN, as torch's clamp does
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final double clipValue = c.clipValue(), negClipValue = -clipValue;
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(JAVA_DOUBLE, i);
            if (scaled) g = g * gradScale;
            if (clamped) g = Math.min(Math.max(g, negClipValue), clipValue);
            if (maximize) g = -g;
            double m = expAvg.getAtIndex(JAVA_DOUBLE, i);
            double p = param.getAtIndex(JAVA_DOUBLE, i);
            double interpolated = Math.fma(g, oneMinusBeta1, m * beta1);
            if (decoupled) p = p * decay;
            param.setAtIndex(JAVA_DOUBLE, i, Math.fma(Math.signum(interpolated), negLr, p));
            expAvg.setAtIndex(JAVA_DOUBLE, i, Math.fma(g, oneMinusBeta2, m * beta2));
        }
    }
}
