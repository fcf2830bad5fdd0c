package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

/** RMSprop's per-parameter state, with torch's names. */
public final class RmsPropState extends SlotState {
    static final Slot SQUARE_AVG = Slot.zeros("square_avg");
    static final Slot MOMENTUM_BUFFER = Slot.zeros("momentum_buffer");
    static final Slot GRAD_AVG = Slot.zeros("grad_avg");

    /** Running average of the squared gradient, {@code square_avg}. */
    public Tensor squareAvg() {
        return tensor(SQUARE_AVG.name());
    }

    /** {@code momentum_buffer}; null until a step with momentum > 0. */
    public Tensor momentumBuffer() {
        return tensor(MOMENTUM_BUFFER.name());
    }

    /** Running average of the gradient, {@code grad_avg}; null until a centered step. */
    public Tensor gradAvg() {
        return tensor(GRAD_AVG.name());
    }
}
