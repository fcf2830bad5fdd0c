package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.SgdCoefficients;

/**
 * SGD hyperparameters, with torch's names. Invalid values are rejected when the record is made,
 * with the value in the message: {@code lr}, {@code momentum} and {@code weight_decay} must be
 * finite and {@code >= 0} (torch checks {@code >= 0}); {@code dampening} may be any finite number,
 * as torch does not restrict it.
 *
 * <p>The Nesterov rule ("Nesterov momentum requires a momentum and zero dampening") involves three
 * fields, so it is checked by {@link Sgd} when a config is installed rather than here: withers can
 * then be applied in any order ({@link #check()}).
 *
 * @param lr          learning rate; torch 1.13 has no default (it must be given), {@link #sgd()} uses 1e-3
 * @param momentum    momentum factor; 0 keeps no momentum buffer
 * @param dampening   dampening for momentum (not applied on the buffer's first step, as torch)
 * @param weightDecay L2 penalty added to the gradient
 * @param nesterov    Nesterov momentum
 * @param maximize    maximize the objective instead of minimizing it
 */
public record SgdConfig(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                        boolean maximize) implements OptimizerConfig<SgdConfig> {

    public SgdConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.nonNegative("momentum value", momentum);
        if (!Double.isFinite(dampening)) {
            throw new IllegalArgumentException("Invalid dampening value: " + dampening + " (must be finite)");
        }
        Checks.nonNegative("weight_decay value", weightDecay);
    }

    /**
     * torch.optim.SGD's defaults (momentum 0, dampening 0, weight_decay 0, no nesterov, minimize)
     * with lr 1e-3: torch 1.13 has no default lr and requires one; set it with {@link #withLr}.
     */
    public static SgdConfig sgd() {
        return new SgdConfig(1e-3, 0, 0, 0, false, false);
    }

    /** Rejects Nesterov without momentum or with dampening, as torch.optim.SGD's constructor does. */
    public SgdConfig check() {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening (momentum: "
                    + momentum + ", dampening: " + dampening + ")");
        }
        return this;
    }

    @Override
    public SgdConfig withLr(double lr) {
        return new SgdConfig(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdConfig withMomentum(double momentum) {
        return new SgdConfig(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdConfig withDampening(double dampening) {
        return new SgdConfig(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdConfig withWeightDecay(double weightDecay) {
        return new SgdConfig(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdConfig withNesterov(boolean nesterov) {
        return new SgdConfig(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    public SgdConfig withMaximize(boolean maximize) {
        return new SgdConfig(lr, momentum, dampening, weightDecay, nesterov, maximize);
    }

    /**
     * The scalars of one step, computed once, in double, as torch does. {@code firstStep}: the
     * momentum buffer was created for this step, so it becomes a copy of the gradient.
     */
    public SgdCoefficients coefficients(boolean firstStep) {
        return SgdCoefficients.of(lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);
    }
}
