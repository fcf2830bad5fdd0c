package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

import org.eclipse.collections.api.factory.Maps;
import org.eclipse.collections.api.factory.Sets;
import org.eclipse.collections.api.factory.primitive.ObjectDoubleMaps;
import org.eclipse.collections.api.map.ImmutableMap;
import org.eclipse.collections.api.map.MutableMap;
import org.eclipse.collections.api.map.primitive.ImmutableObjectDoubleMap;
import org.eclipse.collections.api.map.primitive.MutableObjectDoubleMap;
import org.eclipse.collections.api.set.MutableSet;

import java.lang.foreign.MemorySegment;

/**
 * A parameter's state as torch keeps it: a step count and named slots, each a tensor the size of
 * the parameter, created the first time a step needs it, plus named scalars (NAdam's
 * {@code mu_product}). Typed views ({@link AdamState}) add accessors on top.
 */
public class SlotState implements ParameterState {
    long step;
    private final MutableMap<String, Tensor> tensors = Maps.mutable.empty();
    private final MutableObjectDoubleMap<String> scalars = ObjectDoubleMaps.mutable.empty();
    // slots created for the step in progress: torch's "state is empty" first-step branches
    private final MutableSet<String> fresh = Sets.mutable.empty();

    @Override
    public final long step() {
        return step;
    }

    /** The slot {@code name}, or null before a step has needed it. */
    public final Tensor tensor(String name) {
        return tensors.get(name);
    }

    @Override
    public final ImmutableMap<String, Tensor> tensors() {
        return tensors.toImmutable();
    }

    @Override
    public final ImmutableObjectDoubleMap<String> scalars() {
        return scalars.toImmutable();
    }

    final double scalar(String name, double absent) {
        return scalars.getIfAbsent(name, absent);
    }

    final void setScalar(String name, double value) {
        scalars.put(name, value);
    }

    /** True while the step that created slot {@code name} is in progress. */
    final boolean isFresh(String name) {
        return fresh.contains(name);
    }

    final boolean has(String name) {
        return tensors.containsKey(name);
    }

    final void add(String name, Tensor tensor) {
        tensors.put(name, tensor);
        fresh.add(name);
        preparedSlots = null;
    }

    /** Checkpoint hook: puts a restored slot (not fresh: the step that created it is over). */
    final void restore(String name, Tensor tensor) {
        tensors.put(name, tensor);
        preparedSlots = null;
    }

    /**
     * True when a step computes the same coefficients for this state as for {@code other}: the
     * same step count, scalars and fresh slots, so one kernel call may cover both parameters.
     */
    final boolean inStepWith(SlotState other) {
        return step == other.step
                && (fresh.isEmpty() ? other.fresh.isEmpty() : fresh.equals(other.fresh))
                && (scalars.isEmpty() ? other.scalars.isEmpty() : scalars.equals(other.scalars));
    }

    final void endStep() {
        if (!fresh.isEmpty()) {
            fresh.clear();
        }
    }

    /**
     * The slots a step prepared, and their memory in the same order: while a step's config needs
     * the same slots (the same array), nothing needs preparing or looking up again.
     */
    Slot[] preparedSlots;
    MemorySegment[] preparedMemory;
}
