package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The contract of a fused RMSprop step ({@code torch.optim.RMSprop}): one pass over elements
 * {@code [from, to)} of the parameter, gradient and state buffers.
 *
 * <p>Exact numerics, per element, with {@code f(x)} the coefficient rounded to the element type:
 * <pre>
 * grad = grad * f(gradScale)             only when gradScale != 1 (clipping), before anything else
 * grad = min(max(grad, -f(clip)), f(clip))   only when clipValue != ∞ (value clipping), next
 * g = maximize ? -grad : grad
 * g = fma(p, f(wd), g)                          only when wd != 0 (torch skips the op)
 * sq = fma(f(1-α) * g, g, sq * f(α))            square_avg.mul_(α).addcmul_(g, g, value=1-α)
 * if centered:
 *     ga = fma(g, f(1-α), ga * f(α))            grad_avg.mul_(α).add_(g, alpha=1-α)
 *     avg = sqrt(fma(-ga, ga, sq))              square_avg.addcmul(ga, ga, value=-1).sqrt_()
 * else:
 *     avg = sqrt(sq)
 * avg = avg + f(ε)
 * if momentum > 0:
 *     buf = buf * f(momentum) + g / avg         buf.mul_(momentum).addcdiv_(g, avg)
 *     p = fma(buf, f(-lr), p)                   param.add_(buf, alpha=-lr)
 * else:
 *     p = p + (f(-lr) * g) / avg                param.addcdiv_(g, avg, value=-lr)
 * </pre>
 * Fast numerics are the same as exact: RMSprop has no bias correction, so there is no per-step
 * constant to fold into the one division per element it needs; {@link Numerics#FAST} gives the
 * exact bits.
 *
 * <p>Implementations trust their arguments: buffers are alive, large enough, distinct, aligned
 * and of the right element type. {@code gradAvg} is null unless {@link RmsPropCoefficients#centered()},
 * {@code momentumBuffer} null unless {@link RmsPropCoefficients#useMomentum()}.
 */
public interface RmsPropKernel {

    KernelKind<RmsPropKernel> KIND = new KernelKind<>("rmsprop", RmsPropKernel.class, ScalarRmsPropKernel::of);

    /** float32 buffers; element indices, not byte offsets. */
    void updateFloats(RmsPropCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment squareAvg,
                      MemorySegment gradAvg, MemorySegment momentumBuffer, long from, long to);

    /** float64 buffers; element indices, not byte offsets. */
    void updateDoubles(RmsPropCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment squareAvg,
                       MemorySegment gradAvg, MemorySegment momentumBuffer, long from, long to);

    /**
     * {@link #updateFloats}, the same bits, also adding the range's monitoring figures
     * ({@link StepStatsKernel}) into {@code stats}: first moment the momentum buffer (with momentum), second moment {@code square_avg} minus {@code grad_avg}² when centered; the gradient after the
     * coefficients' gradScale and clipValue. The default runs the update between the two halves of
     * the {@link StepStatsSink} fallback.
     */
    default void updateFloats(RmsPropCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment squareAvg, MemorySegment gradAvg, MemorySegment momentumBuffer, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, squareAvg, gradAvg, momentumBuffer, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Float.BYTES);
        updateFloats(c, param, grad, squareAvg, gradAvg, momentumBuffer, from, to);
        stats.accumulateFloats(param, grad, from, to);
    }

    /** {@link #updateDoubles} with monitoring, as the float32 entry. */
    default void updateDoubles(RmsPropCoefficients c, MemorySegment param, MemorySegment grad,
                               MemorySegment squareAvg, MemorySegment gradAvg, MemorySegment momentumBuffer, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, squareAvg, gradAvg, momentumBuffer, from, to);
            return;
        }
        stats.saveOldParams(param, from, to, Double.BYTES);
        updateDoubles(c, param, grad, squareAvg, gradAvg, momentumBuffer, from, to);
        stats.accumulateDoubles(param, grad, from, to);
    }
}
