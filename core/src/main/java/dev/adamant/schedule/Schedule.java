package dev.adamant.schedule;

/**
 * A hyperparameter as a function of the optimizer step: {@code step -> value}, optax style.
 *
 * <p>Convention: {@code step} is the 1-based number of the optimizer step whose value this is.
 * {@code valueAt(t)} is what torch's {@code param_groups[0]["lr"]} holds just before the t-th
 * {@code optimizer.step()}, with {@code scheduler.step()} called after every optimizer step; in
 * torch's terms it is the lr at {@code last_epoch = t - 1}. So {@code valueAt(1)} is the initial
 * value, and the first step of a LambdaLR warmup runs with lr 0.
 *
 * <p>Attach one to a parameter group with {@code ParamGroup.setSchedule}; the optimizer evaluates
 * it at every {@code step()}. Build them with {@link Schedules}; implementations must accept any
 * step {@code >= 1} and may reject others.
 */
@FunctionalInterface
public interface Schedule {

    /** The value for the {@code step}-th optimizer step (1-based). */
    double valueAt(long step);
}
