package dev.adamant.soak;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The soak in miniature, so that it cannot rot: the whole family for a few hundred steps and the
 * large phase on a smaller tensor, through {@code adamant soak}; a reference of other numerics is
 * caught at step 1; bad options name the value.
 */
class SoakCommandTest {
    static final boolean SCALAR_RUN = Boolean.getBoolean("adamant.expect.scalarFallback");

    record Result(int code, String out) {
    }

    static Result soak(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "soak";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = dev.adamant.cli.Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aShortSoakOfTheWholeFamilyPasses() {
        Result r = soak("--small-steps", "100", "--small-size", "37", "--large-steps", "3", "--size", "65537",
                "--large-optimizers", "adamw,lamb");
        if (SCALAR_RUN) {
            assertEquals(2, r.code(), r.out());
            assertTrue(r.out().contains("SIMD is unavailable"), r.out());
            return;
        }
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("soak PASSED: 12 runs bit-identical"), r.out());
        for (String name : SoakCommand.FAMILY.keySet()) {
            assertTrue(r.out().contains("[" + name + " small] step 100/100  bit-identical"), name + "\n" + r.out());
        }
        assertTrue(r.out().contains("[lamb large] step 3/3  bit-identical"), r.out());
        assertTrue(r.out().contains("(+0 B)"), r.out());
    }

    /** The same kernels under other numerics differ at the first step: the comparison is live. */
    @Test
    void aDifferentReferenceFailsWithTheStepAndElement() {
        assumeFalse(SCALAR_RUN || Backends.laneWidths().isEmpty(), "needs SIMD");
        Backend tested = Backends.vector(Backends.preferredLaneWidth(), Numerics.EXACT).orElseThrow();
        SoakCommand.Options o = new SoakCommand.Options(50, 33, List.of("adam", "sgd"), 0, 1, List.of(), 0, Numerics.EXACT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = SoakCommand.run(o, tested, Backends.scalar(Numerics.FAST), new PrintStream(out, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        assertTrue(text.contains("small adam: differs from the reference after step 1: param 0 element "), text);
        assertTrue(text.contains("[sgd small] step 50/50  bit-identical"), text); // SGD has no fast variant
        assertTrue(text.contains("soak FAILED"), text);
    }

    @Test
    void badOptionsNameTheValue() {
        assertEquals("invalid --small-steps '-3' (expected an integer from 0)",
                assertThrows(IllegalArgumentException.class, () -> SoakCommand.parse(List.of("--small-steps", "-3"))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SoakCommand.parse(List.of("--optimizers=adam,adamx")))
                .getMessage().contains("unknown optimizer 'adamx'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SoakCommand.parse(List.of("--width", "1024")))
                .getMessage().contains("invalid --width '1024'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SoakCommand.parse(List.of("--size")))
                .getMessage().contains("--size needs a value"));
        Result r = soak("--bogus", "1");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("unknown option --bogus"), r.out());
        SoakCommand.Options defaults = SoakCommand.parse(List.of());
        assertEquals(1_000_000, defaults.smallSteps());
        assertEquals(1_000, defaults.largeSteps());
        assertEquals(1 << 24, defaults.largeSize());
        assertEquals(SoakCommand.FAMILY.keySet().stream().toList(), defaults.optimizers());
        assertEquals(List.of("adamw"), defaults.largeOptimizers());
        assertEquals(List.of("sgd", "lion"), SoakCommand.parse(List.of("--optimizers", "sgd,lion")).optimizers());
    }
}
