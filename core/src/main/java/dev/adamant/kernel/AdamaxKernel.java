package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a fused Adamax step ({@code torch.optim.Adamax}): one pass over elements
 * {@code [from, to)} of the parameter, gradient, {@code exp_avg} and {@code exp_inf} buffers,
 * reading each once and writing each once.
 *
 * <p>Exact numerics, per element, with {@code f(x)} the coefficient rounded to the element type:
 * <pre>
 * grad = grad * f(gradScale)             only when gradScale != 1 (clipping), before anything else
 * grad = min(max(grad, -f(clip)), f(clip))   only when clipValue != ∞ (value clipping), next
 * g = maximize ? -grad : grad
 * g = fma(p, f(wd), g)                    wd != 0 only (torch skips the op otherwise)
 * m = fma(g, f(1-β1), m * f(β1))          exp_avg.mul_(β1).add_(g, alpha=1-β1)
 * u = max(u * f(β2), |g| + f(ε))          amax of the two; NaN in either operand gives NaN
 * p = p + (f(-lr/(1-β1^t)) * m) / u       param.addcdiv_(exp_avg, exp_inf, value=-clr)
 * </pre>
 * {@code max} is {@link Math#max} (lane-wise in vector kernels, which the Vector API defines as
 * {@code Math.max}): it returns NaN when either operand is NaN, as torch's {@code amax} does, and
 * orders -0.0 below +0.0 (both operands are never negative here, so that cannot matter).
 *
 * <p>Fast numerics are the same: the update already has a single division and no per-step constant
 * whose folding would save an operation, so {@link Numerics#FAST} gives exactly the
 * {@link Numerics#EXACT} bits.
 *
 * <p>Implementations trust their arguments: buffers are alive, large enough, distinct, aligned
 * and of the right element type (the optimizer checks that).
 */
public interface AdamaxKernel {

    KernelKind<AdamaxKernel> KIND = new KernelKind<>("adamax", AdamaxKernel.class, ScalarAdamaxKernel::of);

    /** float32 buffers; element indices, not byte offsets. */
    void updateFloats(AdamaxCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                      MemorySegment expInf, long from, long to);

    /** float64 buffers; element indices, not byte offsets. */
    void updateDoubles(AdamaxCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                       MemorySegment expInf, long from, long to);

    /**
     * {@link #updateFloats}, the same bits, also adding the range's monitoring figures
     * ({@link StepStatsKernel}) into {@code stats}: first moment {@code exp_avg}, second moment {@code exp_inf}; the gradient after the
     * coefficients' gradScale and clipValue. The default runs the update between the two halves of
     * the {@link StepStatsSink} fallback.
     */
    default void updateFloats(AdamaxCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment expAvg, MemorySegment expInf, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, expAvg, expInf, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Float.BYTES);
        updateFloats(c, param, grad, expAvg, expInf, from, to);
        stats.accumulateFloats(param, grad, from, to);
    }

    /** {@link #updateDoubles} with monitoring, as the float32 entry. */
    default void updateDoubles(AdamaxCoefficients c, MemorySegment param, MemorySegment grad,
                               MemorySegment expAvg, MemorySegment expInf, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, expAvg, expInf, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Double.BYTES);
        updateDoubles(c, param, grad, expAvg, expInf, from, to);
        stats.accumulateDoubles(param, grad, from, to);
    }
}
