package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.LionCoefficients;

/**
 * Lion hyperparameters, with the defaults of the paper's reference implementation (lr 1e-4,
 * betas (0.9, 0.99), weight_decay 0). The paper suggests an lr 3-10x smaller and a weight decay
 * 3-10x larger than AdamW's.
 */
public record LionConfig(double lr, double beta1, double beta2, double weightDecay, boolean maximize)
        implements OptimizerConfig<LionConfig> {

    public LionConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.beta(0, beta1);
        Checks.beta(1, beta2);
        Checks.nonNegative("weight_decay value", weightDecay);
    }

    public static LionConfig defaults() {
        return new LionConfig(1e-4, 0.9, 0.99, 0, false);
    }

    @Override
    public LionConfig withLr(double lr) {
        return new LionConfig(lr, beta1, beta2, weightDecay, maximize);
    }

    public LionConfig withBetas(double beta1, double beta2) {
        return new LionConfig(lr, beta1, beta2, weightDecay, maximize);
    }

    public LionConfig withWeightDecay(double weightDecay) {
        return new LionConfig(lr, beta1, beta2, weightDecay, maximize);
    }

    public LionConfig withMaximize(boolean maximize) {
        return new LionConfig(lr, beta1, beta2, weightDecay, maximize);
    }

    /** Lion's scalars do not depend on the step count (no bias correction). */
    public LionCoefficients coefficients() {
        return LionCoefficients.of(lr, beta1, beta2, weightDecay, maximize);
    }
}
