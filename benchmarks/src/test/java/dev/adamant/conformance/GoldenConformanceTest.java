package dev.adamant.conformance;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every case of the must-match golden files whose optimizer the engine has (a {@link Recipe}),
 * replayed through the engine on every
 * backend this JVM has (scalar, and each lane width when SIMD is on): EXACT must be bit-identical
 * to torch, FAST within the README's normwise bound. nonfinite.json documents torch's NaN/Inf
 * propagation; the engine propagates too, so it is checked the same way with NaN matching NaN.
 * Cases a recipe declines ({@link Recipe#declineReason}) are not replayed; they are skipped with
 * the recipe's reason.
 */
class GoldenConformanceTest {
    /** Files that must hold Adam/AdamW cases (the foundation's list). */
    static final List<String> ADAM_FILES = List.of("adam.json", "adamw.json", "simd_sizes.json", "grad_content.json",
            "long_runs.json", "lr_schedule_steps.json", "seed_examples.json", "param_groups.json", "float64.json");
    /** Every must-match file with optimizer cases; each case whose optimizer has a recipe is replayed. */
    static final List<String> MUST_MATCH = Stream.concat(ADAM_FILES.stream(), Stream.of("sgd.json", "rmsprop.json",
            "adagrad.json", "adamax.json", "nadam.json", "radam.json")).toList();

    @Test
    void goldenDirectoryIsPresent() {
        assertTrue(Files.isDirectory(GoldenFiles.directory()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exactCases")
    void exactIsBitIdentical(String label, GoldenFile file, GoldenCase c, Backend backend) {
        CaseResult r = replay(file, c, backend);
        assertEquals(0, r.maxUlp(), () -> label + ": " + r.maxText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fastCases")
    void fastIsWithinNormwiseBound(String label, GoldenFile file, GoldenCase c, Backend backend) {
        CaseResult r = replay(file, c, backend);
        assertTrue(r.maxUlp() <= Comparison.FAST_BOUND, () -> label + ": " + r.maxText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonfiniteCases")
    void nonfinitePropagatesAsTorch(String label, GoldenFile file, GoldenCase c, Backend backend) {
        assertTrue(file.nanMatchesNan(), "nonfinite.json should be behavior-of-torch");
        replay(file, c, backend);
    }

    @Test
    void aDeclinedCaseIsSkippedWithItsRecipesReasonAndNeverReplayed() {
        for (String name : MUST_MATCH) {
            GoldenFile file = GoldenFiles.read(name);
            for (GoldenCase c : file.cases()) {
                Optional<String> declined = Recipe.forName(c.optimizer()).flatMap(r -> r.declineReason(c));
                if (declined.isPresent()) {
                    assertFalse(declined.get().isBlank(), name + " " + c.name());
                    assertEquals(declined, Replayer.unsupportedReason(file, c), name + " " + c.name());
                    assertThrows(IllegalArgumentException.class,
                            () -> new Replayer(Backends.scalar(Numerics.EXACT)).replay(file, c));
                }
            }
        }
    }

    @Test
    void everyAdamFileHasAdamCases() {
        for (String name : ADAM_FILES) {
            assertTrue(GoldenFiles.read(name).cases().stream()
                    .anyMatch(c -> c.optimizer().equals("adam") || c.optimizer().equals("adamw")), name + " has no adam/adamw case");
        }
    }

    private static CaseResult replay(GoldenFile file, GoldenCase c, Backend backend) {
        Optional<String> skip = Replayer.unsupportedReason(file, c);
        if (skip.isPresent()) {
            fail(file.fileName() + " " + c.name() + " is an " + c.optimizer() + " case but was skipped: " + skip.get());
        }
        CaseResult r = new Replayer(backend).replay(file, c);
        if (!r.passed()) {
            fail(file.fileName() + " " + c.name() + " on " + backend + ": first mismatch at " + r.firstMismatch().describe());
        }
        return r;
    }

    static Stream<Arguments> exactCases() {
        return arguments(MUST_MATCH, Numerics.EXACT);
    }

    static Stream<Arguments> fastCases() {
        return arguments(MUST_MATCH, Numerics.FAST);
    }

    static Stream<Arguments> nonfiniteCases() {
        return Stream.concat(arguments(List.of("nonfinite.json"), Numerics.EXACT),
                arguments(List.of("nonfinite.json"), Numerics.FAST));
    }

    private static Stream<Arguments> arguments(List<String> files, Numerics numerics) {
        List<Backend> backends = Backends.all(numerics).castToList();
        return files.stream().map(GoldenFiles::read).flatMap(file -> supportedCases(file).flatMap(c -> backends.stream()
                .map(b -> Arguments.of(file.fileName() + " " + c.name() + " " + b, file, c, b))));
    }

    /** Cases whose optimizer has a recipe that does not decline them: these must match. */
    private static Stream<GoldenCase> supportedCases(GoldenFile file) {
        return file.cases().stream().filter(c -> Recipe.forName(c.optimizer())
                .filter(r -> r.declineReason(c).isEmpty()).isPresent());
    }
}
