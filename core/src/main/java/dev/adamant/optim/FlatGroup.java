package dev.adamant.optim;

import dev.adamant.tensor.Tensor;
import org.eclipse.collections.api.factory.Maps;
import org.eclipse.collections.api.list.ListIterable;
import org.eclipse.collections.api.map.MutableMap;

import java.lang.foreign.MemorySegment;

/**
 * A param group made of consecutive parameters of one {@link FlatParameters} block, in order: the
 * optimizer keeps each of its state slots in one buffer (owned here, freed by {@link #close()}),
 * hands every parameter a view of its slice, and can update the whole group as one run.
 */
final class FlatGroup implements AutoCloseable {
    final FlatParameters block;
    private final int first;
    private final int count;
    final long length;
    final MemorySegment paramMemory;
    final MemorySegment gradMemory;
    private final MutableMap<String, Tensor> slotBuffers = Maps.mutable.empty();
    private final MutableMap<String, Tensor[]> slotViews = Maps.mutable.empty();
    // the slots every parameter of the group held as views at the last full preparation, and when
    Slot[] preparedSlots;
    long preparedEpoch = -1;
    // false when this step's preparation was skipped: then no slot is fresh in the group
    boolean preparedThisStep;
    // the state epoch in which the group last stepped as one run (its states then stay in step
    // while every parameter keeps its gradient); -1 when it did not
    long oneRunEpoch = -1;

    private FlatGroup(FlatParameters block, int first, int count) {
        this.block = block;
        this.first = first;
        this.count = count;
        this.length = block.offset(first + count - 1) + block.size(first + count - 1) - block.offset(first);
        this.paramMemory = block.paramSlice(first, first + count);
        this.gradMemory = block.gradSlice(first, first + count);
    }

    /** The flat layout of {@code params}, or null when they are not consecutive views of one block. */
    static FlatGroup of(ListIterable<Parameter> params) {
        if (params.isEmpty() || params.get(0).block() == null) {
            return null;
        }
        FlatParameters block = params.get(0).block();
        int first = params.get(0).blockIndex();
        for (int k = 0; k < params.size(); k++) {
            Parameter p = params.get(k);
            if (p.block() != block || p.blockIndex() != first + k) {
                return null;
            }
        }
        return new FlatGroup(block, first, params.size());
    }

    /** Element offset of the group's {@code k}-th parameter from the group's start. */
    private long offset(int k) {
        return block.offset(first + k) - block.offset(first);
    }

    /** The block's own gradient view of the group's {@code k}-th parameter. */
    Tensor blockGrad(int k) {
        return block.gradView(first + k);
    }

    /** The block's memory is alive and writable: its views pass every per-tensor check. */
    boolean usable() {
        return paramMemory.scope().isAlive() && !paramMemory.isReadOnly();
    }

    /** True when {@code grad} is the block's own gradient memory of the {@code k}-th parameter. */
    boolean isBlockGrad(Tensor grad, int k) {
        return grad.segment().isNative() && grad.segment().address()
                == gradMemory.address() + offset(k) * block.dtype().byteSize();
    }

    /** The group's buffer of {@code slot}, allocated on first use. */
    MemorySegment slotMemory(String slot) {
        Tensor buffer = slotBuffers.get(slot);
        return buffer == null ? null : buffer.segment();
    }

    /** The view of slot {@code slot} for the group's {@code k}-th parameter (its contents are not set here). */
    Tensor slotView(String slot, int k) {
        Tensor[] views = slotViews.get(slot);
        if (views == null) {
            Tensor buffer = Tensor.allocate(block.dtype(), length);
            views = new Tensor[count];
            long bytes = block.dtype().byteSize();
            for (int i = 0; i < count; i++) {
                views[i] = Tensor.wrap(buffer.segment().asSlice(offset(i) * bytes, block.size(first + i) * bytes),
                        block.dtype());
            }
            slotBuffers.put(slot, buffer);
            slotViews.put(slot, views);
        }
        return views[k];
    }

    /** Frees the slot buffers once; the views handed out become unusable. */
    @Override
    public void close() {
        slotBuffers.forEachValue(Tensor::close);
    }
}
