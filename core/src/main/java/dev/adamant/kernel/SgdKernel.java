package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a fused SGD step ({@code torch.optim.SGD}): one pass over elements
 * {@code [from, to)} of the parameter, gradient and (with momentum) momentum buffer.
 *
 * <p>Exact numerics, per element, with {@code f(x)} the coefficient rounded to the element type:
 * <pre>
 * grad = grad * f(gradScale)             only when gradScale != 1 (clipping), before anything else
 * grad = min(max(grad, -f(clip)), f(clip))   only when clipValue != ∞ (value clipping), next
 * d = maximize ? -grad : grad
 * d = fma(p, f(wd), d)                          only when wd != 0 (torch skips the op)
 * if momentum != 0:
 *     buf = firstStep ? d                       torch's clone: no dampening on the first step
 *                     : fma(d, f(1-dampening), buf * f(momentum))
 *     d = nesterov ? fma(buf, f(momentum), d) : buf
 * p = fma(d, f(-lr), p)                         param.add_(d, alpha=-lr)
 * </pre>
 * Fast numerics are the same as exact: there is no division and no per-step constant worth
 * folding, so {@link Numerics#FAST} gives the exact bits.
 *
 * <p>Implementations trust their arguments: buffers are alive, large enough, distinct, aligned
 * and of the right element type. {@code momentumBuffer} is null unless
 * {@link SgdCoefficients#useMomentum()}.
 */
public interface SgdKernel {

    KernelKind<SgdKernel> KIND = new KernelKind<>("sgd", SgdKernel.class, ScalarSgdKernel::of);

    /** float32 buffers; element indices, not byte offsets. */
    void updateFloats(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                      long from, long to);

    /** float64 buffers; element indices, not byte offsets. */
    void updateDoubles(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                       long from, long to);

    /**
     * {@link #updateFloats}, the same bits, also adding the range's monitoring figures
     * ({@link StepStatsKernel}) into {@code stats}: first moment the momentum buffer (with momentum), no second moment; the gradient after the
     * coefficients' gradScale and clipValue. The default runs the update between the two halves of
     * the {@link StepStatsSink} fallback.
     */
    default void updateFloats(SgdCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment momentumBuffer, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, momentumBuffer, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Float.BYTES);
        updateFloats(c, param, grad, momentumBuffer, from, to);
        stats.accumulateFloats(param, grad, from, to);
    }

    /** {@link #updateDoubles} with monitoring, as the float32 entry. */
    default void updateDoubles(SgdCoefficients c, MemorySegment param, MemorySegment grad,
                               MemorySegment momentumBuffer, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, momentumBuffer, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Double.BYTES);
        updateDoubles(c, param, grad, momentumBuffer, from, to);
        stats.accumulateDoubles(param, grad, from, to);
    }
}
