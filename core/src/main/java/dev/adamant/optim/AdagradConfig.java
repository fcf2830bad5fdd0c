package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.AdagradCoefficients;

/**
 * Adagrad hyperparameters, with torch's names and defaults ({@code torch.optim.Adagrad}). Invalid
 * values are rejected when the record is made, with the value in the message.
 *
 * @param lr                      learning rate
 * @param lrDecay                 {@code lr_decay}: the step uses lr / (1 + (t-1)·lr_decay)
 * @param weightDecay             L2 term added to the gradient
 * @param initialAccumulatorValue {@code initial_accumulator_value}: what {@code sum} starts at. It is
 *                                read when a parameter's {@code sum} is created, i.e. at the first step
 *                                that parameter takes (torch reads it in the constructor); changing it
 *                                afterwards has no effect on existing state, exactly as in torch
 * @param eps                     added to sqrt(sum)
 * @param maximize                ascend instead of descend
 */
public record AdagradConfig(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue,
                            double eps, boolean maximize) implements OptimizerConfig<AdagradConfig> {

    public AdagradConfig {
        Checks.nonNegative("learning rate", lr);
        Checks.nonNegative("lr_decay value", lrDecay);
        Checks.nonNegative("weight_decay value", weightDecay);
        Checks.nonNegative("initial_accumulator_value value", initialAccumulatorValue);
        Checks.nonNegative("epsilon value", eps);
    }

    /** torch.optim.Adagrad's defaults: lr 1e-2, lr_decay 0, weight_decay 0, initial_accumulator_value 0, eps 1e-10. */
    public static AdagradConfig adagrad() {
        return new AdagradConfig(1e-2, 0, 0, 0, 1e-10, false);
    }

    @Override
    public AdagradConfig withLr(double lr) {
        return new AdagradConfig(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public AdagradConfig withLrDecay(double lrDecay) {
        return new AdagradConfig(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public AdagradConfig withWeightDecay(double weightDecay) {
        return new AdagradConfig(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public AdagradConfig withInitialAccumulatorValue(double initialAccumulatorValue) {
        return new AdagradConfig(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public AdagradConfig withEps(double eps) {
        return new AdagradConfig(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public AdagradConfig withMaximize(boolean maximize) {
        return new AdagradConfig(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    /** The scalars of step {@code step} (1-based), computed once, in double, as torch does. */
    public AdagradCoefficients coefficients(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("Invalid step: " + step + " (steps count from 1)");
        }
        return AdagradCoefficients.of(lr, lrDecay, weightDecay, eps, maximize, step);
    }
}
