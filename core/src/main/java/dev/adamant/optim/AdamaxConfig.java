package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.AdamaxCoefficients;

/**
 * Adamax hyperparameters, with torch's names and defaults ({@code torch.optim.Adamax}). Invalid
 * values are rejected when the record is made, with the value in the message.
 *
 * @param lr          learning rate
 * @param beta1       β1, in [0, 1)
 * @param beta2       β2, in [0, 1); 0 is allowed (exp_inf is then max(0, |g| + ε) each step)
 * @param eps         added to |g|
 * @param weightDecay L2 term added to the gradient
 * @param maximize    ascend instead of descend
 */
public record AdamaxConfig(double lr, double beta1, double beta2, double eps, double weightDecay, boolean maximize)
        implements OptimizerConfig<AdamaxConfig> {

    public AdamaxConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.nonNegative("epsilon value", eps);
        Checks.beta(0, beta1);
        Checks.beta(1, beta2);
        Checks.nonNegative("weight_decay value", weightDecay);
    }

    /** torch.optim.Adamax's defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0. */
    public static AdamaxConfig adamax() {
        return new AdamaxConfig(2e-3, 0.9, 0.999, 1e-8, 0, false);
    }

    @Override
    public AdamaxConfig withLr(double lr) {
        return new AdamaxConfig(lr, beta1, beta2, eps, weightDecay, maximize);
    }

    public AdamaxConfig withBetas(double beta1, double beta2) {
        return new AdamaxConfig(lr, beta1, beta2, eps, weightDecay, maximize);
    }

    public AdamaxConfig withEps(double eps) {
        return new AdamaxConfig(lr, beta1, beta2, eps, weightDecay, maximize);
    }

    public AdamaxConfig withWeightDecay(double weightDecay) {
        return new AdamaxConfig(lr, beta1, beta2, eps, weightDecay, maximize);
    }

    public AdamaxConfig withMaximize(boolean maximize) {
        return new AdamaxConfig(lr, beta1, beta2, eps, weightDecay, maximize);
    }

    /** The scalars of step {@code step} (1-based), computed once, in double, as torch does. */
    public AdamaxCoefficients coefficients(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("Invalid step: " + step + " (steps count from 1)");
        }
        return AdamaxCoefficients.of(lr, beta1, beta2, eps, weightDecay, maximize, step);
    }
}
