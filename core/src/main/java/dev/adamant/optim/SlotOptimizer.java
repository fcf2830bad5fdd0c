package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.tensor.Tensor;

import java.util.Set;

/**
 * An optimizer whose state is a set of {@link Slot}s per parameter: it names the slots a config
 * needs and does one step; allocation, the step count and the all-or-nothing rule are here.
 */
public abstract class SlotOptimizer<C extends OptimizerConfig<C>, S extends SlotState> extends Optimizer<C, S> {

    protected SlotOptimizer(C defaults, Backend backend) {
        super(defaults, backend);
    }

    /** A new, empty state. */
    protected abstract S newState();

    /** The slots a step under {@code config} needs; missing ones are created before any update. */
    protected abstract Iterable<Slot> slots(C config);

    /**
     * Every slot name this optimizer's states can hold, under any config: a checkpoint naming another
     * slot is for another optimizer and is rejected.
     */
    protected abstract Set<String> slotNames();

    /** Every scalar state name (NAdam's {@code mu_product}); none by default. */
    protected Set<String> scalarNames() {
        return Set.of();
    }

    /**
     * Updates {@code p} and its state; {@code state.step()} already counts this step, and
     * {@link SlotState#isFresh} tells which slots this step created.
     */
    protected abstract void step(Parameter p, S state, C config);

    @Override
    protected final S prepareState(Parameter p, S existing, C config) {
        S state = existing == null ? newState() : existing;
        try {
            for (Slot slot : slots(config)) {
                if (!state.has(slot.name())) {
                    state.add(slot.name(), filled(p.data(), slot.initialValue()));
                }
            }
        } catch (RuntimeException | Error e) {
            if (existing == null) {
                state.tensors().forEachValue(Tensor::close);
            }
            throw e;
        }
        return state;
    }

    private static Tensor filled(Tensor like, double value) {
        Tensor t = Tensor.allocate(like.dtype(), like.size());
        if (value != 0) {
            t.fill(value);
        }
        return t;
    }

    @Override
    protected final void update(Parameter p, S state, C config) {
        state.step++;
        step(p, state, config);
        state.endStep();
    }
}
