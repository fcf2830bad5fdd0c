package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a LAMB step (You et al. 2020, "Large Batch Optimization for Deep Learning";
 * NVIDIA apex FusedLAMB with {@code adam_w_mode}): an Adam direction plus decoupled decay, scaled
 * per tensor by the trust ratio {@code ||p|| / ||u||}. The ratio needs both norms before any
 * parameter changes, so a step is two passes over the tensor:
 * <pre>
 * pass 1, per element:
 *   g = grad * f(gradScale)               only when gradScale != 1 (clipping), first
 *   g = min(max(g, -f(clip)), f(clip))    only when clipValue != ∞ (value clipping), next
 *   m = fma(g, f(1-β1), m * f(β1))
 *   v = fma(f(1-β2) * g, g, v * f(β2))
 *   u = fma(p, f(wd), (m / f(bc1)) / (sqrt(v / f(bc2)) + f(ε)))
 *   accumulate p² and u² in double (see below)
 * per tensor, in double:
 *   ratio = lr · ||p|| / ||u||  when (wd != 0 or always-adapt) and both norms > 0, else lr
 * pass 2, per element:
 *   u as above, from the updated m and v and the unchanged p (the same bits)
 *   p = fma(u, f(-ratio), p)
 * </pre>
 * with {@code bc1 = 1-β1^t}, {@code bc2 = 1-β2^t} (1 without bias correction). The sums of
 * squares use a fixed order that does not depend on the lane width: element {@code i} of the
 * range goes to accumulator {@code (i - from) mod 16}, each a sequential double sum, and the 16
 * accumulators are added pairwise ({@link #combine}). So every lane width gives the same bits. FAST
 * numerics are the same as EXACT.
 *
 * <p>A tensor's norms are summed blockwise, so that a step cut into chunks on any number of
 * threads gives the same bits as one call per tensor: the tensor is cut into blocks of
 * {@link #NORM_BLOCK} elements from its start (the last one shorter), pass 1 runs once per block
 * (the order above within the block), and the blocks' sums are added in block order in double.
 * For tensors of at most {@code NORM_BLOCK} elements that is one call over the whole tensor.
 */
public interface LambKernel {

    KernelKind<LambKernel> KIND = new KernelKind<>("lamb", LambKernel.class, numerics -> ScalarLambKernel.INSTANCE);

    /** Elements per block of a tensor's blockwise norms (see above); a multiple of {@link #ACCUMULATORS}. */
    int NORM_BLOCK = 1 << 15;

    /** Number of interleaved accumulators of the sums of squares. */
    int ACCUMULATORS = 16;

    /** Squared norms of the parameter and of the update over a range, from pass 1. */
    record SquaredNorms(double param, double update) {
    }

    /** Pass 1 on float32 buffers: updates the moments, returns the squared norms. */
    SquaredNorms momentsFloats(LambCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                               MemorySegment expAvgSq, long from, long to);

    /** Pass 2 on float32 buffers: {@code p = fma(u, f(-ratio), p)}. */
    void applyFloats(LambCoefficients c, double ratio, MemorySegment param, MemorySegment expAvg,
                     MemorySegment expAvgSq, long from, long to);

    SquaredNorms momentsDoubles(LambCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                                MemorySegment expAvgSq, long from, long to);

    void applyDoubles(LambCoefficients c, double ratio, MemorySegment param, MemorySegment expAvg,
                      MemorySegment expAvgSq, long from, long to);

    /** The fixed pairwise sum of the 16 accumulators: ((a0+a1)+(a2+a3))+...; allocates nothing. */
    static double combine(double[] accumulators) {
        return pairwise(accumulators, 0, ACCUMULATORS);
    }

    private static double pairwise(double[] a, int from, int n) {
        return n == 1 ? a[from] : pairwise(a, from, n / 2) + pairwise(a, from + n / 2, n / 2);
    }
}
