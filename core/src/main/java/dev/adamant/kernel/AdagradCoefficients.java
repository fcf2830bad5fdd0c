package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one Adagrad step for one tensor, computed once per step in double precision as
 * torch 1.13's {@code _single_tensor_adagrad} computes them (Python floats). Kernels round each to
 * the element type once, outside the element loop.
 *
 * @param weightDecay L2 term added to the gradient; 0 means the op is skipped, as torch does
 * @param negClr      -clr, with clr = lr / (1 + (t-1)·lr_decay)
 * @param eps         ε, added to sqrt(sum)
 * @param maximize    ascend instead of descend (negate the gradient)
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record AdagradCoefficients(double weightDecay, double negClr, double eps, boolean maximize,
        double gradScale, double clipValue) {

    /**
     * Coefficients for step {@code step} (1-based) with the given hyperparameters. Inputs are
     * assumed valid (see {@code AdagradConfig}).
     */
    public static AdagradCoefficients of(double lr, double lrDecay, double weightDecay, double eps,
                                         boolean maximize, long step) {
        // torch: step = state_steps[i].item() (a Python float); clr = lr / (1 + (step - 1) * lr_decay)
        double clr = lr / (1 + ((double) step - 1) * lrDecay);
        return new AdagradCoefficients(weightDecay, -clr, eps, maximize, 1, Double.POSITIVE_INFINITY);
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public AdagradCoefficients withGradScale(double gradScale) {
        return new AdagradCoefficients(weightDecay, negClr, eps, maximize, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public AdagradCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new AdagradCoefficients(weightDecay, negClr, eps, maximize, gradScale, clipValue);
    }
}
