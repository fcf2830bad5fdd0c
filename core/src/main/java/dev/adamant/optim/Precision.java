package dev.adamant.optim;

import dev.adamant.precision.StateFormat;

import java.util.Objects;

/**
 * How Adam/AdamW keep a param group's state and write its 16-bit parameters: the group's
 * mixed-precision options ({@link AdamConfig#withPrecision}). The parameter and gradient formats
 * are not options: they are the tensors' dtypes (float32, bfloat16, float16; see
 * {@link Parameter#setGrad} for the pairs allowed).
 *
 * <pre>{@code
 * // bf16 weights with an fp32 master copy and 8-bit moments
 * opt.addParamGroup(weights, c -> c.withPrecision(Precision.of(StateFormat.BLOCKWISE_8BIT).withMasterCopy()));
 * // bf16 weights, no master copy: stochastic rounding keeps small updates
 * opt.addParamGroup(weights, c -> c.withPrecision(Precision.of(StateFormat.BF16).withStochasticRounding(42)));
 * }</pre>
 *
 * @param state              format of {@code exp_avg} and {@code exp_avg_sq}: float32, bfloat16 (rounded to
 *                           nearest even on every store) or 8-bit blockwise (uint8 codes plus
 *                           {@code exp_avg_scale} / {@code exp_avg_sq_scale}, one float32 per block of 256).
 *                           Tensors under {@link StateFormat#SMALL_TENSOR_THRESHOLD} elements keep
 *                           float32 state whatever is asked.
 * @param masterCopy         keep an fp32 copy of each bfloat16/float16 parameter (slot {@code master_param},
 *                           initialised from the parameter): the update is applied to it and the
 *                           parameter rounded from it. A float32 parameter in such a group is rejected.
 * @param stochasticRounding write bfloat16 parameters without master copy with stochastic rounding; a
 *                           parameter of another dtype in such a group is rejected
 * @param seed               the stochastic rounding's seed (0 without it): parameter {@code i} (its state_dict index)
 *                           rounds at step {@code t} with the noise of {@code RoundingNoise.stepKey(seed + i, t)}
 */
public record Precision(StateFormat state, boolean masterCopy, boolean stochasticRounding, long seed) {
    /** No option: float32 state, no master copy, nearest-even rounding (torch's Adam for float32 parameters). */
    public static final Precision DEFAULT = new Precision(StateFormat.FP32, false, false, 0);

    public Precision {
        Objects.requireNonNull(state, "state");
        if (!stochasticRounding) {
            seed = 0; // a seed without stochastic rounding means nothing: equal options, equal records
        }
        if (masterCopy && stochasticRounding) {
            throw new IllegalArgumentException("stochastic rounding applies to bfloat16 parameters without master copy;"
                    + " a group cannot have both");
        }
    }

    /** {@code state} moments, no master copy, nearest-even rounding. */
    public static Precision of(StateFormat state) {
        return new Precision(state, false, false, 0);
    }

    public Precision withMasterCopy() {
        return new Precision(state, true, stochasticRounding, seed);
    }

    public Precision withStochasticRounding(long seed) {
        return new Precision(state, masterCopy, true, seed);
    }

    /** True for {@link #DEFAULT}: float32 and float64 parameters then run torch's Adam kernel. */
    public boolean isDefault() {
        return equals(DEFAULT);
    }

    /** The same options with seed 0: what must match for a checkpoint's state to fit a group. */
    Precision withoutSeed() {
        return new Precision(state, masterCopy, stochasticRounding, 0);
    }

    /** {@code bf16+master}, {@code 8bit+sr(42)} style. */
    @Override
    public String toString() {
        return switch (state) {
            case FP32 -> "fp32";
            case BF16 -> "bf16";
            case BLOCKWISE_8BIT -> "8bit";
        } + " state" + (masterCopy ? " + master copy" : "") + (stochasticRounding ? " + stochastic rounding (seed " + seed + ")" : "");
    }
}
