package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/** The scalar reference of {@link LambKernel}; the equations and the summation order are there. */
public final class ScalarLambKernel implements LambKernel {
    static final ScalarLambKernel INSTANCE = new ScalarLambKernel();

    private ScalarLambKernel() {
    }

    @Override
    public SquaredNorms momentsFloats(LambCoefficients c, MemorySegment param, MemorySegment grad,
                                      MemorySegment expAvg, MemorySegment expAvgSq, long from, long to) {
        SquareSums sums = SquareSums.ofThread();
        return momentsFloats(c, param, grad, expAvg, expAvgSq, from, to, sums.first, sums.second);
    }

    /**
     * Pass 1 adding into running accumulators; {@code from} must lie a multiple of 16 elements
     * after the start of the whole range, so that element {@code i} still lands in accumulator
     * {@code (i - start) mod 16}. Vector kernels finish their range with it.
     */
    public SquaredNorms momentsFloats(LambCoefficients c, MemorySegment param, MemorySegment grad,
                                      MemorySegment expAvg, MemorySegment expAvgSq, long from, long to,
                                      double[] paramSq, double[] updateSq) {
        final float beta1 = (float) c.beta1(), oneMinusBeta1 = (float) c.oneMinusBeta1();
        final float beta2 = (float) c.beta2(), oneMinusBeta2 = (float) c.oneMinusBeta2();
        final float bc1 = (float) c.biasCorrection1(), bc2 = (float) c.biasCorrection2();
        final float eps = (float) c.eps(), wd = (float) c.weightDecay();
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
            float m = Math.fma(g, oneMinusBeta1, expAvg.getAtIndex(JAVA_FLOAT, i) * beta1);
            float v = Math.fma(oneMinusBeta2 * g, g, expAvgSq.getAtIndex(JAVA_FLOAT, i) * beta2);
            expAvg.setAtIndex(JAVA_FLOAT, i, m);
            expAvgSq.setAtIndex(JAVA_FLOAT, i, v);
            float u = Math.fma(p, wd, (m / bc1) / ((float) Math.sqrt(v / bc2) + eps));
            int k = (int) ((i - from) & (ACCUMULATORS - 1));
            paramSq[k] += (double) p * p;
            updateSq[k] += (double) u * u;
        }
        return new SquaredNorms(LambKernel.combine(paramSq), LambKernel.combine(updateSq));
    }

    @Override
    public void applyFloats(LambCoefficients c, double ratio, MemorySegment param, MemorySegment expAvg,
                            MemorySegment expAvgSq, long from, long to) {
        final float bc1 = (float) c.biasCorrection1(), bc2 = (float) c.biasCorrection2();
        final float eps = (float) c.eps(), wd = (float) c.weightDecay(), negRatio = (float) -ratio;
        for (long i = from; i < to; i++) {
            float p = param.getAtIndex(JAVA_FLOAT, i);
            float m = expAvg.getAtIndex(JAVA_FLOAT, i), v = expAvgSq.getAtIndex(JAVA_FLOAT, i);
            float u = Math.fma(p, wd, (m / bc1) / ((float) Math.sqrt(v / bc2) + eps));
            param.setAtIndex(JAVA_FLOAT, i, Math.fma(u, negRatio, p));
        }
    }

    @Override
    public SquaredNorms momentsDoubles(LambCoefficients c, MemorySegment param, MemorySegment grad,
                                       MemorySegment expAvg, MemorySegment expAvgSq, long from, long to) {
        SquareSums sums = SquareSums.ofThread();
        return momentsDoubles(c, param, grad, expAvg, expAvgSq, from, to, sums.first, sums.second);
    }

    /** Pass 1 on float64 adding into running accumulators (see the float32 overload). */
    public SquaredNorms momentsDoubles(LambCoefficients c, MemorySegment param, MemorySegment grad,
                                       MemorySegment expAvg, MemorySegment expAvgSq, long from, long to,
                                       double[] paramSq, double[] updateSq) {
        final double beta1 = c.beta1(), oneMinusBeta1 = c.oneMinusBeta1();
        final double beta2 = c.beta2(), oneMinusBeta2 = c.oneMinusBeta2();
        final double bc1 = c.biasCorrection1(), bc2 = c.biasCorrection2(), eps = c.eps(), wd = c.weightDecay();
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
            double m = Math.fma(g, oneMinusBeta1, expAvg.getAtIndex(JAVA_DOUBLE, i) * beta1);
            double v = Math.fma(oneMinusBeta2 * g, g, expAvgSq.getAtIndex(JAVA_DOUBLE, i) * beta2);
            expAvg.setAtIndex(JAVA_DOUBLE, i, m);
            expAvgSq.setAtIndex(JAVA_DOUBLE, i, v);
            double u = Math.fma(p, wd, (m / bc1) / (Math.sqrt(v / bc2) + eps));
            int k = (int) ((i - from) & (ACCUMULATORS - 1));
            paramSq[k] += p * p;
            updateSq[k] += u * u;
        }
        return new SquaredNorms(LambKernel.combine(paramSq), LambKernel.combine(updateSq));
    }

    @Override
    public void applyDoubles(LambCoefficients c, double ratio, MemorySegment param, MemorySegment expAvg,
                             MemorySegment expAvgSq, long from, long to) {
        final double bc1 = c.biasCorrection1(), bc2 = c.biasCorrection2(), eps = c.eps(), wd = c.weightDecay();
        for (long i = from; i < to; i++) {
            double p = param.getAtIndex(JAVA_DOUBLE, i);
            double m = expAvg.getAtIndex(JAVA_DOUBLE, i), v = expAvgSq.getAtIndex(JAVA_DOUBLE, i);
            double u = Math.fma(p, wd, (m / bc1) / (Math.sqrt(v / bc2) + eps));
            param.setAtIndex(JAVA_DOUBLE, i, Math.fma(u, -ratio, p));
        }
    }
}
