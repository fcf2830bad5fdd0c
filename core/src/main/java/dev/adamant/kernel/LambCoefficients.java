package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one LAMB step, in double.
 *
 * @param biasCorrection1 1 - β1^t, or 1 without bias correction
 * @param biasCorrection2 1 - β2^t, or 1 without bias correction
 * @param adapt           apply the trust ratio (weight decay nonzero, or always-adapt)
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record LambCoefficients(double lr, double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2,
                               double biasCorrection1, double biasCorrection2, double eps, double weightDecay,
                               boolean adapt,
        double gradScale, double clipValue) {

    public static LambCoefficients of(double lr, double beta1, double beta2, double eps, double weightDecay,
                                      boolean biasCorrection, boolean alwaysAdapt, long step) {
        double bc1 = biasCorrection ? 1 - Math.pow(beta1, step) : 1;
        double bc2 = biasCorrection ? 1 - Math.pow(beta2, step) : 1;
        return new LambCoefficients(lr, beta1, 1 - beta1, beta2, 1 - beta2, bc1, bc2, eps, weightDecay,
                weightDecay != 0 || alwaysAdapt, 1, Double.POSITIVE_INFINITY);
    }

    /** lr times the trust ratio, from the squared norms of pass 1. */
    public double ratio(LambKernel.SquaredNorms norms) {
        double paramNorm = Math.sqrt(norms.param()), updateNorm = Math.sqrt(norms.update());
        return adapt && paramNorm > 0 && updateNorm > 0 ? lr * (paramNorm / updateNorm) : lr;
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public LambCoefficients withGradScale(double gradScale) {
        return new LambCoefficients(lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection1, biasCorrection2, eps, weightDecay, adapt, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public LambCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new LambCoefficients(lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection1, biasCorrection2, eps, weightDecay, adapt, gradScale, clipValue);
    }
}
