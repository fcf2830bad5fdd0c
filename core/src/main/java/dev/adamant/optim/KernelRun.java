package dev.adamant.optim;

import dev.adamant.kernel.MixedLayout;
import dev.adamant.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * A stretch of contiguous memory that one set of kernel coefficients updates in a step: one
 * parameter, or the consecutive parameters of a flat group whose states are in step. The
 * dispatcher hands optimizers element ranges {@code [from, to)} of it; it holds the parameter,
 * gradient and state-slot memory, and a per-run scalar from a reduction pass (LAMB's lr times its
 * trust ratio). Runs are reused from step to step; nothing here is kept by the caller.
 */
public final class KernelRun {
    // mixed-precision Adam with 8-bit state and a master copy: two moments, two scales, the master
    // Adam with 8-bit state, amsgrad and a master copy: three moments, three scales, the master
    private static final int MAX_SLOTS = 7;

    DType dtype;
    // mixed precision: the formats of the run's buffers; null for a plain run in dtype
    MixedLayout layout;
    long noiseKey;
    MemorySegment param;
    MemorySegment grad;
    private final String[] slotNames = new String[MAX_SLOTS];
    private final MemorySegment[] slotMemory = new MemorySegment[MAX_SLOTS];
    private int slotCount;
    Object coefficients;
    double scalar;
    long length;
    // the run's pieces in the plan: [firstPiece, endPiece)
    int firstPiece;
    int endPiece;
    // where the run came from: its group, and the state_dict index of its parameter (the first
    // one when the run is a whole flat group)
    int group;
    int stateIndex;
    // what monitoring reads (see SlotOptimizer.MonitoredSlots), null where there is none
    MemorySegment firstMoment;
    MemorySegment secondMoment;
    MemorySegment center;

    KernelRun() {
    }

    void reset(DType dtype, MemorySegment param, MemorySegment grad, long length, Object coefficients) {
        this.dtype = dtype;
        this.layout = null;
        this.noiseKey = 0;
        this.param = param;
        this.grad = grad;
        this.length = length;
        this.coefficients = coefficients;
        this.scalar = 0;
        this.slotCount = 0;
        this.firstMoment = null;
        this.secondMoment = null;
        this.center = null;
    }

    void putSlot(String name, MemorySegment memory) {
        if (slotCount == MAX_SLOTS) {
            throw new IllegalStateException("more than " + MAX_SLOTS + " state slots in one run");
        }
        slotNames[slotCount] = name;
        slotMemory[slotCount++] = memory;
    }

    public DType dtype() {
        return dtype;
    }

    /**
     * The formats of a mixed-precision run (parameter, master copy, gradient, state), or null for a
     * plain run whose buffers all hold {@link #dtype()}.
     */
    public MixedLayout layout() {
        return layout;
    }

    /** Mixed precision with stochastic rounding: the key of this run's noise ({@code RoundingNoise.stepKey}); 0 otherwise. */
    public long noiseKey() {
        return noiseKey;
    }

    /** For a kernel switch that meets a dtype it has no kernel for (the step's checks reject those first). */
    public IllegalStateException unsupported() {
        return new IllegalStateException("no kernel for a " + dtype.torchName() + " run"
                + (layout == null ? "" : " with layout " + layout));
    }

    public MemorySegment param() {
        return param;
    }

    public MemorySegment grad() {
        return grad;
    }

    /** The memory of state slot {@code slot}, or null when the step's config does not use it. */
    public MemorySegment slot(Slot slot) {
        return slot(slot.name());
    }

    /** The memory of the state slot named {@code name}, or null when the step's config does not use it. */
    public MemorySegment slot(String name) {
        for (int i = 0; i < slotCount; i++) {
            if (slotNames[i].equals(name)) {
                return slotMemory[i];
            }
        }
        return null;
    }

    /** The run's result of the reduction pass (see {@link SlotOptimizer#finishReduction}); 0 without one. */
    public double scalar() {
        return scalar;
    }

    /** Number of elements. */
    public long length() {
        return length;
    }
}
