package dev.adamant.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.ParameterState;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and mismatched files, each built by hand from bytes: every one is rejected with a message
 * naming the problem, in both load modes, and the optimizer it was loaded into is left exactly as it was.
 */
class HostileFileTest {
    static final Backend BACKEND = Backends.scalar(Numerics.EXACT);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    final List<Tensor> owned = new ArrayList<>();
    /** The valid checkpoint's header (without the metadata) and tensors, decoded. */
    ObjectNode meta;
    Map<String, byte[]> tensors;
    Map<String, String> dtypes;
    Sgd target;
    List<Parameter> targetParams;

    List<Parameter> params(float base) {
        Tensor a = Tensor.ofFloats(base, base + 1, base + 2, base + 3);
        Tensor b = Tensor.ofFloats(-base, -base - 1, -base - 2);
        owned.add(a);
        owned.add(b);
        List<Parameter> ps = List.of(Parameter.of(a), Parameter.of(b));
        for (Parameter p : ps) {
            Tensor g = Tensor.ofFloats(new float[(int) p.data().size()]);
            g.fill(0.5);
            owned.add(g);
            p.setGrad(g);
        }
        return ps;
    }

    Sgd sgd(List<Parameter> ps) {
        Sgd o = new Sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9));
        o.addParamGroup(ps.subList(0, 1));
        o.addParamGroup(ps.subList(1, 2), c -> c.withLr(0.01));
        return o;
    }

    @BeforeEach
    void validCheckpoint() throws Exception {
        List<Parameter> ps = params(1);
        Path file = dir.resolve("valid.safetensors");
        try (Sgd source = sgd(ps)) {
            source.step();
            source.step();
            Checkpoints.save(source, file, true);
        }
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        meta = (ObjectNode) header.get("__metadata__");
        tensors = new LinkedHashMap<>();
        dtypes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                int b = e.getValue().get("data_offsets").get(0).intValue();
                int end = e.getValue().get("data_offsets").get(1).intValue();
                tensors.put(e.getKey(), Arrays.copyOfRange(bytes, (int) (8 + n + b), (int) (8 + n + end)));
                dtypes.put(e.getKey(), e.getValue().get("dtype").textValue());
            }
        }
        targetParams = params(10);
        target = sgd(targetParams);
        target.step(); // some state to keep intact
    }

    @AfterEach
    void close() {
        target.close();
        owned.forEach(Tensor::close);
    }

    /** A well-formed file from the parts: contiguous offsets, 1-D shapes, the right checksum. */
    ObjectNode header() {
        ObjectNode h = JSON.createObjectNode();
        h.set("__metadata__", meta.deepCopy());
        long at = 0;
        CRC32C crc = new CRC32C();
        for (Map.Entry<String, byte[]> e : tensors.entrySet()) {
            ObjectNode t = h.putObject(e.getKey());
            String dtype = dtypes.getOrDefault(e.getKey(), "F32");
            t.put("dtype", dtype);
            t.putArray("shape").add(e.getValue().length / (dtype.equals("F64") ? 8 : 4));
            t.putArray("data_offsets").add(at).add(at + e.getValue().length);
            at += e.getValue().length;
            crc.update(e.getValue());
        }
        ((ObjectNode) h.get("__metadata__")).put("checksum", String.format("crc32c:%08x", crc.getValue()));
        return h;
    }

    byte[] data() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tensors.values().forEach(out::writeBytes);
        return out.toByteArray();
    }

    static byte[] file(long headerLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return b.putLong(headerLength).put(header).put(data).array();
    }

    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, data);
    }

    byte[] file(ObjectNode header) {
        return file(header.toString(), data());
    }

    /** Loads {@code bytes} into the target: must fail naming {@code expected}, and change nothing. */
    void assertRejected(byte[] bytes, String expected) throws Exception {
        assertRejected(target, targetParams, bytes, expected);
    }

    void assertRejected(Optimizer<?, ?> opt, List<Parameter> ps, byte[] bytes, String expected) throws Exception {
        Path file = dir.resolve("hostile.safetensors");
        Files.write(file, bytes);
        List<float[]> paramsBefore = ps.stream().map(p -> p.data().toFloatArray()).toList();
        long stepBefore = opt.stepCount();
        List<Object> configsBefore = opt.paramGroups().collect(g -> (Object) g.config()).toList();
        List<ParameterState> statesBefore = ps.stream().map(p -> (ParameterState) opt.state(p).orElse(null)).toList();
        List<Map<String, float[]>> valuesBefore = statesBefore.stream().map(HostileFileTest::values).toList();

        for (LoadMode mode : LoadMode.values()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.load(opt, file, mode));
            assertTrue(e.getMessage().contains(expected),
                    mode + ": message '" + e.getMessage() + "' should mention '" + expected + "'");
        }

        assertEquals(stepBefore, opt.stepCount());
        assertEquals(configsBefore, opt.paramGroups().collect(g -> (Object) g.config()).toList());
        for (int k = 0; k < ps.size(); k++) {
            assertArrayEquals(paramsBefore.get(k), ps.get(k).data().toFloatArray(), "param " + k);
            ParameterState now = opt.state(ps.get(k)).orElse(null);
            assertSame(statesBefore.get(k), now, "state object of param " + k);
            Map<String, float[]> v = values(now);
            assertEquals(valuesBefore.get(k).keySet(), v.keySet());
            for (String slot : v.keySet()) {
                assertArrayEquals(valuesBefore.get(k).get(slot), v.get(slot), slot);
            }
        }
    }

    static Map<String, float[]> values(ParameterState s) {
        Map<String, float[]> m = new LinkedHashMap<>();
        if (s != null) {
            s.tensors().forEachKeyValue((k, t) -> m.put(k, t.toFloatArray()));
        }
        return m;
    }

    @Test
    void theUnmodifiedPartsLoad() throws Exception {
        Path file = dir.resolve("rebuilt.safetensors");
        Files.write(file, file(header()));
        Checkpoints.load(target, file);
        assertEquals(2, target.stepCount());
        assertEquals(0.01, target.paramGroups().get(1).config().lr());
    }

    @Test
    void aFileShorterThanTheLengthField() throws Exception {
        assertRejected(new byte[] {1, 2, 3}, "truncated file");
    }

    @Test
    void aTruncatedDataSection() throws Exception {
        byte[] whole = file(header());
        assertRejected(Arrays.copyOf(whole, whole.length - 6), "truncated file?");
    }

    @Test
    void aHeaderLengthLargerThanTheFile() throws Exception {
        byte[] h = header().toString().getBytes(StandardCharsets.UTF_8);
        assertRejected(file(h.length + data().length + 1, h, data()), "exceeds the file");
    }

    @Test
    void anAbsurdHeaderLength() throws Exception {
        assertRejected(file(200L << 20, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]), "absurd");
        assertRejected(file(-1, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]), "absurd");
    }

    @Test
    void invalidJson() throws Exception {
        assertRejected(file("{\"__metadata__\": {\"format\": ", data()), "not valid JSON");
        assertRejected(file("{\"a\": 1, \"a\": 2}", data()), "not valid JSON"); // duplicate keys
        assertRejected(file("[1, 2]", data()), "not a JSON object");
    }

    @Test
    void invalidJsonInsideTheMetadata() throws Exception {
        meta.put("state", "{\"0\": ");
        assertRejected(file(header()), "__metadata__.state is not valid JSON");
    }

    @Test
    void offsetsOutsideTheDataSection() throws Exception {
        ObjectNode h = header();
        ((ObjectNode) h.get("param.0")).putArray("data_offsets").add(1L << 40).add((1L << 40) + 16);
        assertRejected(file(h), "outside the data section");
    }

    @Test
    void overlappingTensors() throws Exception {
        ObjectNode h = header();
        ((ObjectNode) h.get("param.1")).putArray("data_offsets").add(8).add(20); // inside param.0 [0, 16)
        assertRejected(file(h), "overlap");
    }

    @Test
    void aGapBetweenTensors() throws Exception {
        ObjectNode h = header();
        JsonNode off = h.get("param.1").get("data_offsets");
        long b = off.get(0).longValue() + 4;
        ((ObjectNode) h.get("param.1")).putArray("data_offsets").add(b).add(b + 12);
        assertRejected(file(h.toString(), Arrays.copyOf(data(), data().length + 4)), "gap");
    }

    @Test
    void aMissingTensor() throws Exception {
        tensors.remove("state.1.momentum_buffer");
        assertRejected(file(header()), "missing tensor state.1.momentum_buffer");
    }

    @Test
    void anUnexpectedTensor() throws Exception {
        tensors.put("state.0.exp_avg", new byte[16]);
        assertRejected(file(header()), "unexpected tensor state.0.exp_avg");
    }

    @Test
    void aWrongDtype() throws Exception {
        tensors.put("param.0", new byte[32]);
        dtypes.put("param.0", "F64");
        assertRejected(file(header()), "wrong dtype for param.0");
        dtypes.put("param.0", "BF16");   // known since mixed precision, but not the parameter's
        assertRejected(file(header()), "BF16 needs 8 elements but data_offsets span 32 bytes");
        dtypes.put("param.0", "I64");
        assertRejected(file(header()), "unsupported dtype");
    }

    @Test
    void aWrongShape() throws Exception {
        tensors.put("param.0", new byte[12]); // 3 floats for a 4-element parameter
        assertRejected(file(header()), "wrong shape for param.0");
        ObjectNode h = header();
        ((ObjectNode) h.get("param.0")).putArray("shape").add(5);
        assertRejected(file(h), "needs 5 elements");
    }

    @Test
    void aChecksumMismatch() throws Exception {
        byte[] bytes = file(header());
        bytes[bytes.length - 3] ^= 0x10;
        assertRejected(bytes, "checksum mismatch");
    }

    @Test
    void theWrongOptimizerType() throws Exception {
        try (Adam adam = new Adam(AdamConfig.adam(), BACKEND)) {
            adam.addParamGroup(targetParams.subList(0, 1));
            adam.addParamGroup(targetParams.subList(1, 2));
            assertRejected(adam, targetParams, file(header()), "wrong optimizer type");
        }
    }

    @Test
    void theWrongParameterCount() throws Exception {
        try (Tensor extra = Tensor.ofFloats(1, 2); Sgd sgd = sgd(targetParams)) {
            sgd.addParamGroup(List.of(Parameter.of(extra)));
            assertRejected(sgd, targetParams, file(header()), "wrong parameter count");
        }
    }

    @Test
    void theWrongGroupCount() throws Exception {
        try (Sgd sgd = new Sgd(SgdConfig.sgd().withMomentum(0.9), BACKEND)) {
            sgd.addParamGroup(targetParams);
            assertRejected(sgd, targetParams, file(header()), "wrong group count");
        }
    }

    @Test
    void aSlotOrScalarStateTheOptimizerDoesNotHave() throws Exception {
        String state = meta.get("state").textValue();
        assertTrue(state.contains("\"slots\":[\"momentum_buffer\"]"), state);
        tensors.put("state.0.exp_avg", new byte[16]);
        meta.put("state", state.replaceFirst("\"slots\":\\[\"momentum_buffer\"]", "\"slots\":[\"exp_avg\",\"momentum_buffer\"]"));
        assertRejected(file(header()), "dev.adamant.optim.Sgd has no slot \"exp_avg\" (its slots: [momentum_buffer])");
        tensors.remove("state.0.exp_avg");
        meta.put("state", state.replaceFirst("\"scalars\":\\{}", "\"scalars\":{\"mu_product\":0.5}"));
        assertRejected(file(header()), "has no scalar state 'mu_product'");
    }

    @Test
    void anotherFormatVersion() throws Exception {
        meta.put("format_version", "99");
        assertRejected(file(header()), "unsupported format version '99'");
    }

    @Test
    void anInvalidSavedConfig() throws Exception {
        meta.put("param_groups", meta.get("param_groups").textValue().replace("\"lr\":0.01", "\"lr\":-1.0"));
        assertRejected(file(header()), "param group 1: invalid config");
    }

    @Test
    void aParameterStepBeyondTheOptimizersStepCount() throws Exception {
        meta.put("state", meta.get("state").textValue().replace("\"step\":2", "\"step\":3"));
        assertRejected(file(header()), "step must be an integer in [0, 2]");
    }

    @Test
    void badStateIndicesAndFlags() throws Exception {
        String state = meta.get("state").textValue();
        meta.put("state", state.replace("\"1\":", "\"7\":"));
        assertRejected(file(header()), "parameter index '7' out of range");
        meta.put("state", state.replace("\"1\":", "\"01\":"));
        assertRejected(file(header()), "parameter index '01' out of range");
        meta.put("state", state);
        meta.put("params_included", "yes");
        assertRejected(file(header()), "params_included must be true or false");
        meta.remove("params_included");
        assertRejected(file(header()), "params_included must be true or false");
    }

    /**
     * A small deterministic fuzzer (not a substitute for jqwik or Jazzer): random truncations, byte
     * flips and header-length changes of a valid file must each be rejected with a
     * CheckpointException or load cleanly, never another exception or a partial load.
     */
    @Test
    void randomCorruptionsAreRejectedCleanly() throws Exception {
        byte[] valid = file(header());
        java.util.Random random = new java.util.Random(42);
        int rejected = 0;
        for (int trial = 0; trial < 400; trial++) {
            byte[] bytes = valid.clone();
            switch (trial % 4) {
                case 0 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
                case 1 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                case 2 -> {
                    for (int k = 0; k < 8; k++) {
                        bytes[8 + random.nextInt(bytes.length - 8)] = (byte) random.nextInt(256);
                    }
                }
                default -> ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, random.nextLong(1L << 40));
            }
            try {
                assertRejected(bytes, "");
                rejected++;
            } catch (org.opentest4j.AssertionFailedError e) {
                // a flip that happens to keep the file valid (e.g. inside JSON whitespace) loads: fine
                if (!e.getMessage().contains("nothing was thrown")) {
                    throw e;
                }
                target.close();
                targetParams = params(10);
                target = sgd(targetParams);
                target.step();
            }
        }
        assertTrue(rejected > 350, "most corruptions are detected: " + rejected);
    }
}
