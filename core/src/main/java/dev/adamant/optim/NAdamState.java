package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

/** NAdam's per-parameter state, with torch's names. */
public final class NAdamState extends SlotState {
    static final Slot EXP_AVG = Slot.zeros("exp_avg");
    static final Slot EXP_AVG_SQ = Slot.zeros("exp_avg_sq");
    /** torch's {@code mu_product}: a float32 scalar, 1 before the first step, whatever the param dtype. */
    static final String MU_PRODUCT = "mu_product";

    /** First moment, {@code exp_avg}. */
    public Tensor expAvg() {
        return tensor(EXP_AVG.name());
    }

    /** Second moment, {@code exp_avg_sq}. */
    public Tensor expAvgSq() {
        return tensor(EXP_AVG_SQ.name());
    }

    /** {@code mu_product} = μ_1·…·μ_t in float32 (torch keeps a float32 0-dim tensor); 1 before the first step. */
    public float muProduct() {
        return (float) scalar(MU_PRODUCT, 1.0);
    }

    void setMuProduct(float muProduct) {
        setScalar(MU_PRODUCT, muProduct);
    }
}
