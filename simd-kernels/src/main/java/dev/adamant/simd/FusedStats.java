package dev.adamant.simd;

import dev.adamant.kernel.ScalarStepStatsKernel;
import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsKernel;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;

/**
 * The shared end of every fused monitored update loop (the kernels' {@code floatsMonitored} /
 * {@code doublesMonitored}): those loops keep the {@link StepStatsKernel} figures in lane
 * accumulators over blocks of {@link #BLOCK} elements, as {@link VectorStepStatsKernel} does, and
 * hand each block's lanes here, to be added into the double accumulator.
 *
 * <p>The loops test no element for finiteness: a NaN or infinite gradient makes the block's Σ g²
 * non-finite, and with a value clamp (which turns ±∞ into the bound) so does the plain sum of the
 * unclamped g that those loops keep. Such a block, or one whose float sum overflowed, has its
 * gradient figures redone exactly from the gradient, which the step does not change.
 */
final class FusedStats {
    /** Elements per block. */
    static final int BLOCK = VectorStepStatsKernel.BLOCK;

    private FusedStats() {
    }

    /**
     * Adds one float32 block {@code [start, end)}: the lane sums, minima and maxima of its figures;
     * the first and second moment ones only where the optimizer reports them.
     */
    static void addFloatBlock(StatsAccumulator into, MemorySegment grad, double gradScale, double gradClamp,
                              long start, long end, FloatVector gradSquares, FloatVector unclampedSum,
                              FloatVector updateSquares, FloatVector paramSquares, boolean first, FloatVector firstAbs,
                              boolean second, FloatVector secondSum, FloatVector secondMin, FloatVector secondMax) {
        double blockGradSquares = sum(gradSquares);
        if (Double.isFinite(blockGradSquares) && Double.isFinite(sum(unclampedSum))) {
            into.gradSquares += blockGradSquares;
        } else {
            ScalarStepStatsKernel.gradFiguresFloats(grad, gradScale, gradClamp, start, end, into);
        }
        into.updateSquares += sum(updateSquares);
        into.paramSquares += sum(paramSquares);
        if (first) {
            into.firstMomentAbs += sum(firstAbs);
        }
        if (second) {
            into.secondMoment += sum(secondSum);
            into.secondMomentMin = Math.min(into.secondMomentMin, secondMin.reduceLanes(MIN));
            into.secondMomentMax = Math.max(into.secondMomentMax, secondMax.reduceLanes(MAX));
        }
        into.elements += end - start;
    }

    /**
     * The lanes' sum in double, lane 0 first. Not {@code reduceLanes(ADD)}: its order is unspecified
     * and differs between the interpreter and C2, so the figures would depend on when the JIT
     * compiled the loop (and so on the thread count, which changes that).
     */
    static double sum(FloatVector v) {
        double sum = 0;
        for (int i = 0; i < v.length(); i++) {
            sum += v.lane(i);
        }
        return sum;
    }

    /** {@link #sum(FloatVector)} for doubles. */
    static double sum(DoubleVector v) {
        double sum = 0;
        for (int i = 0; i < v.length(); i++) {
            sum += v.lane(i);
        }
        return sum;
    }

    /** {@link #addFloatBlock} for float64 blocks. */
    static void addDoubleBlock(StatsAccumulator into, MemorySegment grad, double gradScale, double gradClamp,
                               long start, long end, DoubleVector gradSquares, DoubleVector unclampedSum,
                               DoubleVector updateSquares, DoubleVector paramSquares, boolean first, DoubleVector firstAbs,
                               boolean second, DoubleVector secondSum, DoubleVector secondMin, DoubleVector secondMax) {
        double blockGradSquares = sum(gradSquares);
        if (Double.isFinite(blockGradSquares) && Double.isFinite(sum(unclampedSum))) {
            into.gradSquares += blockGradSquares;
        } else {
            ScalarStepStatsKernel.gradFiguresDoubles(grad, gradScale, gradClamp, start, end, into);
        }
        into.updateSquares += sum(updateSquares);
        into.paramSquares += sum(paramSquares);
        if (first) {
            into.firstMomentAbs += sum(firstAbs);
        }
        if (second) {
            into.secondMoment += sum(secondSum);
            into.secondMomentMin = Math.min(into.secondMomentMin, secondMin.reduceLanes(MIN));
            into.secondMomentMax = Math.max(into.secondMomentMax, secondMax.reduceLanes(MAX));
        }
        into.elements += end - start;
    }
}
