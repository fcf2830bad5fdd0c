package dev.adamant.optim;

import org.eclipse.collections.api.list.ImmutableList;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Parameters that share hyperparameters, as an entry of torch's {@code optimizer.param_groups}.
 * The config may be replaced between steps (a schedule sets the lr every step); it applies from
 * the next {@code step()}.
 */
public final class ParamGroup<C extends OptimizerConfig<C>> {
    private final ImmutableList<Parameter> params;
    private final Consumer<C> validator;
    private volatile C config;

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

    @Override
    public String toString() {
        return "ParamGroup" + config + " of " + params.size() + " parameters";
    }
}
