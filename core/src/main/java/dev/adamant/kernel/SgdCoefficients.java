package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one SGD step for one tensor, as torch computes them (Python doubles). Kernels
 * round each to the element type once, outside the element loop.
 *
 * @param weightDecay        L2 term added to the gradient; 0 means the op is skipped, as torch does
 * @param momentum           momentum factor; 0 means no momentum buffer
 * @param oneMinusDampening  1 - dampening
 * @param negLr              -lr
 * @param nesterov           Nesterov momentum: {@code d + momentum·buf} instead of {@code buf}
 * @param maximize           ascend instead of descend (negate the gradient)
 * @param firstStep          the momentum buffer was just created: it becomes a copy of {@code d}
 *                           (torch's {@code buf is None} branch, no dampening)
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record SgdCoefficients(double weightDecay, double momentum, double oneMinusDampening, double negLr,
                              boolean nesterov, boolean maximize, boolean firstStep,
        double gradScale, double clipValue) {

    /** Coefficients for one step; inputs are assumed valid (see {@code SgdConfig}). */
    public static SgdCoefficients of(double lr, double momentum, double dampening, double weightDecay,
                                     boolean nesterov, boolean maximize, boolean firstStep) {
        return new SgdCoefficients(weightDecay, momentum, 1 - dampening, -lr, nesterov, maximize, firstStep, 1, Double.POSITIVE_INFINITY);
    }

    /** Whether this step keeps a momentum buffer (torch: {@code momentum != 0}). */
    public boolean useMomentum() {
        return momentum != 0;
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public SgdCoefficients withGradScale(double gradScale) {
        return new SgdCoefficients(weightDecay, momentum, oneMinusDampening, negLr, nesterov, maximize, firstStep, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public SgdCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new SgdCoefficients(weightDecay, momentum, oneMinusDampening, negLr, nesterov, maximize, firstStep, gradScale, clipValue);
    }
}
