package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a fused Lion step (Chen et al. 2023, "Symbolic Discovery of Optimization
 * Algorithms", Algorithm 2): the update is the sign of an interpolation of momentum and gradient,
 * with decoupled weight decay. Per element, with {@code f(x)} the coefficient rounded to the
 * element type and torch-style fused {@code add(alpha=)}:
 * <pre>
 * grad = grad * f(gradScale)             only when gradScale != 1 (clipping), before anything else
 * grad = min(max(grad, -f(clip)), f(clip))   only when clipValue != ∞ (value clipping), next
 * g = maximize ? -grad : grad
 * c = fma(g, f(1-β1), m * f(β1))          interpolation used for the update
 * p = p * f(1 - lr·wd)                    decoupled decay (skipped when wd = 0)
 * p = fma(sign(c), f(-lr), p)             sign(±0) = ±0, sign(NaN) = NaN
 * m = fma(g, f(1-β2), m * f(β2))          momentum, with the other beta
 * </pre>
 * No division or square root: FAST numerics are the same as EXACT.
 */
public interface LionKernel {

    KernelKind<LionKernel> KIND = new KernelKind<>("lion", LionKernel.class, numerics -> ScalarLionKernel.INSTANCE);

    void updateFloats(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                      long from, long to);

    void updateDoubles(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                       long from, long to);

    /**
     * {@link #updateFloats}, the same bits, also adding the range's monitoring figures
     * ({@link StepStatsKernel}) into {@code stats}: first moment the new {@code exp_avg}, no second moment; the gradient after the
     * coefficients' gradScale and clipValue. The default runs the update between the two halves of
     * the {@link StepStatsSink} fallback.
     */
    default void updateFloats(LionCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment expAvg, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, expAvg, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Float.BYTES);
        updateFloats(c, param, grad, expAvg, from, to);
        stats.accumulateFloats(param, grad, from, to);
    }

    /** {@link #updateDoubles} with monitoring, as the float32 entry. */
    default void updateDoubles(LionCoefficients c, MemorySegment param, MemorySegment grad,
                               MemorySegment expAvg, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, expAvg, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Double.BYTES);
        updateDoubles(c, param, grad, expAvg, from, to);
        stats.accumulateDoubles(param, grad, from, to);
    }
}
