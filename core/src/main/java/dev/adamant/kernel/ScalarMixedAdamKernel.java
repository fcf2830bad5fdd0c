package dev.adamant.kernel;

import dev.adamant.precision.Bf16;
import dev.adamant.precision.BlockCode;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.RoundingNoise;
import dev.adamant.precision.StateFormat;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The scalar reference of {@link MixedAdamKernel}: the semantic oracle of every mixed-precision fast
 * path. Per element, in float32:
 * <pre>
 * p = master ? master[i] : decode(param[i]);  g = decode(grad[i])
 * m = decode(exp_avg[i]);  v = decode(exp_avg_sq[i])       8-bit: code × block scale
 * ... AdamKernel's exact (or fast) operations on p, g, m, v ...
 * amsgrad: v_max = max(decode(max_exp_avg_sq[i]), v), as torch, and the update divides by sqrt(v_max)
 * master[i] = p;  param[i] = round(p)                      nearest even, or stochastic for bf16
 * exp_avg[i], exp_avg_sq[i] = round(m), round(v)            8-bit: after the block's new scale is known
 * max_exp_avg_sq[i] = round(v_max)                          8-bit: with its own block scales
 * </pre>
 * It works in chunks of {@link BlockCode#BLOCK} elements: first the update of the chunk, keeping
 * the new moments in float32, then their store, which for 8-bit state needs the chunk's maximum.
 */
public final class ScalarMixedAdamKernel implements MixedAdamKernel {
    private static final ScalarMixedAdamKernel EXACT = new ScalarMixedAdamKernel(Numerics.EXACT);
    private static final ScalarMixedAdamKernel FAST = new ScalarMixedAdamKernel(Numerics.FAST);

    private final Numerics numerics;

    private ScalarMixedAdamKernel(Numerics numerics) {
        this.numerics = numerics;
    }

    public static ScalarMixedAdamKernel of(Numerics numerics) {
        return numerics == Numerics.EXACT ? EXACT : FAST;
    }

    public Numerics numerics() {
        return numerics;
    }

    @Override
    public void update(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b, long from, long to) {
        if (from >= to) {
            return; // the vector kernels call this for their tail, most often empty: allocate nothing then
        }
        final float beta1 = (float) c.beta1(), oneMinusBeta1 = (float) c.oneMinusBeta1();
        final float beta2 = (float) c.beta2(), oneMinusBeta2 = (float) c.oneMinusBeta2();
        final float wd = (float) c.l2WeightDecay(), decay = (float) c.decayFactor();
        final boolean l2 = c.l2WeightDecay() != 0, decoupled = c.decayFactor() != 1;
        final boolean fast = numerics == Numerics.FAST;
        final float negStep = (float) (fast ? c.fastNegStepSize() : c.negStepSize());
        final float eps = (float) (fast ? c.fastEps() : c.eps());
        final float sqrtBc2 = (float) c.sqrtBiasCorrection2();
        final boolean maximize = c.maximize(), amsgrad = c.amsgrad();
        final boolean scaled = c.gradScale() != 1;
        final float gradScale = (float) c.gradScale();

        final FloatFormat paramFormat = layout.param(), gradFormat = layout.grad();
        final StateFormat state = layout.state();
        final boolean master = layout.master(), stochastic = layout.stochasticRounding();
        final MemorySegment param = b.param(), grad = b.grad(), expAvg = b.expAvg(), expAvgSq = b.expAvgSq();
        final MemorySegment maxExpAvgSq = b.maxExpAvgSq();
        final float[] newM = new float[BlockCode.BLOCK], newV = new float[BlockCode.BLOCK];
        final float[] newMax = amsgrad ? new float[BlockCode.BLOCK] : null;

        for (long start = from; start < to; start += BlockCode.BLOCK) {
            final long end = Math.min(start + BlockCode.BLOCK, to);
            final long block = start / BlockCode.BLOCK;
            // 8-bit state: this block's scales, read before they are replaced
            final float mScale = state == StateFormat.BLOCKWISE_8BIT ? b.expAvgScale().getAtIndex(JAVA_FLOAT, block) : 0;
            final float vScale = state == StateFormat.BLOCKWISE_8BIT ? b.expAvgSqScale().getAtIndex(JAVA_FLOAT, block) : 0;
            final float maxScale = amsgrad && state == StateFormat.BLOCKWISE_8BIT
                    ? b.maxExpAvgSqScale().getAtIndex(JAVA_FLOAT, block) : 0;
            for (long i = start; i < end; i++) {
                float p = master ? b.master().getAtIndex(JAVA_FLOAT, i) : paramFormat.load(param, i);
                float g = gradFormat.load(grad, i);
                if (scaled) g = g * gradScale;
                if (maximize) g = -g;
                if (l2) g = Math.fma(p, wd, g);
                if (decoupled && !fast) p = p * decay;
                float m = Math.fma(g, oneMinusBeta1, loadMoment(state, BlockCode.SIGNED, expAvg, i, mScale) * beta1);
                float v = Math.fma(oneMinusBeta2 * g, g, loadMoment(state, BlockCode.UNSIGNED, expAvgSq, i, vScale) * beta2);
                newM[(int) (i - start)] = m;
                newV[(int) (i - start)] = v;
                if (amsgrad) {
                    v = Math.max(loadMoment(state, BlockCode.UNSIGNED, maxExpAvgSq, i, maxScale), v);
                    newMax[(int) (i - start)] = v;
                }
                if (fast) {
                    float update = (negStep * m) / ((float) Math.sqrt(v) + eps);
                    p = decoupled ? Math.fma(p, decay, update) : p + update;
                } else {
                    p = p + (negStep * m) / ((float) Math.sqrt(v) / sqrtBc2 + eps);
                }
                if (master) {
                    b.master().setAtIndex(JAVA_FLOAT, i, p);
                }
                if (stochastic) {
                    param.setAtIndex(JAVA_SHORT, i, Bf16.fromFloatStochastic(p, RoundingNoise.bits(noiseKey, i)));
                } else {
                    paramFormat.store(param, i, p);
                }
            }
            int n = (int) (end - start);
            if (state == StateFormat.BLOCKWISE_8BIT) {
                storeBlock(BlockCode.SIGNED, newM, n, expAvg, b.expAvgScale(), start, block);
                storeBlock(BlockCode.UNSIGNED, newV, n, expAvgSq, b.expAvgSqScale(), start, block);
                if (amsgrad) storeBlock(BlockCode.UNSIGNED, newMax, n, maxExpAvgSq, b.maxExpAvgSqScale(), start, block);
            } else {
                for (int k = 0; k < n; k++) {
                    storeMoment(state, expAvg, start + k, newM[k]);
                    storeMoment(state, expAvgSq, start + k, newV[k]);
                    if (amsgrad) storeMoment(state, maxExpAvgSq, start + k, newMax[k]);
                }
            }
        }
    }

    private static float loadMoment(StateFormat state, BlockCode code, MemorySegment s, long i, float scale) {
        return switch (state) {
            case FP32 -> s.getAtIndex(JAVA_FLOAT, i);
            case BF16 -> Bf16.toFloat(s.getAtIndex(JAVA_SHORT, i));
            case BLOCKWISE_8BIT -> code.decode(s.getAtIndex(JAVA_BYTE, i), scale);
        };
    }

    private static void storeMoment(StateFormat state, MemorySegment s, long i, float value) {
        if (state == StateFormat.FP32) {
            s.setAtIndex(JAVA_FLOAT, i, value);
        } else {
            s.setAtIndex(JAVA_SHORT, i, Bf16.fromFloat(value));
        }
    }

    /** Quantizes {@code values[0, n)} as block {@code block}: its scale is their absolute maximum. */
    private static void storeBlock(BlockCode code, float[] values, int n, MemorySegment codes, MemorySegment scales,
                                   long start, long block) {
        float absMax = 0;
        for (int k = 0; k < n; k++) {
            absMax = Math.max(absMax, Math.abs(values[k]));
        }
        float scale = BlockCode.scaleOf(absMax);
        float inverse = BlockCode.inverseOf(scale);
        scales.setAtIndex(JAVA_FLOAT, block, scale);
        // inverse 0 (zeros, or a non-finite block) writes zero codes through encode
        for (int k = 0; k < n; k++) {
            codes.setAtIndex(JAVA_BYTE, start + k, code.encode(values[k], inverse));
        }
    }
}
