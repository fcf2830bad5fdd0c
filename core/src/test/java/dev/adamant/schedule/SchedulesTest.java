package dev.adamant.schedule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulesTest {
    private static final double TOL = 1e-12;

    private static void assertValues(Schedule s, double... expected) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], s.valueAt(i + 1), TOL, "step " + (i + 1));
        }
    }

    private static void assertRejects(String fragment, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(fragment), () -> "message '" + ex.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void constant() {
        Schedule s = Schedules.constant(0.1);
        assertEquals(0.1, s.valueAt(1));
        assertEquals(0.1, s.valueAt(1_000_000));
    }

    @Test
    void linearWarmupStartsAtZeroAndHoldsThePeak() {
        assertValues(Schedules.linearWarmup(1.0, 4), 0, 0.25, 0.5, 0.75, 1, 1);
        assertValues(Schedules.linearWarmup(0.3, 0), 0.3, 0.3);
    }

    @Test
    void warmupCosineIsTheGoldenLambda() {
        double c = 0.5 * (1 + Math.cos(Math.PI / 4));
        assertValues(Schedules.warmupCosine(1.0, 2, 6), 0, 0.5, 1, c, 0.5, 1 - c, 0, 0, 0);
        assertEquals(0, Schedules.warmupCosine(1.0, 2, 6).valueAt(100), TOL);
    }

    @Test
    void lambdaGetsTorchsZeroBasedEpoch() {
        Schedule s = Schedules.lambda(0.5, k -> k * 2);
        assertValues(s, 0, 1, 2);
    }

    @Test
    void cosineAnnealingFollowsTorchsRecursionAndRisesAgainPastTmax() {
        assertValues(Schedules.cosineAnnealing(1.0, 2, 0), 1, 0.5, 0, 0.5, 1, 0.5, 0);
    }

    @Test
    void cosineAnnealingAgreesWithTheClosedForm() {
        double base = 0.001, etaMin = 1e-5;
        long tMax = 50;
        Schedule s = Schedules.cosineAnnealing(base, tMax, etaMin);
        for (long t = 1; t <= 200; t++) {
            long k = t - 1;
            double closed = etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * k / tMax)) / 2;
            assertEquals(closed, s.valueAt(t), 1e-11 * base, "step " + t);
        }
        // evaluated out of order, a recurrence restarts and gives the same values
        assertEquals(s.valueAt(17), Schedules.cosineAnnealing(base, tMax, etaMin).valueAt(17));
    }

    @Test
    void stepDecay() {
        assertValues(Schedules.stepDecay(1.0, 3, 0.5), 1, 1, 1, 0.5, 0.5, 0.5, 0.25);
    }

    @Test
    void exponential() {
        assertValues(Schedules.exponential(2.0, 0.5), 2, 1, 0.5, 0.25);
    }

    @Test
    void linearLr() {
        assertValues(Schedules.linearLr(1.0, 0.5, 1.0, 2), 0.5, 0.75, 1, 1, 1);
        assertValues(Schedules.linearLr(2.0, 1.0, 0.5, 4), 2, 1.75, 1.5, 1.25, 1, 1);
    }

    @Test
    void oneCycleCosAndLinear() {
        OneCycle cycle = OneCycle.of(1.0, 10);   // warm-up ends at step index 0.3*10-1 = 2
        assertValues(cycle.lr(), 0.04, 0.52, 1.0);
        assertEquals(0.04 / 1e4, cycle.lr().valueAt(10), TOL);
        assertValues(cycle.momentum(), 0.95, 0.90, 0.85);
        assertEquals(0.95, cycle.momentum().valueAt(10), TOL);
        OneCycle linear = cycle.withAnneal(OneCycle.Anneal.LINEAR);
        assertValues(linear.lr(), 0.04, 0.52, 1.0);
        assertEquals(1.0 - (1.0 - 4e-6) / 7, linear.lr().valueAt(4), TOL);
        assertRejects("Tried to step 12 times", () -> cycle.lr().valueAt(12));
    }

    @Test
    void joinRestartsTheSecondScheduleAfterTheBoundary() {
        Schedule s = Schedules.join(Schedules.constant(1), Schedules.exponential(1, 0.5), 2);
        assertValues(s, 1, 1, 1, 0.5, 0.25);
    }

    @Test
    void warmupJoinedWithCosineAnnealing() {
        Schedule s = Schedules.join(Schedules.linearWarmup(1.0, 2), Schedules.cosineAnnealing(1.0, 2, 0), 2);
        assertValues(s, 0, 0.5, 1, 0.5, 0);
    }

    @Test
    void multiply() {
        assertValues(Schedules.multiply(Schedules.constant(2), Schedules.linearWarmup(1, 2)), 0, 1, 2, 2);
    }

    @Test
    void badInputNamesTheValue() {
        assertRejects("total steps: 0", () -> Schedules.warmupCosine(1, 0, 0));
        assertRejects("total steps: -5", () -> Schedules.warmupCosine(1, 0, -5));
        assertRejects("warmup of 10 steps is not shorter than the run of 10", () -> Schedules.warmupCosine(1, 10, 10));
        assertRejects("warmup steps: -1", () -> Schedules.linearWarmup(1, -1));
        assertRejects("value: -1.0", () -> Schedules.constant(-1));
        assertRejects("base lr: NaN", () -> Schedules.exponential(Double.NaN, 0.5));
        assertRejects("peak lr: -0.1", () -> Schedules.warmupCosine(-0.1, 1, 10));
        assertRejects("T_max: 0", () -> Schedules.cosineAnnealing(1, 0, 0));
        assertRejects("eta_min: -1.0", () -> Schedules.cosineAnnealing(1, 10, -1));
        assertRejects("step_size: 0", () -> Schedules.stepDecay(1, 0, 0.1));
        assertRejects("gamma: -0.5", () -> Schedules.exponential(1, -0.5));
        assertRejects("start_factor: 0.0", () -> Schedules.linearLr(1, 0, 1, 5));
        assertRejects("end_factor: 1.5", () -> Schedules.linearLr(1, 0.5, 1.5, 5));
        assertRejects("total_iters: 0", () -> Schedules.linearLr(1, 0.5, 1, 0));
        assertRejects("boundary: -1", () -> Schedules.join(Schedules.constant(1), Schedules.constant(1), -1));
        assertRejects("total_steps: 0", () -> OneCycle.of(1, 0));
        assertRejects("pct_start 0.3 of total_steps 3", () -> OneCycle.of(1, 3));
        assertRejects("pct_start: 1.5", () -> OneCycle.of(1, 100).withPctStart(1.5));
        assertRejects("div_factor: 0.0", () -> OneCycle.of(1, 100).withDivFactors(0, 1e4));
        assertRejects("max_lr: -1.0", () -> OneCycle.of(-1, 100));
        assertRejects("Invalid step: 0", () -> Schedules.constant(1).valueAt(0));
        assertRejects("Invalid step: 0", () -> Schedules.cosineAnnealing(1, 5, 0).valueAt(0));
    }
}
