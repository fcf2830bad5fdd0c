package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

/** Adagrad's per-parameter state, with torch's names. */
public final class AdagradState extends SlotState {
    static final String SUM = "sum";

    /** The running sum of squared gradients, {@code sum}; null before the parameter's first step. */
    public Tensor sum() {
        return tensor(SUM);
    }
}
