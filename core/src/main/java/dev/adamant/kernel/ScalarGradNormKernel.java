package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/** The scalar reference of {@link GradNormKernel}; vector kernels finish their ranges with it. */
public final class ScalarGradNormKernel implements GradNormKernel {
    public static final ScalarGradNormKernel INSTANCE = new ScalarGradNormKernel();

    private ScalarGradNormKernel() {
    }

    @Override
    public double sumOfSquaresFloats(MemorySegment grad, long from, long to) {
        return LambKernel.combine(sumOfSquaresFloats(grad, from, to, SquareSums.ofThread().first));
    }

    @Override
    public double sumOfSquaresDoubles(MemorySegment grad, long from, long to) {
        return LambKernel.combine(sumOfSquaresDoubles(grad, from, to, SquareSums.ofThread().first));
    }

    /**
     * Adds into running accumulators; {@code from} must lie a multiple of 16 elements after the
     * start of the whole range, so element {@code i} still lands in accumulator {@code (i - start) mod 16}.
     */
    public double[] sumOfSquaresFloats(MemorySegment grad, long from, long to, double[] acc) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(JAVA_FLOAT, i);
            acc[(int) ((i - from) & (ACCUMULATORS - 1))] += g * g;
        }
        return acc;
    }

    /** As {@link #sumOfSquaresFloats(MemorySegment, long, long, double[])}, for float64. */
    public double[] sumOfSquaresDoubles(MemorySegment grad, long from, long to, double[] acc) {
        for (long i = from; i < to; i++) {
            double g = grad.getAtIndex(JAVA_DOUBLE, i);
            acc[(int) ((i - from) & (ACCUMULATORS - 1))] += g * g;
        }
        return acc;
    }

    @Override
    public float maxAbsFloats(MemorySegment grad, long from, long to) {
        float max = 0;
        for (long i = from; i < to; i++) {
            max = Math.max(max, Math.abs(grad.getAtIndex(JAVA_FLOAT, i)));
        }
        return max;
    }

    @Override
    public double maxAbsDoubles(MemorySegment grad, long from, long to) {
        double max = 0;
        for (long i = from; i < to; i++) {
            max = Math.max(max, Math.abs(grad.getAtIndex(JAVA_DOUBLE, i)));
        }
        return max;
    }
}
