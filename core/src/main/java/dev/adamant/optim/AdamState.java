package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

/**
 * Adam's per-parameter state, with torch's names. With mixed precision ({@link Precision}) the
 * moments are float32, bfloat16 or uint8 codes (8-bit state, with {@code exp_avg_scale} and
 * {@code exp_avg_sq_scale}: one float32 per block of 256 elements; with amsgrad also
 * {@code max_exp_avg_sq} in the state format and {@code max_exp_avg_sq_scale}), and a 16-bit
 * parameter may have an fp32 {@code master_param}.
 */
public final class AdamState extends SlotState {
    static final Slot EXP_AVG = Slot.zeros("exp_avg");
    static final Slot EXP_AVG_SQ = Slot.zeros("exp_avg_sq");
    static final Slot MAX_EXP_AVG_SQ = Slot.zeros("max_exp_avg_sq");
    // mixed precision (see Precision): the 8-bit moments' block scales and the fp32 master copy
    static final String EXP_AVG_SCALE = "exp_avg_scale";
    static final String EXP_AVG_SQ_SCALE = "exp_avg_sq_scale";
    static final String MAX_EXP_AVG_SQ_SCALE = "max_exp_avg_sq_scale";
    static final String MASTER_PARAM = "master_param";

    /** First moment, {@code exp_avg}. */
    public Tensor expAvg() {
        return tensor(EXP_AVG.name());
    }

    /** Second moment, {@code exp_avg_sq}. */
    public Tensor expAvgSq() {
        return tensor(EXP_AVG_SQ.name());
    }

    /** Running maximum of the second moment, {@code max_exp_avg_sq}; null until a step with amsgrad. */
    public Tensor maxExpAvgSq() {
        return tensor(MAX_EXP_AVG_SQ.name());
    }

    /** 8-bit state: the first moment's block scales ({@code exp_avg_scale}); null otherwise. */
    public Tensor expAvgScale() {
        return tensor(EXP_AVG_SCALE);
    }

    /** 8-bit state: the second moment's block scales ({@code exp_avg_sq_scale}); null otherwise. */
    public Tensor expAvgSqScale() {
        return tensor(EXP_AVG_SQ_SCALE);
    }

    /** 8-bit state with amsgrad: the running maximum's block scales ({@code max_exp_avg_sq_scale}); null otherwise. */
    public Tensor maxExpAvgSqScale() {
        return tensor(MAX_EXP_AVG_SQ_SCALE);
    }

    /** The fp32 master copy of a 16-bit parameter ({@code master_param}); null without one. */
    public Tensor masterParam() {
        return tensor(MASTER_PARAM);
    }
}
