package dev.adamant.optim;

/**
 * The hyperparameters of one parameter group: an immutable, validated value. Groups replace their
 * config wholesale, so a step never sees a half-changed set of hyperparameters.
 */
public interface OptimizerConfig<C extends OptimizerConfig<C>> {

    /** Learning rate. */
    double lr();

    /** The same config with another learning rate (what a schedule changes every step). */
    C withLr(double lr);
}
