package dev.adamant.optim;

import dev.adamant.kernel.StatsAccumulator;

/**
 * What one step did to a set of elements (a parameter group or one tensor).
 *
 * @param elements           elements updated
 * @param gradNorm           L2 norm of the gradient as the step used it (after unscaling and
 *                           clipping), over its finite elements
 * @param updateNorm         L2 norm of {@code p_after - p_before}
 * @param paramNorm          L2 norm of the parameters after the step
 * @param meanAbsFirstMoment mean |first moment| after the step ({@code exp_avg}; SGD's and
 *                           RMSprop's {@code momentum_buffer}); NaN for optimizers without one
 * @param meanSecondMoment   mean second moment after the step, the one in the update's
 *                           denominator ({@code exp_avg_sq}, or {@code max_exp_avg_sq} with amsgrad;
 *                           RMSprop's {@code square_avg} minus {@code grad_avg²} when centered;
 *                           Adagrad's {@code sum}; Adamax's {@code exp_inf}); NaN without one
 * @param effectiveLrMin     smallest per-element learning rate the step applied,
 *                           {@code lr / (sqrt(v̂) + eps)} for the adaptive optimizers (each optimizer's
 *                           own denominator and bias correction); {@code lr} for SGD and Lion
 * @param effectiveLrMax     the largest
 * @param nonFiniteGrads     gradient elements that were NaN or ±Inf
 */
public record UpdateStats(long elements, double gradNorm, double updateNorm, double paramNorm,
                          double meanAbsFirstMoment, double meanSecondMoment,
                          double effectiveLrMin, double effectiveLrMax, long nonFiniteGrads) {

    /** {@code updateNorm / paramNorm}: the relative size of the step (NaN when both are 0). */
    public double updateToParamRatio() {
        return updateNorm / paramNorm;
    }

    /** A skipped step's entry: only {@code elements} and {@code nonFiniteGrads}; every figure NaN. */
    static UpdateStats skipped(long elements, long nonFiniteGrads) {
        double nan = Double.NaN;
        return new UpdateStats(elements, nan, nan, nan, nan, nan, nan, nan, nonFiniteGrads);
    }

    static UpdateStats of(StatsAccumulator a, boolean firstMoment, boolean secondMoment,
                          double effectiveLrMin, double effectiveLrMax) {
        double n = a.elements;
        return new UpdateStats(a.elements, Math.sqrt(a.gradSquares), Math.sqrt(a.updateSquares),
                Math.sqrt(a.paramSquares), firstMoment ? a.firstMomentAbs / n : Double.NaN,
                secondMoment ? a.secondMoment / n : Double.NaN, effectiveLrMin, effectiveLrMax, a.nonFiniteGrads);
    }
}
