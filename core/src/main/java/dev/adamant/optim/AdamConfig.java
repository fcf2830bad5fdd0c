package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.AdamCoefficients;

/**
 * Adam / AdamW hyperparameters, with torch's names and defaults. Invalid values are rejected when
 * the record is made, with the value in the message.
 *
 * @param decoupledWeightDecay AdamW's {@code p *= 1 - lr·wd} instead of Adam's L2 term {@code g += wd·p}
 * @param precision            mixed-precision options of the group: state format, master copy,
 *                             stochastic rounding ({@link Precision}); {@link Precision#DEFAULT} by default
 */
public record AdamConfig(double lr, double beta1, double beta2, double eps, double weightDecay,
                         boolean amsgrad, boolean maximize, boolean decoupledWeightDecay, Precision precision)
        implements OptimizerConfig<AdamConfig> {

    public AdamConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.beta(0, beta1);
        Checks.beta(1, beta2);
        Checks.nonNegative("epsilon value", eps);
        Checks.nonNegative("weight_decay value", weightDecay);
        java.util.Objects.requireNonNull(precision, "precision");
    }

    /** Without mixed-precision options ({@link Precision#DEFAULT}). */
    public AdamConfig(double lr, double beta1, double beta2, double eps, double weightDecay,
                      boolean amsgrad, boolean maximize, boolean decoupledWeightDecay) {
        this(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay, Precision.DEFAULT);
    }

    /** torch.optim.Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0. */
    public static AdamConfig adam() {
        return new AdamConfig(1e-3, 0.9, 0.999, 1e-8, 0, false, false, false);
    }

    /** torch.optim.AdamW's defaults: as Adam, with decoupled weight_decay 0.01. */
    public static AdamConfig adamW() {
        return new AdamConfig(1e-3, 0.9, 0.999, 1e-8, 0.01, false, false, true);
    }

    @Override
    public AdamConfig withLr(double lr) {
        return new AdamConfig(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay, precision);
    }

    public AdamConfig withBetas(double beta1, double beta2) {
        return new AdamConfig(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay, precision);
    }

    public AdamConfig withEps(double eps) {
        return new AdamConfig(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay, precision);
    }

    public AdamConfig withWeightDecay(double weightDecay) {
        return new AdamConfig(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay, precision);
    }

    public AdamConfig withAmsgrad(boolean amsgrad) {
        return new AdamConfig(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay, precision);
    }

    public AdamConfig withMaximize(boolean maximize) {
        return new AdamConfig(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay, precision);
    }

    public AdamConfig withDecoupledWeightDecay(boolean decoupled) {
        return new AdamConfig(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled, precision);
    }

    /**
     * The same config with mixed-precision options (see {@link Precision}): the state format, an fp32
     * master copy of 16-bit parameters, stochastic rounding.
     */
    public AdamConfig withPrecision(Precision precision) {
        return new AdamConfig(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupledWeightDecay, precision);
    }

    /** The scalars of step {@code step} (1-based), computed once, in double, as torch does. */
    public AdamCoefficients coefficients(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("Invalid step: " + step + " (steps count from 1)");
        }
        return AdamCoefficients.of(lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, amsgrad, maximize, step);
    }
}
