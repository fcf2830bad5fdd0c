package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one Adamax step for one tensor, computed once per step in double precision as
 * torch 1.13's {@code _single_tensor_adamax} computes them (Python floats). Kernels round each to
 * the element type once, outside the element loop.
 *
 * @param beta1         β1
 * @param oneMinusBeta1 1 - β1
 * @param beta2         β2
 * @param weightDecay   L2 term added to the gradient; 0 means the op is skipped, as torch does
 * @param negStepSize   -(lr / (1 - β1^t))
 * @param eps           ε, added to |g|
 * @param maximize      ascend instead of descend (negate the gradient)
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record AdamaxCoefficients(double beta1, double oneMinusBeta1, double beta2, double weightDecay,
                                 double negStepSize, double eps, boolean maximize,
        double gradScale, double clipValue) {

    /**
     * Coefficients for step {@code step} (1-based) with the given hyperparameters. Inputs are
     * assumed valid (see {@code AdamaxConfig}).
     */
    public static AdamaxCoefficients of(double lr, double beta1, double beta2, double eps, double weightDecay,
                                        boolean maximize, long step) {
        // Python float pow, with step = state_steps[i].item()
        double biasCorrection = 1 - Math.pow(beta1, step);
        double clr = lr / biasCorrection;
        return new AdamaxCoefficients(beta1, 1 - beta1, beta2, weightDecay, -clr, eps, maximize, 1, Double.POSITIVE_INFINITY);
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public AdamaxCoefficients withGradScale(double gradScale) {
        return new AdamaxCoefficients(beta1, oneMinusBeta1, beta2, weightDecay, negStepSize, eps, maximize, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public AdamaxCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new AdamaxCoefficients(beta1, oneMinusBeta1, beta2, weightDecay, negStepSize, eps, maximize, gradScale, clipValue);
    }
}
