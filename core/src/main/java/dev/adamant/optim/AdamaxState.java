package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

/** Adamax's per-parameter state, with torch's names. */
public final class AdamaxState extends SlotState {
    static final Slot EXP_AVG = Slot.zeros("exp_avg");
    static final Slot EXP_INF = Slot.zeros("exp_inf");

    /** First moment, {@code exp_avg}. */
    public Tensor expAvg() {
        return tensor(EXP_AVG.name());
    }

    /** Exponentially weighted infinity norm, {@code exp_inf}. */
    public Tensor expInf() {
        return tensor(EXP_INF.name());
    }
}
