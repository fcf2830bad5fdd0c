package dev.adamant.simd;

import dev.adamant.kernel.ScalarStepStatsKernel;
import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsKernel;

import java.lang.foreign.MemorySegment;

/**
 * The shared end of every fused monitored update loop (the kernels' {@code floatsMonitored} /
 * {@code doublesMonitored}): those loops keep the {@link StepStatsKernel} figures in lane
 * accumulators over blocks of {@link #BLOCK} elements, as {@link VectorStepStatsKernel} does, store
 * each block's five lane sums (Σ g², Σ unclamped g, Σ update², Σ p², Σ |m|, Σ q: {@link #SUMS}) into
 * one array and hand it here, to be added into the double accumulator lane by lane, lane 0 first.
 *
 * <p>Why an array: {@code reduceLanes(ADD)} adds in an order that differs between the interpreter and
 * C2, so the figures would depend on when the JIT compiled the loop (and so on the thread count);
 * and a vector passed to a method C2 does not inline is boxed, an allocation per block. The
 * stores are Vector API intrinsics, always inlined.
 *
 * <p>The loops test no element for finiteness: a NaN or infinite gradient makes the block's Σ g²
 * non-finite, and with a value clamp (which turns ±∞ into the bound) so does the plain sum of the
 * unclamped g that those loops keep. Such a block, or one whose float sum overflowed, has its
 * gradient figures redone exactly from the gradient, which the step does not change.
 */
final class FusedStats {
    /** Elements per block. */
    static final int BLOCK = VectorStepStatsKernel.BLOCK;
    /** Lane sums per block, in this order: Σ g², Σ unclamped g, Σ update², Σ p², Σ |m|, Σ q. */
    static final int SUMS = 6;

    private FusedStats() {
    }

    /**
     * Adds one float32 block {@code [start, end)}: its lane sums ({@link #SUMS} groups of
     * {@code lanes.length / SUMS}) and the second moment's minimum and maximum; the first and second
     * moment figures only where the optimizer reports them.
     */
    static void addFloatBlock(StatsAccumulator into, MemorySegment grad, double gradScale, double gradClamp,
                              long start, long end, float[] lanes, boolean first, boolean second,
                              double secondMin, double secondMax) {
        int n = lanes.length / SUMS;
        double gradSquares = sum(lanes, 0, n);
        if (Double.isFinite(gradSquares) && Double.isFinite(sum(lanes, n, n))) {
            into.gradSquares += gradSquares;
        } else {
            ScalarStepStatsKernel.gradFiguresFloats(grad, gradScale, gradClamp, start, end, into);
        }
        into.updateSquares += sum(lanes, 2 * n, n);
        into.paramSquares += sum(lanes, 3 * n, n);
        if (first) {
            into.firstMomentAbs += sum(lanes, 4 * n, n);
        }
        if (second) {
            into.secondMoment += sum(lanes, 5 * n, n);
            into.secondMomentMin = Math.min(into.secondMomentMin, secondMin);
            into.secondMomentMax = Math.max(into.secondMomentMax, secondMax);
        }
        into.elements += end - start;
    }

    /** {@link #addFloatBlock} for float64 blocks. */
    static void addDoubleBlock(StatsAccumulator into, MemorySegment grad, double gradScale, double gradClamp,
                               long start, long end, double[] lanes, boolean first, boolean second,
                               double secondMin, double secondMax) {
        int n = lanes.length / SUMS;
        double gradSquares = sum(lanes, 0, n);
        if (Double.isFinite(gradSquares) && Double.isFinite(sum(lanes, n, n))) {
            into.gradSquares += gradSquares;
        } else {
            ScalarStepStatsKernel.gradFiguresDoubles(grad, gradScale, gradClamp, start, end, into);
        }
        into.updateSquares += sum(lanes, 2 * n, n);
        into.paramSquares += sum(lanes, 3 * n, n);
        if (first) {
            into.firstMomentAbs += sum(lanes, 4 * n, n);
        }
        if (second) {
            into.secondMoment += sum(lanes, 5 * n, n);
            into.secondMomentMin = Math.min(into.secondMomentMin, secondMin);
            into.secondMomentMax = Math.max(into.secondMomentMax, secondMax);
        }
        into.elements += end - start;
    }

    /** {@code a[from .. from+n)} added in double, in index order. */
    static double sum(float[] a, int from, int n) {
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            sum += a[i];
        }
        return sum;
    }

    static double sum(double[] a, int from, int n) {
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            sum += a[i];
        }
        return sum;
    }
}
