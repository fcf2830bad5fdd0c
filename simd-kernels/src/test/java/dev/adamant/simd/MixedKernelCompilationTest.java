package dev.adamant.simd;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.MixedAdamKernel;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import dev.adamant.testing.MixedFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method of the mixed-precision vector kernel compiles in C1 with a full profile (tier 3), at
 * every lane width and in both numerics. When one does not, HotSpot's tiered policy can leave it in
 * C1 code without a profile for good: the 8-bit update, once one method too large for C1's register
 * allocator ("COMPILE SKIPPED: out of virtual registers in linear scan"), ran 100× slow (vectors boxed)
 * in some JVM runs for as long as they ran. A child JVM, stopped at tier 3 so that C1 compiles
 * everything hot, runs every layout; its compilation log must show the kernel compiled and nothing
 * of ours skipped.
 */
class MixedKernelCompilationTest {
    private static final String KERNEL = "VectorMixedAdamKernel";

    @Test
    void everyMethodCompilesInC1() throws IOException, InterruptedException {
        Simd.assumeSimd();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "--add-modules=jdk.incubator.vector",
                "-XX:TieredStopAtLevel=3", "-XX:+PrintCompilation", "-Xbatch",
                // compiled after a few calls: the rest of the workout runs C1 code, and the test in seconds
                "-XX:Tier3InvocationThreshold=10", "-XX:Tier3MinInvocationThreshold=5", "-XX:Tier3CompileThreshold=100",
                "-XX:Tier3BackEdgeThreshold=2000",
                "-cp", System.getProperty("java.class.path"), Workout.class.getName())
                .redirectErrorStream(true).start();
        String log = new String(child.getInputStream().readAllBytes());
        assertTrue(child.waitFor(5, TimeUnit.MINUTES), "the workout did not end");
        assertEquals(0, child.exitValue(), () -> "the workout failed:\n" + tail(log));

        List<String> skipped = log.lines().filter(line -> line.contains("COMPILE SKIPPED") && line.contains("dev.adamant")).toList();
        assertTrue(skipped.isEmpty(), () -> "C1 skipped:\n" + String.join("\n", skipped));
        for (String method : List.of("adam", "adamBf16State", "newMoments", "updateAndEncode", "decode", "encode", "encodeBf16Stochastic")) {
            // a PrintCompilation line: id, tier 3, the hidden class's name and the method
            assertTrue(log.lines().anyMatch(line -> line.contains(KERNEL) && line.contains("::" + method + " ") && line.contains(" 3 ")),
                    () -> "no tier-3 compilation of " + KERNEL + "::" + method + " in:\n" + tail(log));
        }
        assertTrue(log.contains("workout done"), () -> tail(log));
    }

    private static String tail(String log) {
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }

    /** Every layout, with and without amsgrad, a few calls each, at every width and numerics. */
    public static final class Workout {
        public static void main(String[] args) {
            List<AdamCoefficients> configs = List.of(AdamConfig.adamW().withLr(0.01).coefficients(10),
                    AdamConfig.adamW().withLr(0.01).withAmsgrad(true).coefficients(10));
            SplittableRandom random = new SplittableRandom(7);
            int n = 512 + 256; // three blocks: a group of the 8-bit loop and a partial one
            for (int bits : Backends.laneWidths().toArray()) {
                for (Numerics numerics : Numerics.values()) {
                    MixedAdamKernel kernel = Backends.vector(bits, numerics).orElseThrow().kernel(MixedAdamKernel.KIND);
                    for (MixedLayout layout : MixedAdamAgreementTest.layouts()) {
                        for (AdamCoefficients c : configs) {
                            try (Arena arena = Arena.ofConfined()) {
                                MixedFixture f = MixedFixture.allocate(arena, layout, n);
                                f.fillParam(random, false);
                                f.fillGrad(random, 1, false);
                                f.fillState(random);
                                for (int call = 0; call < 3; call++) {
                                    kernel.update(layout, c, 0x5EED, f.buffers(c.amsgrad()), 0, n);
                                }
                            }
                        }
                    }
                }
            }
            System.out.println("workout done");
        }
    }
}
