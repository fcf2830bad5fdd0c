package dev.adamant.simd;

import dev.adamant.kernel.Backends;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Which of the module's two surefire runs this is. */
final class Simd {
    /** Set by the build on the run without {@code --add-modules=jdk.incubator.vector}. */
    static final boolean EXPECT_SCALAR_FALLBACK = Boolean.getBoolean("adamant.expect.scalarFallback");

    private Simd() {
    }

    /** Skips the calling test on the scalar-fallback run (and anywhere SIMD is unavailable). */
    static void assumeSimd() {
        assumeFalse(EXPECT_SCALAR_FALLBACK, "scalar-fallback run: no vector kernels");
        assumeFalse(Backends.laneWidths().isEmpty(),
                () -> "SIMD unavailable: " + Backends.simdUnavailableReason().orElse("?"));
    }
}
