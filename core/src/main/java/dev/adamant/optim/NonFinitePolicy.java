package dev.adamant.optim;

/**
 * What {@link Optimizer#step()} does when a gradient holds a NaN or ±Inf element. Set per optimizer
 * with {@link Optimizer#setNonFinitePolicy}.
 *
 * <p>The check is one read-only pass over every gradient of the step, before anything is written:
 * a double sum of squares per float32 gradient (finite exactly when every element is finite) and
 * the largest magnitude per float64 gradient (squares of large doubles could overflow), both from
 * {@link dev.adamant.kernel.GradNormKernel}. {@link #PROPAGATE} skips the pass.
 */
public enum NonFinitePolicy {
    /** Torch's behaviour (the default): the step runs and the non-finite values flow into parameters and state. */
    PROPAGATE,
    /**
     * The whole step is skipped: no parameter, state, step count or schedule position changes, and
     * {@link Optimizer#lastStepSkipped()} returns true. A pending clip or unscale coefficient is
     * consumed, as a step would consume it.
     */
    SKIP_STEP,
    /**
     * {@link Optimizer#step()} throws {@link NonFiniteGradientException} naming the first offending
     * parameter (in update order) and element index; nothing changes, pending coefficients included.
     */
    RAISE
}
