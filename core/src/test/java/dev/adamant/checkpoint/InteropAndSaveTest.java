package dev.adamant.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.NAdam;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.NAdamState;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The file as other tools see it (numpy, a plain safetensors reader), and the atomic save. */
class InteropAndSaveTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Runs {@code body} with a trained NAdam over a float32 (5) and a float64 (3) parameter. */
    interface Body {
        void run(NAdam opt, Parameter a, Parameter b) throws Exception;
    }

    static void withTrainedNAdam(Body body) throws Exception {
        try (Tensor a = Tensor.ofFloats(0.5f, -1f, 2f, 0.25f, -3f);
             Tensor ga = Tensor.ofFloats(0.1f, 0.2f, -0.3f, 0.4f, -0.5f);
             Tensor b = Tensor.ofDoubles(1, 2, 3);
             Tensor gb = Tensor.ofDoubles(-0.5, 0.25, 1);
             NAdam opt = new NAdam(NAdamConfig.nadam().withLr(0.01), Backends.scalar(Numerics.EXACT))) {
            Parameter pa = Parameter.of("a", a);
            Parameter pb = Parameter.of("b", b);
            pa.setGrad(ga);
            pb.setGrad(gb);
            opt.addParamGroup(List.of(pa, pb));
            opt.step();
            opt.step();
            opt.step();
            body.run(opt, pa, pb);
        }
    }

    static boolean numpyAvailable() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void numpyReadsTheCheckpoint() throws Exception {
        assumeTrue(numpyAvailable(), "python3 with numpy is not available: interop test skipped");
        Path file = dir.resolve("nadam.safetensors");
        Path script = dir.resolve("read.py");
        Files.writeString(script, """
                import json, struct, sys
                import numpy as np
                raw = open(sys.argv[1], 'rb').read()
                (n,) = struct.unpack('<Q', raw[:8])
                header = json.loads(raw[8:8 + n].decode('utf-8'))
                data = raw[8 + n:]
                meta = header.pop('__metadata__')
                out = {'__metadata__': meta}
                for name, t in header.items():
                    b, e = t['data_offsets']
                    a = np.frombuffer(data[b:e], dtype={'F32': '<f4', 'F64': '<f8'}[t['dtype']]).reshape(t['shape'])
                    out[name] = [float(x) for x in a.astype(np.float64)]
                print(json.dumps(out))
                """);
        withTrainedNAdam((opt, a, b) -> {
            Checkpoints.save(opt, file, true);
            Process p = new ProcessBuilder("python3", script.toString(), file.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            JsonNode read = JSON.readTree(out);
            assertEquals("3", read.get("__metadata__").get("step_count").textValue());
            assertEquals("dev.adamant.optim.NAdam", read.get("__metadata__").get("optimizer").textValue());
            NAdamState sa = opt.state(a).orElseThrow();
            NAdamState sb = opt.state(b).orElseThrow();
            assertValues(a.data(), read.get("param.0"));
            assertValues(b.data(), read.get("param.1"));
            assertValues(sa.expAvg(), read.get("state.0.exp_avg"));
            assertValues(sa.expAvgSq(), read.get("state.0.exp_avg_sq"));
            assertValues(sb.expAvg(), read.get("state.1.exp_avg"));
            assertValues(sb.expAvgSq(), read.get("state.1.exp_avg_sq"));
            JsonNode state = JSON.readTree(read.get("__metadata__").get("state").textValue());
            assertEquals((double) sa.muProduct(), state.get("0").get("scalars").get("mu_product").doubleValue());
            assertEquals(3, state.get("1").get("step").intValue());
        });
    }

    static void assertValues(Tensor t, JsonNode values) {
        double[] expected = t.dtype() == dev.adamant.tensor.DType.FLOAT32
                ? toDoubles(t.toFloatArray()) : t.toDoubleArray();
        assertEquals(expected.length, values.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(values.get(i).doubleValue()),
                    "element " + i);
        }
    }

    static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void theLayoutIsPlainSafetensors() throws Exception {
        Path file = dir.resolve("plain.safetensors");
        withTrainedNAdam((opt, a, b) -> {
            Checkpoints.save(opt, file, false);
            byte[] bytes = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, n % 8, "header padded to 8 bytes");
            JsonNode h = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
            assertFalse(h.has("param.0"), "parameters only when asked for");
            assertEquals("F32", h.get("state.0.exp_avg").get("dtype").textValue());
            assertEquals("F64", h.get("state.1.exp_avg").get("dtype").textValue());
            assertEquals(5, h.get("state.0.exp_avg").get("shape").get(0).intValue());
            h.get("__metadata__").fields().forEachRemaining(e -> assertTrue(e.getValue().isTextual(), e.getKey()));
            assertEquals(bytes.length - 8 - n, 5 * 4 * 2 + 3 * 8 * 2);
        });
    }

    @Test
    void saveReplacesTheFileAtomicallyAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        Files.writeString(file, "an older checkpoint");
        boolean posix = Files.getFileStore(file).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class);
        if (posix) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        }
        withTrainedNAdam((opt, a, b) -> {
            Checkpoints.save(opt, file, true);
            Checkpoints.save(opt, file, false);
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList());
            }
            if (posix) {
                assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            }
            float[] before = a.data().toFloatArray();
            opt.step();
            Checkpoints.load(opt, file); // state only: the parameters keep their values
            assertEquals(3, opt.stepCount());
            assertEquals(3, opt.state(a).orElseThrow().step());
            assertFalse(java.util.Arrays.equals(before, a.data().toFloatArray()));
        });
    }
}
