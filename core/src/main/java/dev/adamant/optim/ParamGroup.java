package dev.adamant.optim;

import dev.adamant.schedule.Schedule;
import org.eclipse.collections.api.factory.Lists;
import org.eclipse.collections.api.list.ImmutableList;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Parameters that share hyperparameters, as an entry of torch's {@code optimizer.param_groups}.
 * The config may be replaced between steps (a schedule sets the lr every step); it applies from
 * the next {@code step()}.
 *
 * <p>Schedules: {@link #setSchedule} attaches an lr schedule and {@link #addSchedule} any other
 * scheduled hyperparameter (one-cycle's momentum or beta1). At each {@code step()} the optimizer
 * sets this group's config to {@code config().withLr(lr.valueAt(t))}, then applies the other
 * schedules in the order added, where {@code t} is the optimizer's step count
 * ({@link Optimizer#stepCount()}) including this step. The schedule position is the optimizer's,
 * not a parameter's: a parameter that skipped steps (no gradient) still sees the group's lr for
 * step {@code t}, as in torch, where the scheduler moves the group's lr whatever the parameters
 * did. A scheduled value overrides what {@link #setLr} or {@link #setConfig} set between steps.
 */
public final class ParamGroup<C extends OptimizerConfig<C>> {
    private final ImmutableList<Parameter> params;
    private final Consumer<C> validator;
    private volatile C config;
    private volatile Schedule lrSchedule;
    private volatile ImmutableList<Scheduled<C>> schedules = Lists.immutable.empty();

    /** Sets one hyperparameter of a config to a scheduled value, e.g. {@code SgdConfig::withMomentum}. */
    @FunctionalInterface
    public interface Setter<C> {
        C apply(C config, double value);
    }

    private record Scheduled<C>(Schedule schedule, Setter<C> setter) {
    }

    ParamGroup(ImmutableList<Parameter> params, C config, Consumer<C> validator) {
        this.params = params;
        this.validator = validator;
        validator.accept(config);
        this.config = config;
    }

    public ImmutableList<Parameter> params() {
        return params;
    }

    public C config() {
        return config;
    }

    /** Replaces the hyperparameters; an invalid config is rejected and the old one kept. */
    public void setConfig(C config) {
        Objects.requireNonNull(config, "config");
        validator.accept(config);
        this.config = config;
    }

    /** {@code setConfig(change.apply(config()))}, e.g. {@code group.update(c -> c.withBetas(0.95, 0.999))}. */
    public void update(UnaryOperator<C> change) {
        setConfig(change.apply(config));
    }

    public double lr() {
        return config.lr();
    }

    public void setLr(double lr) {
        setConfig(config.withLr(lr));
    }

    /** The lr schedule applied at every step, or null to leave the lr as set (the default). */
    public void setSchedule(Schedule lr) {
        this.lrSchedule = lr;
    }

    /** The lr schedule, or null. */
    public Schedule schedule() {
        return lrSchedule;
    }

    /**
     * Schedules another hyperparameter, applied after the lr schedule at every step, e.g.
     * {@code group.addSchedule(cycle.momentum(), (c, b1) -> c.withBetas(b1, c.beta2()))}.
     */
    public void addSchedule(Schedule schedule, Setter<C> setter) {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(setter, "setter");
        schedules = schedules.newWith(new Scheduled<>(schedule, setter));
    }

    /** Removes the lr schedule and every other schedule; the config keeps its last values. */
    public void clearSchedules() {
        lrSchedule = null;
        schedules = Lists.immutable.empty();
    }

    /** The config for optimizer step {@code step} under this group's schedules, validated; not installed. */
    C scheduledConfig(long step) {
        Schedule lr = lrSchedule;
        ImmutableList<Scheduled<C>> others = schedules;
        if (lr == null && others.isEmpty()) {
            return config;
        }
        C c = config;
        if (lr != null) {
            c = c.withLr(lr.valueAt(step));
        }
        for (Scheduled<C> s : others) {
            c = s.setter().apply(c, s.schedule().valueAt(step));
        }
        Objects.requireNonNull(c, "a schedule setter returned null");
        validator.accept(c);
        return c;
    }

    /** Installs a config {@link #scheduledConfig} made (already validated). */
    void install(C config) {
        this.config = config;
    }

    @Override
    public String toString() {
        return "ParamGroup" + config + " of " + params.size() + " parameters";
    }
}
