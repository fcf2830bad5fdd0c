package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a fused Adam/AdamW step: one pass over elements {@code [from, to)} of the
 * parameter, gradient and state buffers, reading each once and writing each once.
 *
 * <p>Exact numerics, per element, with {@code f(x)} the coefficient rounded to the element type:
 * <pre>
 * grad = grad * f(gradScale)             only when gradScale != 1 (clipping), before anything else
 * grad = min(max(grad, -f(clip)), f(clip))   only when clipValue != ∞ (value clipping), next
 * g = maximize ? -grad : grad
 * g = fma(p, f(wd), g)                    Adam with wd != 0 (L2)
 * p = p * f(1 - lr·wd)                    AdamW (decoupled), before the moments
 * m = fma(g, f(1-β1), m * f(β1))
 * v = fma(f(1-β2) * g, g, v * f(β2))
 * vmax = max(vmax, v)                     amsgrad; v̂ = amsgrad ? vmax : v
 * denom = sqrt(v̂) / f(sqrt(1-β2^t)) + f(ε)
 * p = p + (f(-lr/(1-β1^t)) * m) / denom
 * </pre>
 * Fast numerics replace the last two lines by
 * <pre>
 * denom = sqrt(v̂) + f(ε·sqrt(1-β2^t))
 * p = p + (f(-lr·sqrt(1-β2^t)/(1-β1^t)) * m) / denom      Adam
 * p = fma(p, f(1 - lr·wd), (f(-lr·sqrt(1-β2^t)/(1-β1^t)) * m) / denom)   AdamW, decay fused
 * </pre>
 * which is the same quantity with one division per element instead of two; the moments are
 * identical in both modes.
 *
 * <p>Implementations trust their arguments: buffers are alive, large enough, distinct, aligned
 * and of the right element type ({@code AdamUpdate} and the optimizers check that).
 * {@code maxExpAvgSq} is null unless {@link AdamCoefficients#amsgrad()}.
 */
public interface AdamKernel {

    KernelKind<AdamKernel> KIND = new KernelKind<>("adam", AdamKernel.class, ScalarAdamKernel::of);

    /** float32 buffers; element indices, not byte offsets. */
    void updateFloats(AdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                      MemorySegment expAvgSq, MemorySegment maxExpAvgSq, long from, long to);

    /** float64 buffers; element indices, not byte offsets. */
    void updateDoubles(AdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                       MemorySegment expAvgSq, MemorySegment maxExpAvgSq, long from, long to);

    /**
     * {@link #updateFloats}, the same bits, also adding the range's monitoring figures
     * ({@link StepStatsKernel}) into {@code stats}: first moment {@code exp_avg}, second moment
     * {@code v̂} ({@code max_exp_avg_sq} with amsgrad, else {@code exp_avg_sq}), the gradient after
     * the coefficients' gradScale and clipValue. The default runs the update between the two halves
     * of the {@link StepStatsSink} fallback.
     */
    default void updateFloats(AdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                              MemorySegment expAvgSq, MemorySegment maxExpAvgSq, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, expAvg, expAvgSq, maxExpAvgSq, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Float.BYTES);
        updateFloats(c, param, grad, expAvg, expAvgSq, maxExpAvgSq, from, to);
        stats.accumulateFloats(param, grad, from, to);
    }

    /** {@link #updateDoubles} with monitoring, as {@link #updateFloats(AdamCoefficients, MemorySegment, MemorySegment, MemorySegment, MemorySegment, MemorySegment, long, long, StepStatsSink)}. */
    default void updateDoubles(AdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                               MemorySegment expAvgSq, MemorySegment maxExpAvgSq, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, expAvg, expAvgSq, maxExpAvgSq, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Double.BYTES);
        updateDoubles(c, param, grad, expAvg, expAvgSq, maxExpAvgSq, from, to);
        stats.accumulateDoubles(param, grad, from, to);
    }
}
