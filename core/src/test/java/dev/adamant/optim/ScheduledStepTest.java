package dev.adamant.optim;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.schedule.OneCycle;
import dev.adamant.schedule.Schedules;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Schedules attached to param groups: applied at every step, before the update, at the optimizer's step count. */
class ScheduledStepTest {
    private final List<Tensor> owned = new ArrayList<>();

    @AfterEach
    void close() {
        owned.forEach(Tensor::close);
    }

    private Parameter param(String name, float value, float grad) {
        Tensor data = Tensor.allocate(DType.FLOAT32, 1);
        data.copyFrom(new float[] {value});
        Tensor g = Tensor.allocate(DType.FLOAT32, 1);
        g.copyFrom(new float[] {grad});
        owned.add(data);
        owned.add(g);
        Parameter p = Parameter.of(name, data);
        p.setGrad(g);
        return p;
    }

    private static float value(Parameter p) {
        return p.data().toFloatArray()[0];
    }

    @Test
    void theLrScheduleSetsEachStepsLrBeforeTheUpdate() {
        Parameter w = param("w", 0, 1);
        try (Sgd sgd = new Sgd(SgdConfig.sgd().withLr(5), Backends.scalar(Numerics.EXACT))) {
            ParamGroup<SgdConfig> g = sgd.addParamGroup(List.of(w));
            g.setSchedule(step -> 0.25 * step);
            sgd.step();
            assertEquals(1, sgd.stepCount());
            assertEquals(0.25, g.lr());
            assertEquals(-0.25f, value(w));
            g.setLr(100);   // the schedule wins at the next step
            sgd.step();
            assertEquals(-0.75f, value(w));
            g.clearSchedules();
            sgd.step();
            assertEquals(-1.25f, value(w));
        }
    }

    @Test
    void aParameterThatSkipsAStepStillSeesTheGroupsPosition() {
        Parameter a = param("a", 0, 1);
        Parameter b = param("b", 0, 1);
        Tensor bGrad = b.grad();
        try (Sgd sgd = new Sgd(SgdConfig.sgd(), Backends.scalar(Numerics.EXACT))) {
            sgd.addParamGroup(List.of(a, b)).setSchedule(Schedules.stepDecay(1, 1, 0.5));
            b.setGrad(null);
            sgd.step();          // lr 1: only a moves
            b.setGrad(bGrad);
            sgd.step();          // lr 0.5 for both, although it is b's first step
            assertEquals(-1.5f, value(a));
            assertEquals(-0.5f, value(b));
            assertEquals(1, sgd.state(b).orElseThrow().step());
        }
    }

    @Test
    void anInvalidScheduledValueRejectsTheStepBeforeAnythingChanges() {
        Parameter w = param("w", 0, 1);
        try (Sgd sgd = new Sgd(SgdConfig.sgd(), Backends.scalar(Numerics.EXACT))) {
            ParamGroup<SgdConfig> g = sgd.addParamGroup(List.of(w));
            g.setSchedule(step -> step == 1 ? 1 : -1);
            sgd.step();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, sgd::step);
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
            assertEquals(1, sgd.stepCount());
            assertEquals(1.0, g.lr());
            assertEquals(-1f, value(w));
        }
    }

    @Test
    void oneCycleDrivesSgdMomentumAndAdamBeta1ThroughTheHook() {
        OneCycle cycle = OneCycle.of(0.01, 100);
        Parameter w = param("w", 1, 1);
        try (Sgd sgd = new Sgd(SgdConfig.sgd().withMomentum(0.9), Backends.scalar(Numerics.EXACT))) {
            ParamGroup<SgdConfig> g = sgd.addParamGroup(List.of(w));
            g.setSchedule(cycle.lr());
            g.addSchedule(cycle.momentum(), SgdConfig::withMomentum);
            for (int t = 1; t <= 5; t++) {
                sgd.step();
                assertEquals(cycle.lr().valueAt(t), g.lr());
                assertEquals(cycle.momentum().valueAt(t), g.config().momentum());
            }
        }
        Parameter v = param("v", 1, 1);
        try (Adam adam = new Adam(AdamConfig.adam(), Backends.scalar(Numerics.EXACT))) {
            ParamGroup<AdamConfig> g = adam.addParamGroup(List.of(v));
            g.setSchedule(cycle.lr());
            g.addSchedule(cycle.momentum(), (c, beta1) -> c.withBetas(beta1, c.beta2()));
            adam.step();
            adam.step();
            assertArrayEquals(new double[] {cycle.momentum().valueAt(2), 0.999},
                    new double[] {g.config().beta1(), g.config().beta2()});
        }
    }
}
