package dev.adamant;

import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.FlatParameters;
import dev.adamant.optim.GradScaler;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.Precision;
import dev.adamant.precision.StateFormat;

import java.util.List;

/**
 * The README's mixed-precision example. The code between the {@code README:mixed-precision} markers
 * is the README's block, byte for byte after de-indenting ({@link MixedPrecisionExampleTest}).
 */
final class MixedPrecisionExample {
    private MixedPrecisionExample() {
    }

    /** The backend's backward pass: writes the gradients of (loss · lossScale). */
    interface Backward {
        void run(float lossScale);
    }

    // README:mixed-precision begin
    /** bf16 weights (flat storage) with fp32 master copies and 8-bit moments; an fp32 bias with a bf16 gradient. */
    static AdamW newOptimizer(FlatParameters bf16Weights, Parameter fp32Bias) {
        AdamW opt = new AdamW(AdamConfig.adamW().withLr(1e-2));
        Precision compact = Precision.of(StateFormat.BLOCKWISE_8BIT).withMasterCopy();
        opt.addParamGroup(bf16Weights.parameters(), c -> c.withPrecision(compact));   // under 4096 elements: fp32 state
        opt.addParamGroup(List.of(fp32Bias), c -> c.withWeightDecay(0));              // a bf16 grad needs no option
        return opt;
    }

    static void train(AdamW opt, int steps, Backward backward) {
        GradScaler scaler = new GradScaler();
        for (int step = 1; step <= steps; step++) {
            backward.run(scaler.scale());      // the backend writes the bf16 gradients
            scaler.unscale(opt);               // fused into the mixed kernel, as for fp32
            opt.clipGradNorm(1.0, 2.0);        // 16-bit gradients are measured in float32
            scaler.step(opt);
            scaler.update();
            opt.zeroGrad();
        }
    }
    // README:mixed-precision end
}
