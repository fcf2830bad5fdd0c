package dev.adamant.checkpoint;

import dev.adamant.checkpoint.TrainingCases.Case;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.adamant.checkpoint.TrainingCases.M;
import static dev.adamant.checkpoint.TrainingCases.N;
import static dev.adamant.checkpoint.TrainingCases.assertSameParams;
import static dev.adamant.checkpoint.TrainingCases.assertSameState;
import static dev.adamant.checkpoint.TrainingCases.build;
import static dev.adamant.checkpoint.TrainingCases.closeAll;
import static dev.adamant.checkpoint.TrainingCases.params;
import static dev.adamant.checkpoint.TrainingCases.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Train N steps, save, load into a fresh optimizer, train M more: bit-identical parameters and state
 * to N+M straight steps, for every optimizer and every option that creates state ({@link TrainingCases}),
 * in both load modes, and once in a fresh JVM.
 */
class ResumeTest {

    static Stream<Arguments> casesAndModes() {
        return TrainingCases.all().stream().flatMap(c -> Stream.of(LoadMode.values()).map(m -> Arguments.of(c, m)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("casesAndModes")
    void resumingIsBitIdenticalToNotStopping(Case c, LoadMode mode, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        List<Parameter> straightParams = params(true);
        List<Parameter> firstParams = params(true);
        List<Parameter> resumedParams = params(false);
        try (Optimizer<?, ?> straight = build(c, straightParams);
             Optimizer<?, ?> first = build(c, firstParams);
             Optimizer<?, ?> resumed = build(c, resumedParams)) {
            train(straight, straightParams, 0, N + M);
            train(first, firstParams, 0, N);
            Checkpoints.save(first, file, true);

            Checkpoints.load(resumed, file, mode);
            assertEquals(N, resumed.stepCount());
            assertSameParams(firstParams, resumedParams, "after load");
            assertSameState(first, firstParams, resumed, resumedParams);

            train(resumed, resumedParams, N, M);
            assertSameParams(straightParams, resumedParams, "after resuming");
            assertSameState(straight, straightParams, resumed, resumedParams);
        } finally {
            closeAll(straightParams);
            closeAll(firstParams);
            closeAll(resumedParams);
        }
    }

    /**
     * Every case's checkpoint after N steps is resumed in one child JVM (nothing shared with this one
     * but the files), which trains M more steps and saves: the result loads into a fresh optimizer
     * here equal to N+M straight steps, and the child's file is byte for byte the straight run's.
     */
    @Test
    void resumingInAFreshProcessIsBitIdenticalToNotStopping(@TempDir Path dir) throws Exception {
        List<Case> cases = TrainingCases.all();
        List<String> args = new ArrayList<>(List.of("resume", Integer.toString(N), Integer.toString(M)));
        for (int i = 0; i < cases.size(); i++) {
            List<Parameter> ps = params(true);
            try (Optimizer<?, ?> first = build(cases.get(i), ps)) {
                train(first, ps, 0, N);
                Checkpoints.save(first, dir.resolve(i + ".in"), true);
            } finally {
                closeAll(ps);
            }
            args.addAll(List.of(cases.get(i).name(), dir.resolve(i + ".in").toString(), dir.resolve(i + ".out").toString()));
        }

        Process child = new ProcessBuilder(TrainingCases.childCommand(args.toArray(String[]::new)))
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);
        assertTrue(output.contains("done"), output);

        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            List<Parameter> straightParams = params(true);
            List<Parameter> loadedParams = params(false);
            try (Optimizer<?, ?> straight = build(c, straightParams);
                 Optimizer<?, ?> loaded = build(c, loadedParams)) {
                train(straight, straightParams, 0, N + M);
                Checkpoints.load(loaded, dir.resolve(i + ".out"));
                assertSameParams(straightParams, loadedParams, "of " + c + " resumed in a child JVM");
                assertSameState(straight, straightParams, loaded, loadedParams);
                Path straightFile = dir.resolve(i + ".straight");
                Checkpoints.save(straight, straightFile, true);
                assertArrayEquals(Files.readAllBytes(straightFile), Files.readAllBytes(dir.resolve(i + ".out")),
                        c + ": the child's checkpoint differs from the straight run's");
            } finally {
                closeAll(straightParams);
                closeAll(loadedParams);
            }
        }
    }
}
