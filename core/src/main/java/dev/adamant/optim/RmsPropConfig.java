package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.RmsPropCoefficients;

/**
 * RMSprop hyperparameters, with torch's names and defaults. Invalid values are rejected when the
 * record is made, with the value in the message: every number must be finite and {@code >= 0}, as
 * torch checks {@code >= 0} (so, as in torch, alpha above 1 is accepted).
 *
 * @param lr          learning rate (default 1e-2)
 * @param alpha       smoothing constant (default 0.99)
 * @param eps         added to the denominator after the square root (default 1e-8)
 * @param weightDecay L2 penalty added to the gradient (default 0)
 * @param momentum    momentum factor (default 0); > 0 keeps a {@code momentum_buffer}
 * @param centered    normalise by the estimated variance of the gradient (keeps {@code grad_avg})
 * @param maximize    maximize the objective instead of minimizing it
 */
public record RmsPropConfig(double lr, double alpha, double eps, double weightDecay, double momentum,
                            boolean centered, boolean maximize) implements OptimizerConfig<RmsPropConfig> {

    public RmsPropConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.nonNegative("epsilon value", eps);
        Checks.nonNegative("momentum value", momentum);
        Checks.nonNegative("weight_decay value", weightDecay);
        Checks.nonNegative("alpha value", alpha);
    }

    /** torch.optim.RMSprop's defaults: lr 1e-2, alpha 0.99, eps 1e-8, weight_decay 0, momentum 0. */
    public static RmsPropConfig rmsprop() {
        return new RmsPropConfig(1e-2, 0.99, 1e-8, 0, 0, false, false);
    }

    @Override
    public RmsPropConfig withLr(double lr) {
        return new RmsPropConfig(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RmsPropConfig withAlpha(double alpha) {
        return new RmsPropConfig(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RmsPropConfig withEps(double eps) {
        return new RmsPropConfig(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RmsPropConfig withWeightDecay(double weightDecay) {
        return new RmsPropConfig(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RmsPropConfig withMomentum(double momentum) {
        return new RmsPropConfig(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RmsPropConfig withCentered(boolean centered) {
        return new RmsPropConfig(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RmsPropConfig withMaximize(boolean maximize) {
        return new RmsPropConfig(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    /** The scalars of one step, computed once, in double, as torch does (RMSprop has no bias correction). */
    public RmsPropCoefficients coefficients() {
        return RmsPropCoefficients.of(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }
}
