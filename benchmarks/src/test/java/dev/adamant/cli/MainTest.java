package dev.adamant.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adamant.conformance.GoldenFiles;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line, run in-process through {@link Main#run}. */
class MainTest {
    private final int backends = Backends.all(Numerics.EXACT).size();

    /** Exit code, stdout lines and stderr of one run. */
    record Run(int code, List<String> lines, String err) {
        String last() {
            return lines.getLast();
        }

        long count(String prefix) {
            return lines.stream().filter(l -> l.startsWith(prefix)).count();
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8).lines().toList(), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void adamJsonPassesOnEveryBackend() {
        Run r = run("conformance", GoldenFiles.path("adam.json").toString());
        assertEquals(0, r.code(), r.lines() + r.err());
        assertEquals((22 * backends) + " passed, 0 failed", r.last());
        assertTrue(r.lines().contains("PASS  adam.json  defaults_1step_n33  scalar/exact  max 0 ulp"), r.lines().toString());
    }

    @Test
    void oneCorruptedValueFailsWithItsLocation(@TempDir Path dir) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(GoldenFiles.path("adam.json").toFile());
        ArrayNode cases = (ArrayNode) root.get("cases");
        while (cases.size() > 1) {
            cases.remove(cases.size() - 1);
        }
        ObjectNode step = (ObjectNode) cases.get(0).get("steps").get(0);
        ArrayNode expAvg = (ArrayNode) step.get("state_after").get("exp_avg");
        float gold = expAvg.get(3).floatValue();
        expAvg.set(3, mapper.getNodeFactory().numberNode(Math.nextUp(gold)));
        Path corrupted = dir.resolve("corrupted.json");
        mapper.writeValue(corrupted.toFile(), root);

        Run r = run("conformance", corrupted.toString());
        assertEquals(1, r.code(), r.lines().toString());
        assertEquals("0 passed, " + backends + " failed", r.last());
        assertEquals(backends, r.count("FAIL  corrupted.json  defaults_1step_n33  "));
        String fail = r.lines().stream().filter(l -> l.startsWith("FAIL")).findFirst().orElseThrow();
        assertTrue(fail.endsWith("first mismatch at step 1 exp_avg[3]: expected " + Math.nextUp(gold)
                + " got " + gold + " (1 ulp)"), fail);
    }

    @Test
    void missingFileIsAUsageError() {
        Run r = run("conformance", GoldenFiles.path("adam.json").toString(), "no/such/golden.json");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no such file or directory: no/such/golden.json"), r.err());
        assertTrue(r.lines().isEmpty(), "nothing runs before the usage error: " + r.lines());
    }

    @Test
    void badOptionsAreUsageErrors() {
        String adam = GoldenFiles.path("adam.json").toString();
        Run width = run("conformance", "--width", "1024", adam);
        assertEquals(2, width.code());
        assertTrue(width.err().contains("--width '1024'"), width.err());
        assertEquals(2, run("conformance", "--kernels", "all", adam).code());
        assertEquals(2, run("conformance", "--numerics").code());
        assertEquals(2, run("conformance").code());
        assertEquals(2, run("frobnicate").code());
    }

    /**
     * A copy of golden file {@code name} in which the cases {@code rename} selects claim an optimizer
     * the engine will never have (torch 1.13 has no Lion), so these tests do not depend on which
     * optimizers have recipes yet.
     */
    private static Path withUnsupportedOptimizer(Path dir, String name, java.util.function.Predicate<String> rename)
            throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(GoldenFiles.path(name).toFile());
        for (var c : root.get("cases")) {
            if (rename.test(c.get("optimizer").asText())) {
                ((ObjectNode) c).put("optimizer", "lion");
            }
        }
        Path copy = dir.resolve(name);
        mapper.writeValue(copy.toFile(), root);
        return copy;
    }

    @Test
    void unsupportedCasesAreSkippedNotPassed(@TempDir Path dir) throws Exception {
        Run sgd = run("conformance", withUnsupportedOptimizer(dir, "sgd.json", o -> true).toString());
        assertEquals(0, sgd.code());
        assertEquals("0 passed, 0 failed, 10 skipped", sgd.last());
        assertEquals(10, sgd.count("SKIP  sgd.json  "));
        assertTrue(sgd.lines().contains("SKIP  sgd.json  momentum0.9_10steps  optimizer lion not supported yet"),
                sgd.lines().toString());

    }

    @Test
    void clipGradNormCasesPassOnEveryBackend() {
        Run clip = run("conformance", GoldenFiles.path("clip_grad_norm.json").toString());
        assertEquals(0, clip.code());
        assertEquals(0, clip.count("SKIP"), clip.lines().toString());
        assertEquals(0, clip.count("FAIL"), clip.lines().toString());
        assertTrue(clip.count("PASS  clip_grad_norm.json  ") >= 7, clip.lines().toString());
        assertTrue(clip.last().endsWith(" passed, 0 failed"), clip.last());
    }

    @Test
    void lrSchedulersPassOnEveryBackend() {
        Run r = run("conformance", GoldenFiles.path("lr_schedulers.json").toString());
        assertEquals(0, r.code(), r.lines() + r.err());
        assertEquals((7 * backends) + " passed, 0 failed", r.last());
        assertTrue(r.lines().contains("PASS  lr_schedulers.json  cosine_annealing_Tmax50_etamin1e-5  scalar/exact  max 0 ulp"),
                r.lines().toString());
    }

    @Test
    void mixedFileSkipsOncePerCaseAndRunsTheRestOnEveryBackend(@TempDir Path dir) throws Exception {
        // float64.json: 4 adam/adamw cases run; its sgd and rmsprop cases, made unsupported, are skipped
        // once each, not once per backend
        Path mixed = withUnsupportedOptimizer(dir, "float64.json", o -> o.equals("sgd") || o.equals("rmsprop"));
        Run r = run("conformance", mixed.toString());
        assertEquals(0, r.code(), r.lines().toString());
        assertEquals(4L * backends, r.count("PASS  float64.json  "));
        assertEquals(2, r.count("SKIP  float64.json  "));
        assertEquals((4 * backends) + " passed, 0 failed, 2 skipped", r.last());
    }

    @Test
    void sgdAndRmspropFilesPassOnEveryBackend() {
        Run sgd = run("conformance", GoldenFiles.path("sgd.json").toString());
        assertEquals(0, sgd.code(), sgd.lines() + sgd.err());
        assertEquals((10 * backends) + " passed, 0 failed", sgd.last());
        assertTrue(sgd.lines().contains("PASS  sgd.json  momentum0.9_10steps  scalar/exact  max 0 ulp"), sgd.lines().toString());
        Run rmsprop = run("conformance", GoldenFiles.path("rmsprop.json").toString());
        assertEquals(0, rmsprop.code(), rmsprop.lines() + rmsprop.err());
        assertEquals((9 * backends) + " passed, 0 failed", rmsprop.last());
        Run float64 = run("conformance", GoldenFiles.path("float64.json").toString());
        assertEquals((6 * backends) + " passed, 0 failed", float64.last());
    }

    @Test
    void kernelAndWidthSelection() {
        String adam = GoldenFiles.path("adam.json").toString();
        Run scalar = run("conformance", "--kernel", "scalar", "--numerics", "fast", adam);
        assertEquals(0, scalar.code(), scalar.lines().toString());
        assertEquals("22 passed, 0 failed", scalar.last());
        assertTrue(scalar.lines().stream().filter(l -> l.startsWith("PASS")).allMatch(l -> l.contains("  scalar/fast  max ")
                && l.endsWith(" ulp(max)")), scalar.lines().toString());

        Run vector = run("conformance", "--kernel=vector", "--width=preferred", adam);
        if (Backends.simdUnavailableReason().isPresent()) {
            assertEquals(2, vector.code());
            assertTrue(vector.err().contains("SIMD is unavailable"), vector.err());
            Run all = run("conformance", adam);
            assertEquals(1, all.count("SIMD unavailable"), all.lines().toString());
            assertEquals("22 passed, 0 failed", all.last());
        } else {
            assertEquals(0, vector.code(), vector.err());
            assertEquals("22 passed, 0 failed", vector.last());
            assertFalse(vector.lines().stream().anyMatch(l -> l.contains("scalar/")));
        }
    }

    @Test
    void infoAndHelp() {
        Run info = run("info");
        assertEquals(0, info.code());
        assertTrue(info.lines().getFirst().startsWith("default backend: " + Backends.defaultBackend().name()), info.lines().toString());
        assertTrue(info.lines().stream().anyMatch(l -> l.startsWith("JDK:") && l.contains(Runtime.version().toString())));
        assertEquals(Backends.simdUnavailableReason().isPresent(),
                info.lines().stream().anyMatch(l -> l.contains("unavailable: ")), info.lines().toString());
        String hugePages = dev.adamant.tensor.Tensor.hugePagesUnavailableBecause();
        assertTrue(info.lines().contains("huge pages:      " + (hugePages == null ? "tensors from 2 MiB up (transparent, madvise)"
                : "unused: " + hugePages)), info.lines().toString());
        assertEquals(0, run().code());
        assertTrue(run("help").lines().getFirst().startsWith("usage: adamant"));
    }

    @Test
    void benchRejectsBadOptionsBeforeRunningAnything() {
        for (String[] args : new String[][]{{"--kernels", "1024"}, {"--numerics", "approximate"}, {"--sizes", "-5"},
                {"--threads", "zero"}, {"--warmup", "1000"}}) {
            String[] command = new String[]{"bench", args[0], args[1]};
            Run r = run(command);
            assertEquals(2, r.code(), List.of(command) + ": " + r.err());
            assertTrue(r.err().contains("'" + args[1] + "'"), r.err());
            assertTrue(r.lines().isEmpty(), "nothing runs before the usage error: " + r.lines());
        }
        assertEquals(2, run("bench", "--fast").code());
    }

    @Test
    void benchDryRunListsTheQuickSweep() {
        Run r = run("bench", "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.lines().getFirst().startsWith("adamant bench: quick sweep: sizes 4096, 65536, 1048576, 16777216"), r.lines().toString());
        // 44 here; a JVM that knows it lacks a width leaves that kernel out (8 configurations each)
        long kernels = Backends.simdUnavailableReason().isPresent() ? 4
                : 1 + List.of(128, 256, 512).stream().filter(w -> Backends.laneWidths().contains(w)).count();
        long family = 2L * dev.adamant.bench.OptimizerStepBenchmark.FAMILY.size();
        // the step features: 7; the mixed-precision step: the fp32 bar and two formats, in both numerics, on one
        // thread and on all, in 3 cycles
        long mixedThreads = Runtime.getRuntime().availableProcessors() == 1 ? 1 : 2;
        assertEquals(1, r.count((kernels * 8 + 12 + family + 7 + 6 * mixedThreads * 3) + " configurations ("), r.lines().toString());
        assertTrue(r.lines().stream().anyMatch(l -> l.contains("estimated time")), r.lines().toString());
    }

    @Test
    void reportRendersAFolderFromAJsonFile(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("sample.json");
        try (InputStream in = MainTest.class.getResourceAsStream("/dev/adamant/report/sample-jmh.json")) {
            Files.write(json, in.readAllBytes());
        }
        Path out = dir.resolve("out");
        Run r = run("report", json.toString(), "--out", out.toString(), "--preferred-width", "256");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(out.resolve("throughput.png")) > 0);
        assertTrue(Files.readString(out.resolve("report.md")).contains("preferred width, 256 bits"));
        assertTrue(r.lines().contains("| kernel | numerics | 4096 | 65536 |"), r.lines().toString());
        assertTrue(r.last().startsWith("report: " + out.toAbsolutePath()), r.last());

        Run missing = run("report", dir.resolve("none.json").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("none.json"), missing.err());
        Run width = run("report", json.toString(), "--preferred-width", "64");
        assertEquals(2, width.code());
        assertTrue(width.err().contains("'64'"), width.err());
        Path notJmh = dir.resolve("golden.json");
        Files.copy(GoldenFiles.path("adam.json"), notJmh);
        assertEquals(2, run("report", notJmh.toString(), "--out", out.toString()).code());
    }
}
