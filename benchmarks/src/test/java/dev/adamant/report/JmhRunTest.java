package dev.adamant.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading JMH's JSON: the runs of one sweep merged, the iterations, the settings when they differ. */
class JmhRunTest {
    private static final String MIXED = "dev.adamant.bench.MixedAdamStepBenchmark.step";

    @Test
    void mergeConcatenatesTheRunsArraysInOrder() {
        String first = new SyntheticJmh().adamW("512", "FAST", 4096, 1e6).stream(4096, 2e6).json();
        String second = new SyntheticJmh().add(MIXED, Map.of("format", "fp32-adamw", "numerics", "FAST"), 30).json();
        JmhRun run = JmhRun.parse(JmhRun.merge(List.of(first, second)));
        assertEquals(List.of("AdamWStepBenchmark", "StreamProbeBenchmark", "MixedAdamStepBenchmark"),
                run.scores().stream().map(JmhRun.Score::benchmark).toList());
        assertEquals(30, run.scores().getLast().opsPerSecond(), 1e-12);
        // a run whose configurations all failed leaves an empty array; the others' results stand
        assertEquals(2, JmhRun.parse(JmhRun.merge(List.of(first, "[ ]"))).scores().size());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JmhRun.parse(JmhRun.merge(List.of("[]", "[ ]"))))
                .getMessage().contains("no results"));
        assertThrows(IllegalArgumentException.class, () -> JmhRun.merge(List.of(first, "{\"benchmark\": 1}")));
        assertThrows(IllegalArgumentException.class, () -> JmhRun.merge(List.of("not json")));
    }

    @Test
    void iterationsAreReadPerForkInOpsPerSecond() {
        String json = new SyntheticJmh().add(MIXED, Map.of("format", "fp32-adamw"), 20, 0.5, 30, 29.5).json()
                .replace("\"ops/s\"", "\"ops/ms\"");
        assertEquals(List.of(List.of(500.0, 30000.0, 29500.0)), JmhRun.parse(json).scores().getFirst().iterations());
    }

    @Test
    void aWarmupThatVariesIsGivenWithItsBenchmarks() {
        String json = new SyntheticJmh().warmup(2, "400 ms").adamW("512", "FAST", 4096, 1e6).stream(4096, 2e6)
                .warmup(5, "1 s").add(MIXED, Map.of("format", "fp32-adamw"), 30).add(MIXED, Map.of("format", "fp32/fp32/bf16"), 36)
                .json();
        JmhRun.Settings settings = JmhRun.parse(json).settings();
        assertEquals("2 × 400 ms (5 × 1 s for MixedAdamStepBenchmark)", settings.warmup());
        assertEquals("3 × 500 ms", settings.measurement());
        assertEquals("2 × 500 ms", JmhRun.parse(new SyntheticJmh().stream(4096, 2e6).json()).settings().warmup());
    }
}
