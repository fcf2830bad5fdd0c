package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one RAdam step for one tensor, computed once per step in double precision as
 * torch 1.13's {@code _single_tensor_radam} computes them (python floats). Kernels round each to the
 * element type once, outside the element loop.
 *
 * <pre>
 * bc1 = 1 - β1^t ; bc2 = 1 - β2^t
 * ρ∞ = 2/(1-β2) - 1 ; ρt = ρ∞ - 2t·β2^t/bc2
 * rectified = ρt > 5 ; r = sqrt((ρt-4)(ρt-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρt))
 * </pre>
 *
 * @param beta1               β1
 * @param oneMinusBeta1       1 - β1
 * @param beta2               β2
 * @param oneMinusBeta2       1 - β2
 * @param weightDecay         L2 term added to the gradient; 0 means the op is skipped, as torch does
 * @param biasCorrection1     1 - β1^t
 * @param lr                  the learning rate
 * @param rectified           ρt > 5: the variance is rectified (and ε used); otherwise plain momentum SGD
 * @param rect                r (meaningful only when rectified)
 * @param sqrtBiasCorrection2 sqrt(1 - β2^t)
 * @param eps                 ε
 * @param fastNegStepSize     fast mode: -(lr·r·sqrt(1-β2^t)/bc1) when rectified, else -(lr/bc1)
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record RAdamCoefficients(
        double beta1, double oneMinusBeta1,
        double beta2, double oneMinusBeta2,
        double weightDecay, double biasCorrection1, double lr,
        boolean rectified, double rect, double sqrtBiasCorrection2, double eps,
        double fastNegStepSize,
        double gradScale, double clipValue) {

    /** Coefficients for step {@code step} (1-based). Inputs are assumed valid (see {@code RAdamConfig}). */
    public static RAdamCoefficients of(double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
        // torch: step is a float32 tensor, step.item() a python float
        double t = step;
        double biasCorrection1 = 1 - Math.pow(beta1, t);
        double biasCorrection2 = 1 - Math.pow(beta2, t);
        double rhoInf = 2 / (1 - beta2) - 1;
        double rhoT = rhoInf - 2 * t * Math.pow(beta2, t) / biasCorrection2;
        boolean rectified = rhoT > 5.;
        double rect = rectified
                ? Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
                : Double.NaN;
        double sqrtBc2 = Math.sqrt(biasCorrection2);
        double fastNegStep = rectified ? -(lr * rect * sqrtBc2 / biasCorrection1) : -(lr / biasCorrection1);
        return new RAdamCoefficients(
                beta1, 1 - beta1,
                beta2, 1 - beta2,
                weightDecay, biasCorrection1, lr,
                rectified, rect, sqrtBc2, eps,
                fastNegStep, 1, Double.POSITIVE_INFINITY);
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public RAdamCoefficients withGradScale(double gradScale) {
        return new RAdamCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, weightDecay, biasCorrection1, lr, rectified, rect, sqrtBiasCorrection2, eps, fastNegStepSize, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public RAdamCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new RAdamCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, weightDecay, biasCorrection1, lr, rectified, rect, sqrtBiasCorrection2, eps, fastNegStepSize, gradScale, clipValue);
    }
}
