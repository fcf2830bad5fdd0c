package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one Lion step, in double; kernels round each to the element type once.
 *
 * @param decayFactor 1 - lr·wd; exactly 1 means no decay op
 * @param negLr       -lr
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record LionCoefficients(double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2,
                               double decayFactor, double negLr, boolean maximize,
        double gradScale, double clipValue) {

    public static LionCoefficients of(double lr, double beta1, double beta2, double weightDecay, boolean maximize) {
        return new LionCoefficients(beta1, 1 - beta1, beta2, 1 - beta2, 1 - lr * weightDecay, -lr, maximize, 1, Double.POSITIVE_INFINITY);
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public LionCoefficients withGradScale(double gradScale) {
        return new LionCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, decayFactor, negLr, maximize, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public LionCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new LionCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, decayFactor, negLr, maximize, gradScale, clipValue);
    }
}
