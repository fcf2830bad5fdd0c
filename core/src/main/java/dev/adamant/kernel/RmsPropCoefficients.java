package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one RMSprop step for one tensor, as torch computes them (Python doubles). Kernels
 * round each to the element type once, outside the element loop.
 *
 * @param alpha         smoothing constant α
 * @param oneMinusAlpha 1 - α
 * @param eps           ε, added after the square root
 * @param weightDecay   L2 term added to the gradient; 0 means the op is skipped, as torch does
 * @param momentum      momentum factor; 0 means no momentum buffer (torch: {@code momentum > 0})
 * @param negLr         -lr
 * @param centered      normalise by the centred second moment (keeps {@code grad_avg})
 * @param maximize      ascend instead of descend (negate the gradient)
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record RmsPropCoefficients(double alpha, double oneMinusAlpha, double eps, double weightDecay,
                                  double momentum, double negLr, boolean centered, boolean maximize,
        double gradScale, double clipValue) {

    /** Coefficients for one step; inputs are assumed valid (see {@code RmsPropConfig}). */
    public static RmsPropCoefficients of(double lr, double alpha, double eps, double weightDecay, double momentum,
                                         boolean centered, boolean maximize) {
        return new RmsPropCoefficients(alpha, 1 - alpha, eps, weightDecay, momentum, -lr, centered, maximize, 1, Double.POSITIVE_INFINITY);
    }

    /** Whether this step keeps a momentum buffer (torch: {@code momentum > 0}). */
    public boolean useMomentum() {
        return momentum > 0;
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public RmsPropCoefficients withGradScale(double gradScale) {
        return new RmsPropCoefficients(alpha, oneMinusAlpha, eps, weightDecay, momentum, negLr, centered, maximize, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public RmsPropCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new RmsPropCoefficients(alpha, oneMinusAlpha, eps, weightDecay, momentum, negLr, centered, maximize, gradScale, clipValue);
    }
}
