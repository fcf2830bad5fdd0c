package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The reductions behind {@code clip_grad_norm_}: per gradient tensor, the sum of squares (for the
 * 2-norm) or the largest magnitude (for the infinity norm) over elements {@code [from, to)}.
 *
 * <p>Sums of squares are accumulated in double in a fixed order that does not depend on the lane
 * width: element {@code i} goes to accumulator {@code (i - from) mod 16}, each a sequential sum of
 * {@code g·g} (exact for float32 elements), and the 16 accumulators are added pairwise
 * ({@link LambKernel#combine}). So every lane width gives the same bits as the scalar reference.
 * The maximum is order-independent; NaN propagates as in {@link Math#max}.
 *
 * <p>Torch reduces in float32 in its own order; the double sum rounded once to float32 is at least
 * as accurate, and the golden files allow 2 ulp on the total norm.
 */
public interface GradNormKernel {

    KernelKind<GradNormKernel> KIND = new KernelKind<>("grad_norm", GradNormKernel.class,
            numerics -> ScalarGradNormKernel.INSTANCE);

    /** Number of interleaved double accumulators of the sums of squares. */
    int ACCUMULATORS = LambKernel.ACCUMULATORS;

    /** Σ g² over a float32 range, in double. */
    double sumOfSquaresFloats(MemorySegment grad, long from, long to);

    /** Σ g² over a float64 range. */
    double sumOfSquaresDoubles(MemorySegment grad, long from, long to);

    /** max |g| over a float32 range; 0 for an empty range, NaN if any element is NaN. */
    float maxAbsFloats(MemorySegment grad, long from, long to);

    /** max |g| over a float64 range; 0 for an empty range, NaN if any element is NaN. */
    double maxAbsDoubles(MemorySegment grad, long from, long to);
}
