package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a fused Adagrad step ({@code torch.optim.Adagrad}): one pass over elements
 * {@code [from, to)} of the parameter, gradient and {@code sum} buffers, reading each once and
 * writing each once.
 *
 * <p>Exact numerics, per element, with {@code f(x)} the coefficient rounded to the element type:
 * <pre>
 * grad = grad * f(gradScale)             only when gradScale != 1 (clipping), before anything else
 * grad = min(max(grad, -f(clip)), f(clip))   only when clipValue != ∞ (value clipping), next
 * g = maximize ? -grad : grad
 * g = fma(p, f(wd), g)                    wd != 0 only (torch skips the op otherwise)
 * sum = fma(g, g, sum)                    sum.addcmul_(g, g, value=1)
 * std = sqrt(sum) + f(ε)
 * p = p + (f(-clr) * g) / std             clr = lr / (1 + (t-1)·lr_decay), in double
 * </pre>
 * Fast numerics are the same: the update already has a single division and no per-step constant
 * whose folding would save an operation, so {@link Numerics#FAST} gives exactly the
 * {@link Numerics#EXACT} bits.
 *
 * <p>Implementations trust their arguments: buffers are alive, large enough, distinct, aligned
 * and of the right element type (the optimizer checks that).
 */
public interface AdagradKernel {

    KernelKind<AdagradKernel> KIND = new KernelKind<>("adagrad", AdagradKernel.class, ScalarAdagradKernel::of);

    /** float32 buffers; element indices, not byte offsets. */
    void updateFloats(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                      long from, long to);

    /** float64 buffers; element indices, not byte offsets. */
    void updateDoubles(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                       long from, long to);

    /**
     * {@link #updateFloats}, the same bits, also adding the range's monitoring figures
     * ({@link StepStatsKernel}) into {@code stats}: no first moment, second moment {@code sum}; the gradient after the
     * coefficients' gradScale and clipValue. The default runs the update between the two halves of
     * the {@link StepStatsSink} fallback.
     */
    default void updateFloats(AdagradCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment sum, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, sum, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Float.BYTES);
        updateFloats(c, param, grad, sum, from, to);
        stats.accumulateFloats(param, grad, from, to);
    }

    /** {@link #updateDoubles} with monitoring, as the float32 entry. */
    default void updateDoubles(AdagradCoefficients c, MemorySegment param, MemorySegment grad,
                               MemorySegment sum, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, sum, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Double.BYTES);
        updateDoubles(c, param, grad, sum, from, to);
        stats.accumulateDoubles(param, grad, from, to);
    }
}
