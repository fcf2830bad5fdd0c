package dev.adamant.kernel;

import dev.adamant.internal.Checks;

/**
 * The scalars of one NAdam step for one tensor, computed once per step in double precision as
 * torch computes them (python floats), with the current semantics: torch ≥ 2.0 and torch 1.13's
 * {@code _multi_tensor_nadam}, where {@code mu_product} takes each step's μ exactly once. Kernels
 * round each to the element type once, outside the element loop.
 *
 * <pre>
 * μ_t      = β1·(1 - 0.5·0.96^(t·ψ))          μ_{t+1} = β1·(1 - 0.5·0.96^((t+1)·ψ))
 * mu_product = f32(mu_product · f32(μ_t))       float32, as torch's 0-dim tensor, whatever the param dtype
 * negGradStepSize    = (lr·(1 - μ_t) / (1 - mu_product)) · -1
 * negExpAvgStepSize  = (lr·μ_{t+1} / (1 - mu_product·μ_{t+1})) · -1
 * </pre>
 * {@code mu_product} is widened to double exactly where it enters the two step sizes (torch's
 * {@code mu_product.item()}).
 *
 * @param beta1                 β1
 * @param oneMinusBeta1         1 - β1
 * @param beta2                 β2
 * @param oneMinusBeta2         1 - β2
 * @param weightDecay           L2 term added to the gradient; 0 means the op is skipped, as torch does
 * @param sqrtBiasCorrection2   sqrt(1 - β2^t)
 * @param eps                   ε
 * @param negGradStepSize       the coefficient of {@code grad/denom}, see above
 * @param negExpAvgStepSize     the coefficient of {@code exp_avg/denom}, see above
 * @param fastNegGradStepSize   fast mode: negGradStepSize·sqrt(1 - β2^t)
 * @param fastNegExpAvgStepSize fast mode: negExpAvgStepSize·sqrt(1 - β2^t)
 * @param fastEps               fast mode: ε·sqrt(1 - β2^t)
 * @param muProduct             the state {@code mu_product} after this step (μ_1·…·μ_t in float32)
 * @param gradScale gradient scale (clip coefficient, unscale), applied first; 1 = none
 * @param clipValue gradient elements are clamped to {@code [-f(clipValue), f(clipValue)]} right after the
 *                  scale, as torch's {@code clip_grad_value_}; {@code +∞} = none
 */
public record NAdamCoefficients(
        double beta1, double oneMinusBeta1,
        double beta2, double oneMinusBeta2,
        double weightDecay, double sqrtBiasCorrection2, double eps,
        double negGradStepSize, double negExpAvgStepSize,
        double fastNegGradStepSize, double fastNegExpAvgStepSize, double fastEps,
        float muProduct,
        double gradScale, double clipValue) {

    /** μ_t = β1·(1 - 0.5·0.96^(t·ψ)), as torch's python float expression. */
    public static double mu(double beta1, double momentumDecay, double step) {
        return beta1 * (1. - 0.5 * Math.pow(0.96, step * momentumDecay));
    }

    /**
     * Coefficients for step {@code step} (1-based), given {@code mu_product} as it was before this step
     * (1 before the first). Inputs are assumed valid (see {@code NAdamConfig}).
     */
    public static NAdamCoefficients of(double lr, double beta1, double beta2, double eps, double weightDecay,
                                       double momentumDecay, long step, float muProductBefore) {
        // torch: step is a float32 tensor, step.item() a python float
        double t = step;
        double biasCorrection2 = 1 - Math.pow(beta2, t);
        double mu = mu(beta1, momentumDecay, t);
        double muNext = mu(beta1, momentumDecay, t + 1);
        // torch._foreach_mul_(mu_products, mus): a float32 tensor times f32(mu); the float product is exact
        // in float arithmetic here, since float*float is correctly rounded
        float muProduct = muProductBefore * (float) mu;
        double mp = muProduct;
        double negGrad = (lr * (1. - mu) / (1. - mp)) * -1;
        double negExpAvg = (lr * muNext / (1. - mp * muNext)) * -1;
        double sqrtBc2 = Math.sqrt(biasCorrection2);
        return new NAdamCoefficients(
                beta1, 1 - beta1,
                beta2, 1 - beta2,
                weightDecay, sqrtBc2, eps,
                negGrad, negExpAvg,
                negGrad * sqrtBc2, negExpAvg * sqrtBc2, eps * sqrtBc2,
                muProduct, 1, Double.POSITIVE_INFINITY);
    }

    /**
     * These coefficients with the gradient multiplied by {@code f(gradScale)} as the kernel's first
     * operation, as torch's in-place {@code grad.mul_(clip_coef)} before the step; 1 skips the multiply.
     */
    public NAdamCoefficients withGradScale(double gradScale) {
        return new NAdamCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, weightDecay, sqrtBiasCorrection2, eps, negGradStepSize, negExpAvgStepSize, fastNegGradStepSize, fastNegExpAvgStepSize, fastEps, muProduct, gradScale, clipValue);
    }

    /**
     * These coefficients with every gradient element clamped to {@code [-f(clipValue), f(clipValue)]}
     * right after the {@link #gradScale} multiply, as torch's in-place {@code clip_grad_value_}
     * before the step (NaN stays NaN); {@code +∞} skips the clamp.
     *
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative
     */
    public NAdamCoefficients withClipValue(double clipValue) {
        clipValue = Checks.clipValue(clipValue);
        return new NAdamCoefficients(beta1, oneMinusBeta1, beta2, oneMinusBeta2, weightDecay, sqrtBiasCorrection2, eps, negGradStepSize, negExpAvgStepSize, fastNegGradStepSize, fastNegExpAvgStepSize, fastEps, muProduct, gradScale, clipValue);
    }
}
