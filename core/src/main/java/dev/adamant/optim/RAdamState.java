package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

/** RAdam's per-parameter state, with torch's names. */
public final class RAdamState extends SlotState {
    static final Slot EXP_AVG = Slot.zeros("exp_avg");
    static final Slot EXP_AVG_SQ = Slot.zeros("exp_avg_sq");

    /** First moment, {@code exp_avg}. */
    public Tensor expAvg() {
        return tensor(EXP_AVG.name());
    }

    /** Second moment, {@code exp_avg_sq}. */
    public Tensor expAvgSq() {
        return tensor(EXP_AVG_SQ.name());
    }
}
