package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one Adam/AdamW step for one tensor, computed once per step in double precision as
 * torch computes them. Kernels round each to the element type once, outside the element loop.
 *
 * @param beta1                 β1
 * @param oneMinusBeta1         1 - β1
 * @param beta2                 β2
 * @param oneMinusBeta2         1 - β2
 * @param l2WeightDecay         Adam's L2 term, added to the gradient; 0 means the op is skipped, as torch does
 * @param decayFactor           AdamW's decoupled decay 1 - lr·wd; exactly 1 for Adam
 * @param negStepSize           -(lr / (1 - β1^t))
 * @param sqrtBiasCorrection2   sqrt(1 - β2^t)
 * @param eps                   ε
 * @param fastNegStepSize       fast mode: -lr·sqrt(1 - β2^t) / (1 - β1^t)
 * @param fastEps               fast mode: ε·sqrt(1 - β2^t)
 * @param amsgrad               keep and use the running maximum of the second moment
 * @param maximize              ascend instead of descend (negate the gradient)
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record AdamCoefficients(
        double beta1, double oneMinusBeta1,
        double beta2, double oneMinusBeta2,
        double l2WeightDecay, double decayFactor,
        double negStepSize, double sqrtBiasCorrection2, double eps,
        double fastNegStepSize, double fastEps,
        boolean amsgrad, boolean maximize,
        double gradScale, double clipValue) {

    /**
     * Coefficients for step {@code step} (1-based) with the given hyperparameters. Inputs are
     * assumed valid (see {@code AdamConfig}).
     */
    public static AdamCoefficients of(double lr, double beta1, double beta2, double eps, double weightDecay,
                                      boolean decoupledWeightDecay, boolean amsgrad, boolean maximize, long step) {
        // Python float pow, as torch's _single_tensor_adam does with step = state_steps[i].item()
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        double sqrtBc2 = Math.sqrt(biasCorrection2);
        return new AdamCoefficients(
                beta1, 1 - beta1,
                beta2, 1 - beta2,
                decoupledWeightDecay ? 0 : weightDecay,
                decoupledWeightDecay ? 1 - lr * weightDecay : 1,
                -stepSize, sqrtBc2, eps,
                -stepSize * sqrtBc2, eps * sqrtBc2,
                amsgrad, maximize, 1, Double.POSITIVE_INFINITY);
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public AdamCoefficients withGradScale(double gradScale) {
        return new AdamCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, l2WeightDecay, decayFactor, negStepSize, sqrtBiasCorrection2, eps, fastNegStepSize, fastEps, amsgrad, maximize, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public AdamCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new AdamCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, l2WeightDecay, decayFactor, negStepSize, sqrtBiasCorrection2, eps, fastNegStepSize, fastEps, amsgrad, maximize, gradScale, clipValue);
    }
}
