package dev.adamant.checkpoint;

import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static dev.adamant.checkpoint.TrainingCases.assertSameParams;
import static dev.adamant.checkpoint.TrainingCases.assertSameState;
import static dev.adamant.checkpoint.TrainingCases.closeAll;
import static dev.adamant.checkpoint.TrainingCases.crashOptimizer;
import static dev.adamant.checkpoint.TrainingCases.crashSizes;
import static dev.adamant.checkpoint.TrainingCases.params;
import static dev.adamant.checkpoint.TrainingCases.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM trains and saves a checkpoint after every step until it is killed with SIGKILL
 * ({@code destroyForcibly}) at a random moment; each next child resumes from whatever the file holds.
 * After every kill the file must load and equal, bit for bit, the state after the last step the child
 * reported saved or after the one it was saving (the rename happened, the report did not); temporary
 * files left by a kill must not stop the next child from saving.
 */
class CrashSafetyTest {
    /** About 4.4 MB per checkpoint (AdamW with amsgrad: the parameter and three state tensors). */
    static final int SIZE = 1 << 18;
    static final int KILLS = 4;
    /**
     * The kill comes this long at most after the child says it starts a save: a save of this size
     * takes 20-100 ms here, most of it in writing and forcing the temporary file.
     */
    static final long KILL_WINDOW_MS = 40;
    /** Each kill costs a JVM start (1.5 to 5 s on a loaded 2-core machine): more kills only while this lasts. */
    static final long BUDGET_MS = 10_000;
    static final int MIN_KILLS = 3;

    @TempDir
    Path dir;

    @Test
    void aKilledSaverLeavesTheOldCheckpointOrTheNewOne() throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        SplittableRandom random = new SplittableRandom(0x5EED);
        List<Parameter> refParams = params(true, crashSizes(SIZE));
        long start = System.nanoTime();
        int kills = 0;
        long litter = 0;
        java.util.Set<Path> seen = new java.util.HashSet<>();
        StringBuilder steps = new StringBuilder();
        try (Optimizer<?, ?> reference = crashOptimizer(refParams)) {
            // at least MIN_KILLS however slow the machine; more while the budget lasts
            while (kills < MIN_KILLS || (kills < KILLS && elapsedMs(start) < BUDGET_MS)) {
                Process child = new ProcessBuilder(TrainingCases.childCommand("save-loop", file.toString(),
                        Integer.toString(SIZE), Long.toString(Long.MAX_VALUE)))
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                String ready = lines.readLine();
                assertTrue(ready != null && ready.startsWith("ready "), "child did not start: " + ready);
                AtomicLong lastSaved = new AtomicLong(Long.parseLong(ready.substring(6)));
                Semaphore saving = new Semaphore(0);
                CompletableFuture<Void> reports = CompletableFuture.runAsync(() -> readSaves(lines, lastSaved, saving));
                // kill at a random point of the first, second or third save
                int save = 1 + random.nextInt(3);
                assertTrue(saving.tryAcquire(save, 30, TimeUnit.SECONDS), "the child stopped saving");
                Thread.sleep(random.nextLong(KILL_WINDOW_MS));
                child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
                reports.get(30, TimeUnit.SECONDS);
                kills++;

                long reported = lastSaved.get();
                if (Files.exists(file)) {
                    long onDisk = checkpointMatchesReference(file, reference, refParams);
                    assertTrue(onDisk == reported || onDisk == reported + 1, "the file holds step " + onDisk
                            + " but the child last reported step " + reported + " saved");
                    steps.append(' ').append(onDisk);
                } else { // killed before its first rename
                    assertEquals(0, reported, "the child reported a save, but there is no checkpoint");
                    steps.append(" none");
                }
                litter += countLitter(file, seen);
            }
            // a last child resumes despite any temporary files a kill left, and saves three times
            Process last = new ProcessBuilder(TrainingCases.childCommand("save-loop", file.toString(),
                    Integer.toString(SIZE), "3")).redirectErrorStream(true).start();
            String output = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(last.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, last.exitValue(), output);
            checkpointMatchesReference(file, reference, refParams);
        } finally {
            closeAll(refParams);
        }
        System.out.println("CrashSafetyTest: " + kills + " kills in " + elapsedMs(start) + " ms, "
                + litter + " temporary files left by kills; steps on disk after each kill:" + steps);
    }

    private static void readSaves(BufferedReader lines, AtomicLong lastSaved, Semaphore saving) {
        try {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.startsWith("saving ")) {
                    saving.release();
                } else if (line.startsWith("saved ")) {
                    lastSaved.set(Long.parseLong(line.substring(6)));
                }
            }
        } catch (IOException e) {
            // the pipe closes when the child dies
        }
    }

    /**
     * Loads the file into a fresh optimizer, brings the reference to the same step and compares them
     * bit for bit; returns the step.
     */
    private static long checkpointMatchesReference(Path file, Optimizer<?, ?> reference, List<Parameter> refParams)
            throws IOException {
        List<Parameter> ps = params(false, crashSizes(SIZE));
        try (Optimizer<?, ?> loaded = crashOptimizer(ps)) {
            Checkpoints.load(loaded, file);
            long step = loaded.stepCount();
            assertTrue(step >= reference.stepCount(), "the checkpoint went back from step "
                    + reference.stepCount() + " to " + step);
            train(reference, refParams, reference.stepCount(), step - reference.stepCount());
            assertSameParams(refParams, ps, "at step " + step);
            assertSameState(reference, refParams, loaded, ps);
            return step;
        } finally {
            closeAll(ps);
        }
    }

    /** Files beside the checkpoint: only the saver's temporary files may be there; returns how many are new. */
    private static long countLitter(Path file, java.util.Set<Path> seen) throws IOException {
        String prefix = "." + file.getFileName() + ".";
        try (Stream<Path> files = Files.list(file.getParent())) {
            List<Path> others = files.filter(f -> !f.equals(file)).toList();
            for (Path f : others) {
                String name = f.getFileName().toString();
                assertTrue(name.startsWith(prefix) && name.endsWith(".tmp"), "unexpected file " + name);
            }
            return others.stream().filter(seen::add).count();
        }
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
