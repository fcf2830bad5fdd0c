package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

/** SGD's per-parameter state, with torch's name. */
public final class SgdState extends SlotState {
    static final Slot MOMENTUM_BUFFER = Slot.zeros("momentum_buffer");

    /** {@code momentum_buffer}; null until a step with momentum != 0. */
    public Tensor momentumBuffer() {
        return tensor(MOMENTUM_BUFFER.name());
    }
}
