package dev.adamant.optim;

import dev.adamant.tensor.Tensor;
import org.eclipse.collections.api.factory.Lists;
import org.eclipse.collections.api.list.ListIterable;
import org.eclipse.collections.api.list.MutableList;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * <b>Internal, not API</b>: the hooks {@code dev.adamant.checkpoint} needs to export and install
 * optimizer state. It lives here because the state's setters are package-private; nothing else
 * should call it, and it may change without notice.
 */
public final class CheckpointAccess {
    private CheckpointAccess() {
    }

    /** An action that may fail with an I/O error. */
    @FunctionalInterface
    public interface IoAction<T> {
        T run() throws IOException;
    }

    /** Runs {@code action} while {@code opt} cannot step, zero gradients or close. */
    public static <T> T exclusively(Optimizer<?, ?> opt, IoAction<T> action) throws IOException {
        return opt.exclusively(action);
    }

    /** Each parameter's state in index order, null where it has none; call inside {@link #exclusively}. */
    public static List<ParameterState> states(Optimizer<?, ?> opt) {
        MutableList<ParameterState> out = Lists.mutable.empty();
        out.addAll(opt.stateSnapshot());
        return out;
    }

    /**
     * A new state of {@code opt}'s kind holding {@code tensors} (owned by it from now on) and
     * {@code scalars}, at {@code step}. Not installed.
     */
    public static ParameterState newState(Optimizer<?, ?> opt, long step, Map<String, Tensor> tensors,
                                          Map<String, Double> scalars) {
        if (!(opt instanceof SlotOptimizer<?, ?, ?> slots)) {
            throw new UnsupportedOperationException(opt.getClass().getName() + " does not keep slot state");
        }
        SlotState state = slots.newState();
        state.step = step;
        tensors.forEach(state::restore);
        scalars.forEach(state::setScalar);
        return state;
    }

    /** Every slot name {@code opt}'s states can hold, under any config. */
    public static Set<String> slotNames(Optimizer<?, ?> opt) {
        return opt instanceof SlotOptimizer<?, ?, ?> slots ? slots.slotNames() : Set.of();
    }

    /** Every scalar state name {@code opt}'s states can hold. */
    public static Set<String> scalarNames(Optimizer<?, ?> opt) {
        return opt instanceof SlotOptimizer<?, ?, ?> slots ? slots.scalarNames() : Set.of();
    }

    /**
     * The slot {@code name} of a parameter with data {@code data} under {@code config} (its dtype and
     * size follow from it), or null when there is no such slot.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Slot slotOf(Optimizer<?, ?> opt, OptimizerConfig<?> config, Tensor data, String name) {
        if (!(opt instanceof SlotOptimizer slots)) {
            return null;
        }
        return slots.slotOf(config, data, name);
    }

    /** Rejects a checkpoint's group config whose state cannot continue under the group's current one. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void checkRestoredConfig(Optimizer<?, ?> opt, OptimizerConfig<?> current, OptimizerConfig<?> restored) {
        if (opt instanceof SlotOptimizer slots) {
            slots.checkRestoredConfig(current, restored);
        }
    }

    /** Validates {@code config} as a group config of {@code opt} (the record's and the optimizer's checks). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void checkConfig(Optimizer<?, ?> opt, OptimizerConfig<?> config) {
        if (config.getClass() != opt.defaults().getClass()) {
            throw new IllegalArgumentException("config " + config.getClass().getName() + " is not a "
                    + opt.defaults().getClass().getName());
        }
        ((Optimizer) opt).checkConfig(config);
    }

    /**
     * Installs, all at once, states made by {@link #newState} (null for none), configs checked with
     * {@link #checkConfig}, and the optimizer's step count. Old state tensors are freed.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void install(Optimizer<?, ?> opt, List<? extends ParameterState> states,
                               List<? extends OptimizerConfig<?>> configs, long stepCount) {
        ListIterable s = Lists.mutable.withAll(states);
        ((Optimizer) opt).installCheckpoint(s, Lists.mutable.withAll(configs), stepCount);
    }
}
