package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The figures behind step monitoring, and the reduction that computes them after an update: the
 * definition every monitored kernel entry follows (see {@link StepStatsSink}). Vector update kernels
 * compute the same figures inside their update loop from the values in registers; this reduction is
 * the two-pass fallback (scalar kernels, LAMB, vector tails), run on a chunk right after the update
 * kernel wrote it, while it is still in cache, with the chunk's old parameters kept in a
 * cache-resident scratch buffer.
 *
 * <p>Over elements {@code i} in {@code [from, to)}: {@code g = grad[i] * f(gradScale)} (1 leaves it
 * as it is), {@code before = oldParam[i - from]}, {@code p = param[i]}, {@code m = firstMoment[i]},
 * {@code q = secondMoment[i] - center[i]²}. It counts the non-finite g, then clamps the finite ones to
 * {@code [-gradClamp, gradClamp]} (+∞: no clamp), which gives the gradient the step used, and adds
 * Σ g² (finite g only), Σ (p - before)², Σ p², Σ |m|, Σ q, min q and max q (ignoring NaN, which
 * shows in Σ q), the non-finite count and the element count into {@code into}. Each moment segment may be null (nothing added for it).
 *
 * <p>These are monitoring figures, not results a step depends on: sums are accumulated in the
 * element type within short blocks and in double across blocks, and the order depends on the lane
 * width, so widths agree with the scalar reference to a relative 1e-5, not bit for bit. For a given
 * backend and chunking the result is deterministic. A float32 block's sum of squares overflows to
 * +∞ only when it exceeds {@code Float.MAX_VALUE} (values beyond about 1e19); for Σ g², a fused
 * kernel then redoes the block in double, as it does for a block with a non-finite gradient.
 */
public interface StepStatsKernel {

    KernelKind<StepStatsKernel> KIND = new KernelKind<>("step_stats", StepStatsKernel.class,
            numerics -> ScalarStepStatsKernel.INSTANCE);

    void accumulateFloats(MemorySegment oldParam, MemorySegment param, MemorySegment grad, double gradScale, double gradClamp,
                          MemorySegment firstMoment, MemorySegment secondMoment, MemorySegment center,
                          long from, long to, StatsAccumulator into);

    void accumulateDoubles(MemorySegment oldParam, MemorySegment param, MemorySegment grad, double gradScale, double gradClamp,
                           MemorySegment firstMoment, MemorySegment secondMoment, MemorySegment center,
                           long from, long to, StatsAccumulator into);
}
