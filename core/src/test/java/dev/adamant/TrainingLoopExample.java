package dev.adamant;

import dev.adamant.checkpoint.Checkpoints;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.GradScaler;
import dev.adamant.optim.Monitoring;
import dev.adamant.optim.NonFinitePolicy;
import dev.adamant.optim.Parameter;
import dev.adamant.schedule.Schedule;
import dev.adamant.schedule.Schedules;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The README's training loop. The code between the {@code README:training-loop} markers is the
 * README's code block, line for line ({@link TrainingLoopExampleTest} checks it and runs it), so
 * the README's example always compiles and works.
 */
final class TrainingLoopExample {
    private TrainingLoopExample() {
    }

    // README:training-loop begin
    /**
     * The "backend": a linear model y ≈ x·w + b over n samples of d features (x row-major), its mean
     * squared error, and the gradients of (loss · lossScale) ADDED to gw and gb, as autograd does.
     */
    static float lossAndGrads(float[] x, float[] y, Tensor w, Tensor b, Tensor gw, Tensor gb, float lossScale) {
        int n = y.length, d = (int) w.size();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            float r = b.getFloat(0) - y[i];                              // residual of sample i
            for (int j = 0; j < d; j++) r += x[i * d + j] * w.getFloat(j);
            loss += (double) r * r / n;
            float g = 2 * r / n * lossScale;                             // d(loss·scale)/d(prediction)
            for (int j = 0; j < d; j++) gw.setFloat(j, gw.getFloat(j) + g * x[i * d + j]);
            gb.setFloat(0, gb.getFloat(0) + g);
        }
        return (float) loss;
    }

    /** AdamW, two groups (no weight decay on the bias), warmup + cosine; the same for a resumed run. */
    static AdamW newOptimizer(Parameter weight, Parameter bias, int steps) {
        AdamW opt = new AdamW(AdamConfig.adamW().withWeightDecay(0.01));
        Schedule lr = Schedules.warmupCosine(0.05, 20, steps);      // 20 steps up to 0.05, cosine down to 0
        opt.addParamGroup(List.of(weight)).setSchedule(lr);
        opt.addParamGroup(List.of(bias), c -> c.withWeightDecay(0)).setSchedule(lr);
        opt.setNonFinitePolicy(NonFinitePolicy.SKIP_STEP);          // a NaN/Inf gradient skips the step
        opt.setMonitoring(Monitoring.PER_GROUP);                    // step statistics, computed inside the step
        return opt;
    }

    /** Trains from w = 0, b = 0; returns the loss of every step; leaves a checkpoint every 100 steps. */
    static float[] train(float[] x, float[] y, int features, int steps, Path checkpoint) throws IOException {
        float[] losses = new float[steps];
        try (Tensor w = Tensor.allocate(DType.FLOAT32, features); Tensor b = Tensor.allocate(DType.FLOAT32, 1);
             Tensor gw = Tensor.allocate(DType.FLOAT32, features); Tensor gb = Tensor.allocate(DType.FLOAT32, 1)) {
            Parameter weight = Parameter.of("weight", w), bias = Parameter.of("bias", b);
            weight.setGrad(gw);
            bias.setGrad(gb);
            GradScaler scaler = new GradScaler();                      // mixed-precision loss scaling
            try (AdamW opt = newOptimizer(weight, bias, steps)) {
                for (int step = 1; step <= steps; step++) {
                    float loss = losses[step - 1] = lossAndGrads(x, y, w, b, gw, gb, scaler.scale());
                    scaler.unscale(opt);                               // so that the clip sees true gradients
                    opt.clipGradNorm(1.0, 2.0);                        // fused into the step: no extra write pass
                    scaler.step(opt);                                  // skipped (false) if a gradient overflowed
                    scaler.update();

                    if (step % 100 == 0) {                             // what the step did, per group
                        opt.lastStepStats().filter(s -> !s.skipped()).map(s -> s.groups().get(0)).ifPresent(weights ->
                                System.out.printf("loss %.3g  |grad| %.3g  update/param %.1e  lr per element %.1e..%.1e%n",
                                        loss, weights.gradNorm(), weights.updateToParamRatio(),
                                        weights.effectiveLrMin(), weights.effectiveLrMax()));
                    }

                    opt.zeroGrad();                                    // lossAndGrads accumulates
                    if (step % 100 == 0) {
                        Checkpoints.save(opt, checkpoint, true);       // optimizer state and parameters
                    }
                }
            }
        }
        return losses;
    }
    // README:training-loop end
}
