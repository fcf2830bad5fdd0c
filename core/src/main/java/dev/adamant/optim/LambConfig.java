package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.LambCoefficients;

/**
 * LAMB hyperparameters, with NVIDIA apex FusedLAMB's defaults: lr 1e-3, betas (0.9, 0.999),
 * eps 1e-6, weight_decay 0.01, bias correction on. {@code alwaysAdapt} is apex's
 * {@code use_nvlamb}: apply the trust ratio to tensors without weight decay too (apex applies it
 * only where weight_decay != 0, so biases and norms take plain AdamW-like steps).
 */
public record LambConfig(double lr, double beta1, double beta2, double eps, double weightDecay,
                         boolean biasCorrection, boolean alwaysAdapt) implements OptimizerConfig<LambConfig> {

    public LambConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.beta(0, beta1);
        Checks.beta(1, beta2);
        Checks.nonNegative("epsilon value", eps);
        Checks.nonNegative("weight_decay value", weightDecay);
    }

    public static LambConfig defaults() {
        return new LambConfig(1e-3, 0.9, 0.999, 1e-6, 0.01, true, false);
    }

    @Override
    public LambConfig withLr(double lr) {
        return new LambConfig(lr, beta1, beta2, eps, weightDecay, biasCorrection, alwaysAdapt);
    }

    public LambConfig withBetas(double beta1, double beta2) {
        return new LambConfig(lr, beta1, beta2, eps, weightDecay, biasCorrection, alwaysAdapt);
    }

    public LambConfig withEps(double eps) {
        return new LambConfig(lr, beta1, beta2, eps, weightDecay, biasCorrection, alwaysAdapt);
    }

    public LambConfig withWeightDecay(double weightDecay) {
        return new LambConfig(lr, beta1, beta2, eps, weightDecay, biasCorrection, alwaysAdapt);
    }

    public LambConfig withBiasCorrection(boolean biasCorrection) {
        return new LambConfig(lr, beta1, beta2, eps, weightDecay, biasCorrection, alwaysAdapt);
    }

    public LambConfig withAlwaysAdapt(boolean alwaysAdapt) {
        return new LambConfig(lr, beta1, beta2, eps, weightDecay, biasCorrection, alwaysAdapt);
    }

    public LambCoefficients coefficients(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("Invalid step: " + step + " (steps count from 1)");
        }
        return LambCoefficients.of(lr, beta1, beta2, eps, weightDecay, biasCorrection, alwaysAdapt, step);
    }
}
