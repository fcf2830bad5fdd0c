package dev.adamant.kernel;

/**
 * The scalars of one Lion step, in double; kernels round each to the element type once.
 *
 * @param decayFactor 1 - lr·wd; exactly 1 means no decay op
 * @param negLr       -lr
 * @param gradScale gradient scale (clip coefficient), applied first; 1 = none
 */
public record LionCoefficients(double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2,
                               double decayFactor, double negLr, boolean maximize,
        double gradScale) {

    public static LionCoefficients of(double lr, double beta1, double beta2, double weightDecay, boolean maximize) {
        return new LionCoefficients(beta1, 1 - beta1, beta2, 1 - beta2, 1 - lr * weightDecay, -lr, maximize, 1);
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public LionCoefficients withGradScale(double gradScale) {
        return new LionCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, decayFactor, negLr, maximize, gradScale);
    }
}
