package dev.adamant;

import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamState;
import dev.adamant.optim.AdamUpdate;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.ParamGroup;
import dev.adamant.optim.Parameter;
import dev.adamant.schedule.OneCycle;
import dev.adamant.schedule.Schedules;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The README's examples, kept compiling and checked against the low-level entry point. */
class ReadmeExampleTest {

    @Test
    void optimizerExampleRunsAndMatchesTheLowLevelCall() {
        float[] expectedW = {0.5f, -1.0f, 2.0f}, gradW = {0.1f, -0.2f, 0.3f};
        float[] m = new float[3], v = new float[3];
        try (Tensor w = Tensor.ofFloats(0.5f, -1.0f, 2.0f);
             Tensor b = Tensor.allocate(DType.FLOAT32, 3);
             Tensor gw = Tensor.allocate(DType.FLOAT32, 3);
             Tensor gb = Tensor.allocate(DType.FLOAT32, 3);
             AdamW opt = new AdamW(AdamConfig.adamW().withLr(3e-4))) {

            Parameter weight = Parameter.of("weight", w), bias = Parameter.of("bias", b);
            opt.addParamGroup(List.of(weight));
            opt.addParamGroup(List.of(bias), c -> c.withWeightDecay(0));
            weight.setGrad(gw);
            bias.setGrad(gb);

            for (int step = 1; step <= 100; step++) {
                gw.copyFrom(gradW);
                double lr = 3e-4 * Math.min(1, step / 10.0);
                opt.paramGroups().forEach(g -> g.setLr(lr));
                opt.step();
                opt.zeroGrad();
                AdamUpdate.with(opt.backend()).apply(AdamConfig.adamW().withLr(lr), step,
                        expectedW, gradW, m, v, null, 0, 3);
            }
            AdamState s = opt.state(weight).orElseThrow();
            assertEquals(100, s.step());
            assertArrayEquals(expectedW, w.toFloatArray());
            assertArrayEquals(m, s.expAvg().toFloatArray());
            assertArrayEquals(v, s.expAvgSq().toFloatArray());
            assertNotEquals(0.5f, w.getFloat(0));
            assertArrayEquals(new float[3], gw.toFloatArray(), "zeroGrad zeroes in place");
        }
    }

    @Test
    void scheduleExampleRuns() {
        try (Tensor w = Tensor.ofFloats(0.5f, -1.0f, 2.0f);
             Tensor gw = Tensor.ofFloats(0.1f, 0.2f, -0.3f);
             AdamW opt = new AdamW(AdamConfig.adamW())) {
            Parameter weight = Parameter.of("weight", w);
            weight.setGrad(gw);
            ParamGroup<AdamConfig> group = opt.addParamGroup(List.of(weight));
            group.setSchedule(Schedules.warmupCosine(3e-4, 5, 50));
            for (int step = 1; step <= 50; step++) {
                opt.step();
                assertEquals(Schedules.warmupCosine(3e-4, 5, 50).valueAt(step), group.lr(), "lr of step " + step);
            }

            OneCycle cycle = OneCycle.of(0.01, 100);
            group.setSchedule(cycle.lr());
            group.addSchedule(cycle.momentum(), (c, beta1) -> c.withBetas(beta1, c.beta2()));
            opt.step();
            assertEquals(cycle.momentum().valueAt(opt.stepCount()), group.config().beta1());
        }
    }
}
