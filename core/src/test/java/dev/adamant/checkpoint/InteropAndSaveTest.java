package dev.adamant.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamState;
import dev.adamant.optim.NAdam;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.NAdamState;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.DType;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /**
     * A checkpoint written by Python with numpy, json and struct only (no safetensors package), laid
     * out as the safetensors library would and not as Adamant does: tensors in another order, 2-D
     * shapes, an unpadded header with spaces. It loads, in both modes, with the values the script wrote.
     */
    @Test
    void aCheckpointWrittenByPythonLoads() throws Exception {
        assumeTrue(numpyAvailable(), "python3 with numpy is not available: interop test skipped");
        Path file = dir.resolve("from-python.safetensors");
        Path script = dir.resolve("write.py");
        Files.writeString(script, """
                import json, struct, sys
                import numpy as np

                def crc32c(data):  # Castagnoli, reflected, as java.util.zip.CRC32C
                    table = []
                    for n in range(256):
                        c = n
                        for _ in range(8):
                            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
                        table.append(c)
                    crc = 0xFFFFFFFF
                    for b in data:
                        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
                    return crc ^ 0xFFFFFFFF

                def values(n, dtype, k):  # dyadic fractions: exact in float32 and float64
                    return (np.arange(n, dtype=np.float64) * 0.25 - k).astype(dtype)

                f32, f64 = np.dtype('<f4'), np.dtype('<f8')
                tensors = [  # reversed order, parameters last
                    ('state.1.max_exp_avg_sq', values(4, f64, -3)),
                    ('state.1.exp_avg_sq', values(4, f64, -2)),
                    ('state.1.exp_avg', values(4, f64, 1)),
                    ('state.0.exp_avg_sq', values(6, f32, -1)),
                    ('state.0.exp_avg', values(6, f32, 2).reshape(2, 3)),
                    ('param.1', values(4, f64, 5)),
                    ('param.0', values(6, f32, 4).reshape(3, 2)),
                ]
                header, data, offset = {}, b'', 0
                for name, a in tensors:
                    raw = a.tobytes()
                    header[name] = {'dtype': 'F32' if a.dtype == f32 else 'F64', 'shape': list(a.shape),
                                    'data_offsets': [offset, offset + len(raw)]}
                    data += raw
                    offset += len(raw)
                config = lambda lr, amsgrad: {'lr': lr, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8, 'weightDecay': 0.0,
                                              'amsgrad': amsgrad, 'maximize': False, 'decoupledWeightDecay': False}
                header['__metadata__'] = {
                    'format': 'adamant-optimizer', 'format_version': '1',
                    'optimizer': 'dev.adamant.optim.Adam', 'torch_optimizer': 'Adam',
                    'step_count': '5', 'param_count': '2', 'params_included': 'true',
                    'param_groups': json.dumps([{'params': [0], 'config': config(0.01, False)},
                                                {'params': [1], 'config': config(0.001, True)}]),
                    'state': json.dumps({'0': {'step': 5, 'slots': ['exp_avg', 'exp_avg_sq'], 'scalars': {}},
                                         '1': {'step': 3, 'slots': ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']}}),
                    'checksum': 'crc32c:%08x' % crc32c(data),
                }
                h = json.dumps(header).encode('utf-8')
                with open(sys.argv[1], 'wb') as f:
                    f.write(struct.pack('<Q', len(h)) + h + data)
                """);
        Process p = new ProcessBuilder("python3", script.toString(), file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);

        for (LoadMode mode : LoadMode.values()) {
            try (Tensor w = Tensor.allocate(DType.FLOAT32, 6);
                 Tensor b = Tensor.allocate(DType.FLOAT64, 4);
                 Adam opt = new Adam(AdamConfig.adam(), Backends.scalar(Numerics.EXACT))) {
                Parameter pw = Parameter.of(w), pb = Parameter.of(b);
                opt.addParamGroup(List.of(pw));
                opt.addParamGroup(List.of(pb));
                Checkpoints.load(opt, file, mode);

                assertEquals(5, opt.stepCount(), mode.name());
                assertEquals(AdamConfig.adam().withLr(0.01), opt.paramGroups().get(0).config());
                assertEquals(AdamConfig.adam().withLr(0.001).withAmsgrad(true), opt.paramGroups().get(1).config());
                AdamState sw = opt.state(pw).orElseThrow(), sb = opt.state(pb).orElseThrow();
                assertEquals(5, sw.step());
                assertEquals(3, sb.step());
                assertArrayEquals(pythonValues(6, 4), toDoubles(w.toFloatArray()), mode + " param.0");
                assertArrayEquals(pythonValues(4, 5), b.toDoubleArray(), mode + " param.1");
                assertArrayEquals(pythonValues(6, 2), toDoubles(sw.expAvg().toFloatArray()), mode + " state.0.exp_avg");
                assertArrayEquals(pythonValues(6, -1), toDoubles(sw.expAvgSq().toFloatArray()), mode + " state.0.exp_avg_sq");
                assertArrayEquals(pythonValues(4, 1), sb.expAvg().toDoubleArray(), mode + " state.1.exp_avg");
                assertArrayEquals(pythonValues(4, -2), sb.expAvgSq().toDoubleArray(), mode + " state.1.exp_avg_sq");
                assertArrayEquals(pythonValues(4, -3), sb.maxExpAvgSq().toDoubleArray(), mode + " state.1.max_exp_avg_sq");
            }
        }
    }

    /** The script's {@code values(n, dtype, k)}: exact in both dtypes. */
    static double[] pythonValues(int n, int k) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.25 - k;
        }
        return v;
    }

    static void assertValues(Tensor t, JsonNode values) {
        double[] expected = t.dtype() == DType.FLOAT32
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
