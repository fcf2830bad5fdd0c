package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/** The scalar reference of {@link StepStatsKernel}: every sum in double, element by element. */
public final class ScalarStepStatsKernel implements StepStatsKernel {
    public static final ScalarStepStatsKernel INSTANCE = new ScalarStepStatsKernel();

    private ScalarStepStatsKernel() {
    }

    @Override
    public void accumulateFloats(MemorySegment oldParam, MemorySegment param, MemorySegment grad, double gradScale, double gradClamp,
                                 MemorySegment firstMoment, MemorySegment secondMoment, MemorySegment center,
                                 long from, long to, StatsAccumulator into) {
        gradFiguresFloats(grad, gradScale, gradClamp, from, to, into);
        for (long i = from; i < to; i++) {
            double p = param.getAtIndex(JAVA_FLOAT, i);
            double update = p - oldParam.getAtIndex(JAVA_FLOAT, i - from);
            into.updateSquares += update * update;
            into.paramSquares += p * p;
            if (firstMoment != null) {
                into.firstMomentAbs += Math.abs(firstMoment.getAtIndex(JAVA_FLOAT, i));
            }
            if (secondMoment != null) {
                float q = secondMoment.getAtIndex(JAVA_FLOAT, i);
                if (center != null) {
                    float c = center.getAtIndex(JAVA_FLOAT, i);
                    q -= c * c;
                }
                second(into, q);
            }
        }
        into.elements += to - from;
    }

    @Override
    public void accumulateDoubles(MemorySegment oldParam, MemorySegment param, MemorySegment grad, double gradScale, double gradClamp,
                                  MemorySegment firstMoment, MemorySegment secondMoment, MemorySegment center,
                                  long from, long to, StatsAccumulator into) {
        gradFiguresDoubles(grad, gradScale, gradClamp, from, to, into);
        for (long i = from; i < to; i++) {
            double p = param.getAtIndex(JAVA_DOUBLE, i);
            double update = p - oldParam.getAtIndex(JAVA_DOUBLE, i - from);
            into.updateSquares += update * update;
            into.paramSquares += p * p;
            if (firstMoment != null) {
                into.firstMomentAbs += Math.abs(firstMoment.getAtIndex(JAVA_DOUBLE, i));
            }
            if (secondMoment != null) {
                double q = secondMoment.getAtIndex(JAVA_DOUBLE, i);
                if (center != null) {
                    double c = center.getAtIndex(JAVA_DOUBLE, i);
                    q -= c * c;
                }
                second(into, q);
            }
        }
        into.elements += to - from;
    }

    /**
     * The gradient's figures alone: counts the non-finite {@code g = grad[i] * f(gradScale)}, clamps
     * the finite ones to {@code [-gradClamp, gradClamp]} and adds their squares in double. Fused
     * vector kernels redo a block with it when their float sum of squares is not finite (a NaN or
     * infinite gradient, or an overflow).
     */
    public static void gradFiguresFloats(MemorySegment grad, double gradScale, double gradClamp, long from, long to,
                                         StatsAccumulator into) {
        float scale = (float) gradScale, clamp = (float) gradClamp;
        boolean scaled = gradScale != 1;
        for (long i = from; i < to; i++) {
            float g = grad.getAtIndex(JAVA_FLOAT, i);
            if (scaled) g *= scale;
            if (Float.isFinite(g)) {
                g = Math.min(Math.max(g, -clamp), clamp);
                into.gradSquares += (double) g * g;
            } else {
                into.nonFiniteGrads++;
            }
        }
    }

    /** {@link #gradFiguresFloats} for float64 gradients. */
    public static void gradFiguresDoubles(MemorySegment grad, double gradScale, double gradClamp, long from, long to,
                                          StatsAccumulator into) {
        boolean scaled = gradScale != 1;
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(JAVA_DOUBLE, i);
            if (scaled) g *= gradScale;
            if (Double.isFinite(g)) {
                g = Math.min(Math.max(g, -gradClamp), gradClamp);
                into.gradSquares += g * g;
            } else {
                into.nonFiniteGrads++;
            }
        }
    }

    private static void second(StatsAccumulator into, double q) {
        into.secondMoment += q;
        // NaN is in neither (it shows in the sum); vector kernels compare and blend the same way
        if (q < into.secondMomentMin) into.secondMomentMin = q;
        if (q > into.secondMomentMax) into.secondMomentMax = q;
    }
}
