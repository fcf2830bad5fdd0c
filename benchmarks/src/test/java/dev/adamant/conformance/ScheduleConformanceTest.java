package dev.adamant.conformance;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.schedule.Schedule;
import dev.adamant.schedule.Schedules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * lr_schedulers.json through the engine's schedules (every case must run, within relative 1e-9 and
 * in fact bit-identical), and lr_schedule_steps.json with the lr driven by {@link Schedule}
 * objects instead of the recorded per-step lr: params and state bit for bit on every EXACT backend.
 */
class ScheduleConformanceTest {

    static Stream<Arguments> schedulerCases() {
        GoldenFile file = GoldenFiles.read("lr_schedulers.json");
        List<Backend> backends = Backends.all(Numerics.EXACT).castToList();
        return file.cases().stream().flatMap(c -> backends.stream()
                .map(b -> Arguments.of(c.name() + " " + b, file, c, b)));
    }

    @Test
    void everySchedulerCaseIsSupported() {
        GoldenFile file = GoldenFiles.read("lr_schedulers.json");
        assertEquals(7, file.cases().size());
        for (GoldenCase c : file.cases()) {
            assertEquals(java.util.Optional.empty(), Replayer.unsupportedReason(file, c), c.name());
        }
    }

    /**
     * Bit-identical except OneCycleLR's lr at step 154: torch's value comes from glibc's
     * {@code cos(2.1093550674102897)} = -0x1.069abbed33676p-1, 1 ulp from the correctly rounded
     * -0x1.069abbed33677p-1 that Java's {@code Math.cos} returns, so that lr is 1 ulp off
     * (0.002435533870956018 vs torch's 0.0024355338709560184), far inside relative 1e-9.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("schedulerCases")
    void schedulerCasePassesAndIsBitIdentical(String label, GoldenFile file, GoldenCase c, Backend backend) {
        CaseResult r = new Replayer(backend).replay(file, c);
        assertTrue(r.passed(), () -> label + ": " + r.firstMismatch().describe());
        assertEquals(c.name().startsWith("onecycle") ? 1 : 0, r.maxUlp(), () -> label + ": " + r.maxText());
    }

    /** The schedule each lr_schedule_steps.json case names in its notes. */
    static Schedule scheduleFor(GoldenCase c) {
        if (c.name().contains("warmup_cosine")) {
            return Schedules.warmupCosine(0.01, 10, 60);
        }
        if (c.name().contains("cosine_annealing_Tmax30")) {
            return Schedules.cosineAnnealing(0.003, 30, 1e-4);
        }
        if (c.name().contains("steplr")) {
            return Schedules.stepDecay(0.1, 10, 0.1);
        }
        throw new AssertionError("no schedule known for " + c.name());
    }

    static Stream<Arguments> scheduleStepCases() {
        GoldenFile file = GoldenFiles.read("lr_schedule_steps.json");
        List<Backend> backends = Backends.all(Numerics.EXACT).castToList();
        return file.cases().stream().flatMap(c -> backends.stream()
                .map(b -> Arguments.of(c.name() + " " + b, file, c, b)));
    }

    @Test
    void theSchedulesGiveTheRecordedLrBitForBit() {
        GoldenFile file = GoldenFiles.read("lr_schedule_steps.json");
        assertEquals(5, file.cases().size());
        for (GoldenCase c : file.cases()) {
            Schedule s = scheduleFor(c);
            double base = new Hyper(c.groups().getFirst().hyper()).number("lr", Double.NaN);
            for (GoldenCase.Step step : c.steps()) {
                double recorded = new Hyper(step.overrides()).number("lr", base);
                assertEquals(Double.doubleToRawLongBits(recorded), Double.doubleToRawLongBits(s.valueAt(step.step())),
                        () -> c.name() + " step " + step.step() + ": recorded " + recorded + ", schedule "
                                + s.valueAt(step.step()));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scheduleStepCases")
    void optimizerDrivenByScheduleIsBitIdentical(String label, GoldenFile file, GoldenCase c, Backend backend) {
        CaseResult r = new Replayer(backend).replay(file, c, scheduleFor(c));
        assertTrue(r.passed(), () -> label + ": " + r.firstMismatch().describe());
        assertEquals(0, r.maxUlp(), () -> label + ": " + r.maxText());
    }
}
