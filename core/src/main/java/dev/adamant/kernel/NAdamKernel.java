package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a fused NAdam step (torch ≥ 2.0 semantics, bit for bit torch 1.13's foreach path
 * {@code _multi_tensor_nadam}): one pass over elements {@code [from, to)} of the parameter, gradient
 * and state buffers, reading each once and writing each once. The per-step scalars, including the
 * float32 {@code mu_product}, are in {@link NAdamCoefficients}; the caller keeps {@code mu_product}.
 *
 * <p>Exact numerics, per element, with {@code f(x)} the coefficient rounded to the element type:
 * <pre>
 * grad = grad * f(gradScale)             only when gradScale != 1 (clipping), before anything else
 * grad = min(max(grad, -f(clip)), f(clip))   only when clipValue != ∞ (value clipping), next
 * g = fma(p, f(wd), grad)                 wd != 0 (L2; skipped when wd == 0)
 * m = fma(g, f(1-β1), m * f(β1))
 * v = fma(f(1-β2) * g, g, v * f(β2))
 * denom = sqrt(v) / f(sqrt(1-β2^t)) + f(ε)
 * p = p + (f(negGradStepSize) * g) / denom            param.addcdiv_(grad, denom, value)
 * p = p + (f(negExpAvgStepSize) * m) / denom          param.addcdiv_(exp_avg, denom, value)
 * </pre>
 * Fast numerics fold sqrt(1-β2^t) into the two step sizes and ε, and add both terms at once:
 * <pre>
 * denom = sqrt(v) + f(ε·sqrt(1-β2^t))
 * p = p + fma(f(negGradStepSize·sqrt(1-β2^t)), g, f(negExpAvgStepSize·sqrt(1-β2^t)) * m) / denom
 * </pre>
 * the same quantity with one division per element instead of three (and one rounding of p instead
 * of two); the moments are identical in both modes.
 *
 * <p>Implementations trust their arguments: buffers are alive, large enough, distinct, aligned
 * and of the right element type (the optimizer checks that).
 */
public interface NAdamKernel {

    KernelKind<NAdamKernel> KIND = new KernelKind<>("nadam", NAdamKernel.class, ScalarNAdamKernel::of);

    /** float32 buffers; element indices, not byte offsets. */
    void updateFloats(NAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                      MemorySegment expAvgSq, long from, long to);

    /** float64 buffers; element indices, not byte offsets. */
    void updateDoubles(NAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                       MemorySegment expAvgSq, long from, long to);

    /**
     * {@link #updateFloats}, the same bits, also adding the range's monitoring figures
     * ({@link StepStatsKernel}) into {@code stats}: first moment {@code exp_avg}, second moment {@code exp_avg_sq}; the gradient after the
     * coefficients' gradScale and clipValue. The default runs the update between the two halves of
     * the {@link StepStatsSink} fallback.
     */
    default void updateFloats(NAdamCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment expAvg, MemorySegment expAvgSq, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, expAvg, expAvgSq, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Float.BYTES);
        updateFloats(c, param, grad, expAvg, expAvgSq, from, to);
        stats.accumulateFloats(param, grad, from, to);
    }

    /** {@link #updateDoubles} with monitoring, as the float32 entry. */
    default void updateDoubles(NAdamCoefficients c, MemorySegment param, MemorySegment grad,
                               MemorySegment expAvg, MemorySegment expAvgSq, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, expAvg, expAvgSq, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Double.BYTES);
        updateDoubles(c, param, grad, expAvg, expAvgSq, from, to);
        stats.accumulateDoubles(param, grad, from, to);
    }
}
