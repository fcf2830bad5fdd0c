package dev.adamant.accuracy;

import dev.adamant.cli.Main;
import dev.adamant.conformance.GoldenFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** {@code adamant accuracy} end to end on a short run, and its bad options. */
class AccuracyCommandTest {
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "accuracy";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Once, in the suite with SIMD: the scalar-fallback suite trains the same problem in {@link ShortTrainingTest}. */
    @Test
    void aShortRunWritesTheReportAndTheChart(@TempDir Path dir) throws IOException {
        assumeFalse(Boolean.getBoolean("adamant.expect.scalarFallback"), "run in the SIMD suite");
        Path out = dir.resolve("accuracy");
        Run r = run("--steps", "100", "--seeds", "1", "--threads", "2", "--golden", GoldenFiles.directory().toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("[8/8]"), r.out());
        assertTrue(r.out().contains("bit-identical to the fp32 AdamUpdate kernel"), r.out());
        assertTrue(r.out().contains("not checked"), "a 100-step run does not check the 3000-step claim:\n" + r.out());

        String md = Files.readString(out.resolve("report.md"));
        for (String expected : new String[] {"## Final loss and accuracy", "| `fp32/fp32/8bit` |", "| `bf16/bf16/bf16+sr` |",
                "## Golden long runs", "**adamw_wd0.01_1200steps_n7**", "step 1200", "![", "## Margin"}) {
            assertTrue(md.contains(expected), expected + " missing from\n" + md);
        }
        assertFalse(md.contains("NaN"), md);
        BufferedImage png = ImageIO.read(out.resolve("loss-curves.png").toFile());
        assertNotNull(png, "loss-curves.png is not a PNG");
        assertTrue(png.getWidth() >= 1000 && png.getHeight() >= 800, png.getWidth() + "x" + png.getHeight());
    }

    @Test
    void badOptionsNameTheValueAndRunNothing(@TempDir Path dir) {
        Run r = run("--steps", "10", "--out", dir.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("invalid --steps 10"), r.err());
        r = run("--seeds", "two");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("invalid --seeds 'two'"), r.err());
        r = run("--golden", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no long_runs.json in golden directory " + dir), r.err());
        r = run("--frobnicate", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown option --frobnicate"), r.err());
        assertFalse(Files.exists(dir.resolve("x")));
    }
}
