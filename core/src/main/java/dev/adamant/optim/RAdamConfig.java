package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.RAdamCoefficients;

/**
 * RAdam hyperparameters, with torch's names and defaults ({@code torch.optim.RAdam}: lr 1e-3, betas
 * (0.9, 0.999), eps 1e-8, weight_decay 0). Invalid values are rejected when the record is made,
 * with the value in the message.
 */
public record RAdamConfig(double lr, double beta1, double beta2, double eps, double weightDecay)
        implements OptimizerConfig<RAdamConfig> {

    public RAdamConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.beta(0, beta1);
        Checks.beta(1, beta2);
        Checks.nonNegative("epsilon value", eps);
        Checks.nonNegative("weight_decay value", weightDecay);
    }

    /** torch.optim.RAdam's defaults. */
    public static RAdamConfig radam() {
        return new RAdamConfig(1e-3, 0.9, 0.999, 1e-8, 0);
    }

    @Override
    public RAdamConfig withLr(double lr) {
        return new RAdamConfig(lr, beta1, beta2, eps, weightDecay);
    }

    public RAdamConfig withBetas(double beta1, double beta2) {
        return new RAdamConfig(lr, beta1, beta2, eps, weightDecay);
    }

    public RAdamConfig withEps(double eps) {
        return new RAdamConfig(lr, beta1, beta2, eps, weightDecay);
    }

    public RAdamConfig withWeightDecay(double weightDecay) {
        return new RAdamConfig(lr, beta1, beta2, eps, weightDecay);
    }

    /** The scalars of step {@code step} (1-based), computed once, in double, as torch does. */
    public RAdamCoefficients coefficients(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("Invalid step: " + step + " (steps count from 1)");
        }
        return RAdamCoefficients.of(lr, beta1, beta2, eps, weightDecay, step);
    }
}
