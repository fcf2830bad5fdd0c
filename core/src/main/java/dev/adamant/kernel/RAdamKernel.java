package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a fused RAdam step (torch 1.13's {@code _single_tensor_radam}, which adds ε when
 * rectified; the 1.13 foreach path forgets it): one pass over elements {@code [from, to)} of the
 * parameter, gradient and state buffers, reading each once and writing each once. Which branch
 * runs is decided once per step ({@link RAdamCoefficients#rectified()}).
 *
 * <p>Exact numerics, per element, with {@code f(x)} the coefficient rounded to the element type:
 * <pre>
 * grad = grad * f(gradScale)             only when gradScale != 1 (clipping), before anything else
 * grad = min(max(grad, -f(clip)), f(clip))   only when clipValue != ∞ (value clipping), next
 * g = fma(p, f(wd), grad)                 wd != 0 (L2; skipped when wd == 0)
 * m = fma(g, f(1-β1), m * f(β1))
 * v = fma(f(1-β2) * g, g, v * f(β2))
 * bcm = m / f(bc1)
 * rectified:   a = (1 / (sqrt(v) + f(ε))) * f(sqrt(bc2))      python_scalar / tensor = reciprocal(t) * f(s)
 *              p = p - (((bcm * f(lr)) * a) * f(r))
 * otherwise:   p = p - bcm * f(lr)
 * </pre>
 * Fast numerics fold lr, r, sqrt(bc2) and bc1 into one step size:
 * <pre>
 * rectified:   p = p + (f(-(lr·r·sqrt(bc2)/bc1)) * m) / (sqrt(v) + f(ε))
 * otherwise:   p = fma(m, f(-(lr/bc1)), p)
 * </pre>
 * one division per element instead of two (rectified) or none instead of one; the moments are
 * identical in both modes.
 *
 * <p>Implementations trust their arguments: buffers are alive, large enough, distinct, aligned
 * and of the right element type (the optimizer checks that).
 */
public interface RAdamKernel {

    KernelKind<RAdamKernel> KIND = new KernelKind<>("radam", RAdamKernel.class, ScalarRAdamKernel::of);

    /** float32 buffers; element indices, not byte offsets. */
    void updateFloats(RAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                      MemorySegment expAvgSq, long from, long to);

    /** float64 buffers; element indices, not byte offsets. */
    void updateDoubles(RAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                       MemorySegment expAvgSq, long from, long to);

    /**
     * {@link #updateFloats}, the same bits, also adding the range's monitoring figures
     * ({@link StepStatsKernel}) into {@code stats}: first moment {@code exp_avg}, second moment {@code exp_avg_sq}; the gradient after the
     * coefficients' gradScale and clipValue. The default runs the update between the two halves of
     * the {@link StepStatsSink} fallback.
     */
    default void updateFloats(RAdamCoefficients c, MemorySegment param, MemorySegment grad,
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
    default void updateDoubles(RAdamCoefficients c, MemorySegment param, MemorySegment grad,
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
