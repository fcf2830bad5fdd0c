package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.NAdamCoefficients;

/**
 * NAdam hyperparameters, with torch's names and defaults ({@code torch.optim.NAdam}: lr 2e-3, betas
 * (0.9, 0.999), eps 1e-8, weight_decay 0, momentum_decay 4e-3). Invalid values are rejected when the
 * record is made, with the value in the message.
 *
 * @param momentumDecay ψ in μ_t = β1·(1 - 0.5·0.96^(t·ψ)), torch's {@code momentum_decay}
 */
public record NAdamConfig(double lr, double beta1, double beta2, double eps, double weightDecay, double momentumDecay)
        implements OptimizerConfig<NAdamConfig> {

    public NAdamConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.beta(0, beta1);
        Checks.beta(1, beta2);
        Checks.nonNegative("epsilon value", eps);
        Checks.nonNegative("weight_decay value", weightDecay);
        Checks.nonNegative("momentum_decay value", momentumDecay);
    }

    /** torch.optim.NAdam's defaults. */
    public static NAdamConfig nadam() {
        return new NAdamConfig(2e-3, 0.9, 0.999, 1e-8, 0, 4e-3);
    }

    @Override
    public NAdamConfig withLr(double lr) {
        return new NAdamConfig(lr, beta1, beta2, eps, weightDecay, momentumDecay);
    }

    public NAdamConfig withBetas(double beta1, double beta2) {
        return new NAdamConfig(lr, beta1, beta2, eps, weightDecay, momentumDecay);
    }

    public NAdamConfig withEps(double eps) {
        return new NAdamConfig(lr, beta1, beta2, eps, weightDecay, momentumDecay);
    }

    public NAdamConfig withWeightDecay(double weightDecay) {
        return new NAdamConfig(lr, beta1, beta2, eps, weightDecay, momentumDecay);
    }

    public NAdamConfig withMomentumDecay(double momentumDecay) {
        return new NAdamConfig(lr, beta1, beta2, eps, weightDecay, momentumDecay);
    }

    /**
     * The scalars of step {@code step} (1-based), computed once, in double, as torch does, given the
     * float32 {@code mu_product} before this step (1 before the first); the result carries the new one.
     */
    public NAdamCoefficients coefficients(long step, float muProductBefore) {
        if (step < 1) {
            throw new IllegalArgumentException("Invalid step: " + step + " (steps count from 1)");
        }
        return NAdamCoefficients.of(lr, beta1, beta2, eps, weightDecay, momentumDecay, step, muProductBefore);
    }
}
