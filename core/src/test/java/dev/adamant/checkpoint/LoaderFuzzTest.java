package dev.adamant.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.OptimizerConfig;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.Precision;
import dev.adamant.optim.ParameterState;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Snapshot;
import dev.adamant.testing.Trials;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A seeded fuzzer over the loader: mutated and synthesized files (the header length, the JSON
 * structure, tensor offsets, dtypes and shapes, the metadata and the JSON nested in it, truncation,
 * bit flips, extra bytes) are each loaded in both {@link LoadMode}s into an optimizer that holds
 * state. Every one must either load exactly what the file says, or be rejected with a
 * {@link CheckpointException} (never another exception type) leaving the optimizer as it was; both
 * modes must agree. Fixed seed and tries: the same inputs on every run.
 */
class LoaderFuzzTest {
    static final long SEED = 0xADA_2026_1123L;
    static final int TRIES = 960; // 80 per mutator
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The slots Adam can have: the synthesizer draws from these (and, rarely, from a slot Adam never has). */
    static final List<String> SLOTS = List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq");

    @TempDir
    Path dir;
    byte[] valid;
    ObjectNode validHeader;
    byte[] validData;
    int loaded;
    int rejected;

    /** f32 (4) and f64 (3) in group 0, f32 (5) in group 1 with amsgrad. */
    static List<Parameter> params(double base) {
        List<Parameter> ps = List.of(
                Parameter.of(Tensor.ofFloats((float) base, (float) base + 1, (float) base + 2, (float) base + 3)),
                Parameter.of(Tensor.ofDoubles(-base, -base - 1, -base - 2)),
                Parameter.of(Tensor.ofFloats(new float[] {1, 2, 3, 4, 5})));
        for (Parameter p : ps) {
            Tensor g = Tensor.allocate(p.data().dtype(), p.data().size());
            g.fill(0.25);
            p.setGrad(g);
        }
        return ps;
    }

    static Adam adam(List<Parameter> ps) {
        Adam o = new Adam(AdamConfig.adam().withLr(0.1), Backends.scalar(Numerics.EXACT));
        o.addParamGroup(ps.subList(0, 2));
        o.addParamGroup(ps.subList(2, 3), c -> c.withAmsgrad(true).withLr(0.01));
        return o;
    }

    static void close(List<Parameter> ps) {
        ps.forEach(p -> {
            p.data().close();
            p.grad().close();
        });
    }

    @BeforeEach
    void validCheckpoint() throws Exception {
        List<Parameter> ps = params(1);
        Path file = dir.resolve("valid.safetensors");
        try (Adam source = adam(ps)) {
            source.step();
            source.step();
            Checkpoints.save(source, file, true);
        } finally {
            close(ps);
        }
        valid = Files.readAllBytes(file);
        long n = headerLength(valid);
        validHeader = (ObjectNode) JSON.readTree(new String(valid, 8, (int) n, StandardCharsets.UTF_8));
        validData = Arrays.copyOfRange(valid, (int) (8 + n), valid.length);
    }

    @Test
    void everyFileLoadsAsItSaysOrIsRejectedLeavingTheOptimizerAsItWas() {
        Mutator[] mutators = Mutator.values();
        int[] perMutator = new int[mutators.length];
        Trials.check("loader fuzz", SEED, TRIES, (random, trial) -> {
            Mutator m = mutators[trial % mutators.length];
            byte[] bytes = m.apply(this, random);
            Path file = dir.resolve("fuzz.safetensors");
            Files.write(file, bytes);
            Boolean first = null;
            for (LoadMode mode : LoadMode.values()) {
                boolean ok = loadsOrIsRejectedCleanly(file, bytes, mode, m + " (" + mode + ")");
                if (first == null) {
                    first = ok;
                } else {
                    assertEquals(first, ok, m + ": READ and MAP disagree");
                }
            }
            if (first) {
                perMutator[m.ordinal()]++;
            }
        });
        System.out.println("LoaderFuzzTest: " + TRIES + " files, " + loaded / 2 + " loaded, " + rejected / 2
                + " rejected; loaded per mutator " + Arrays.toString(perMutator) + " of " + Arrays.toString(mutators));
        assertTrue(rejected / 2 > TRIES / 2, "most mutants are rejected: " + rejected / 2);
        assertTrue(loaded / 2 > 50, "valid variants load: " + loaded / 2);
    }

    /** Loads into a fresh optimizer that holds state; returns whether the file loaded. */
    private boolean loadsOrIsRejectedCleanly(Path file, byte[] bytes, LoadMode mode, String what) throws Exception {
        List<Parameter> ps = params(10);
        try (Adam target = adam(ps)) {
            target.step();
            long stepBefore = target.stepCount();
            List<Object> configsBefore = target.paramGroups().collect(g -> (Object) g.config()).toList();
            List<ParameterState> statesBefore = new ArrayList<>();
            Snapshot snapshot = new Snapshot();
            for (int k = 0; k < ps.size(); k++) {
                snapshot.add("param " + k, ps.get(k).data());
                ParameterState s = target.state(ps.get(k)).orElse(null);
                statesBefore.add(s);
                if (s != null) {
                    snapshot.addAll("state " + k, s.tensors().castToMap());
                }
            }
            try {
                Checkpoints.load(target, file, mode);
            } catch (CheckpointException e) {
                rejected++;
                assertEquals(stepBefore, target.stepCount(), what + ": step count changed by a rejected file");
                assertEquals(configsBefore, target.paramGroups().collect(g -> (Object) g.config()).toList(), what);
                for (int k = 0; k < ps.size(); k++) {
                    assertSame(statesBefore.get(k), target.state(ps.get(k)).orElse(null), what + ": state of param " + k);
                }
                snapshot.assertUnchanged();
                return false;
            } catch (Throwable e) {
                fail(what + ": the loader threw " + e + " instead of a CheckpointException", e);
            }
            loaded++;
            assertLoadedAsTheFileSays(bytes, target, ps, what);
            return true;
        } finally {
            close(ps);
        }
    }

    /** An independent reading of the file: step counts, configs, every state tensor and parameter. */
    private static void assertLoadedAsTheFileSays(byte[] bytes, Adam target, List<Parameter> ps, String what) throws Exception {
        long n = headerLength(bytes);
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        int dataStart = (int) (8 + n);
        JsonNode meta = header.get("__metadata__");
        assertEquals(Long.parseLong(meta.get("step_count").textValue()), target.stepCount(), what);
        JsonNode groups = JSON.readTree(meta.get("param_groups").textValue());
        for (int g = 0; g < groups.size(); g++) {
            OptimizerConfig<?> config = target.paramGroups().get(g).config();
            JsonNode saved = groups.get(g).get("config");
            for (RecordComponent rc : config.getClass().getRecordComponents()) {
                Object v = rc.getAccessor().invoke(config);
                if (v instanceof Precision) {
                    // only these options fit the group's state: another one is rejected
                    assertEquals(Precision.DEFAULT, v, what + ": group " + g + " precision");
                    continue;
                }
                JsonNode s = saved.get(rc.getName());
                Object expected = v instanceof Boolean ? (Object) s.booleanValue()
                        : s.isTextual() ? Double.parseDouble(s.textValue()) : (Object) s.doubleValue();
                assertEquals(expected, v, what + ": group " + g + " " + rc.getName());
            }
        }
        JsonNode state = JSON.readTree(meta.get("state").textValue());
        for (int k = 0; k < ps.size(); k++) {
            JsonNode saved = state.get(Integer.toString(k));
            ParameterState s = target.state(ps.get(k)).orElse(null);
            assertEquals(saved != null, s != null, what + ": state of param " + k);
            if (s == null) {
                continue;
            }
            assertEquals(saved.get("step").longValue(), s.step(), what);
            List<String> slots = new ArrayList<>();
            saved.get("slots").forEach(x -> slots.add(x.textValue()));
            assertEquals(slots.stream().sorted().toList(), s.tensors().keysView().toSortedList(), what);
            assertTrue(SLOTS.containsAll(slots), what + ": Adam got slots " + slots);
            assertTrue(s.scalars().isEmpty(), what + ": Adam got scalar state " + s.scalars());
            for (String slot : slots) {
                assertTensor(header.get("state." + k + "." + slot), bytes, dataStart, s.tensors().get(slot), what + " " + slot);
            }
        }
        if (meta.get("params_included").textValue().equals("true")) {
            for (int k = 0; k < ps.size(); k++) {
                assertTensor(header.get("param." + k), bytes, dataStart, ps.get(k).data(), what + " param " + k);
            }
        }
    }

    private static void assertTensor(JsonNode entry, byte[] bytes, int dataStart, Tensor actual, String what) {
        int begin = dataStart + entry.get("data_offsets").get(0).intValue();
        int end = dataStart + entry.get("data_offsets").get(1).intValue();
        ByteBuffer b = ByteBuffer.wrap(bytes, begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
        if (actual.dtype() == DType.FLOAT32) {
            float[] expected = new float[(end - begin) / 4];
            b.asFloatBuffer().get(expected);
            assertArrayEquals(expected, actual.toFloatArray(), what);
        } else {
            double[] expected = new double[(end - begin) / 8];
            b.asDoubleBuffer().get(expected);
            assertArrayEquals(expected, actual.toDoubleArray(), what);
        }
    }

    static long headerLength(byte[] bytes) {
        return ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    // ------------------------------------------------------------------------------- mutations

    /** One way of making a file from the valid one (or from nothing). */
    enum Mutator {
        TRUNCATE {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                return Arrays.copyOf(t.valid, r.nextInt(t.valid.length));
            }
        },
        FLIP_BITS {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                byte[] b = t.valid.clone();
                for (int k = 1 + r.nextInt(8); k > 0; k--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
        },
        FLIP_HEADER_BYTES {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                byte[] b = t.valid.clone();
                int n = (int) headerLength(b);
                for (int k = 1 + r.nextInt(4); k > 0; k--) {
                    b[8 + r.nextInt(n)] = (byte) r.nextInt(256);
                }
                return b;
            }
        },
        HEADER_LENGTH {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                byte[] b = t.valid.clone();
                long n = headerLength(b);
                long[] choices = {n + 1 + r.nextInt(16), n - 1 - r.nextInt(16), 0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE,
                        b.length, b.length - 8, Checkpoints.MAX_HEADER_BYTES + 1, r.nextLong()};
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, choices[r.nextInt(choices.length)]);
                return b;
            }
        },
        EXTRA_BYTES {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                byte[] extra = new byte[1 + r.nextInt(64)];
                r.nextBytes(extra);
                int at = r.nextBoolean() ? t.valid.length : 8 + r.nextInt(t.valid.length - 8);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(t.valid, 0, at);
                out.writeBytes(extra);
                out.write(t.valid, at, t.valid.length - at);
                return out.toByteArray();
            }
        },
        /** Any node of the header or of the JSON inside the metadata: deleted or replaced. */
        JSON_NODE {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                return t.mutateHeader(r, h -> {
                    ObjectNode meta = (ObjectNode) h.get("__metadata__");
                    if (r.nextBoolean()) {
                        String key = r.nextBoolean() ? "state" : "param_groups";
                        JsonNode nested = readTree(meta.get(key).textValue());
                        JsonNode changed = mutateSomeNode(nested, r);
                        meta.put(key, changed.toString());
                    } else {
                        mutateSomeNode(h, r);
                    }
                });
            }
        },
        OFFSETS {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                return t.mutateHeader(r, h -> {
                    List<String> names = tensorNames(h);
                    ObjectNode e = (ObjectNode) h.get(names.get(r.nextInt(names.size())));
                    long b = e.get("data_offsets").get(0).longValue(), end = e.get("data_offsets").get(1).longValue();
                    if (r.nextInt(4) == 0) { // swap with another tensor: valid when the sizes match
                        ObjectNode other = (ObjectNode) h.get(names.get(r.nextInt(names.size())));
                        JsonNode mine = e.get("data_offsets");
                        e.set("data_offsets", other.get("data_offsets"));
                        other.set("data_offsets", mine);
                        return;
                    }
                    long d = 1 + r.nextInt(16);
                    ArrayNode off = NODES.arrayNode();
                    switch (r.nextInt(8)) {
                        case 0 -> off.add(b + d).add(end + d);
                        case 1 -> off.add(b).add(end + d);
                        case 2 -> off.add(end).add(b);
                        case 3 -> off.add(-d).add(end);
                        case 4 -> off.add(b).add(Long.MAX_VALUE);
                        case 5 -> off.add(b);
                        case 6 -> off.add(String.valueOf(b)).add(end);
                        default -> off.add(b + 0.5).add(new BigInteger("18446744073709551617"));
                    }
                    e.set("data_offsets", off);
                });
            }
        },
        DTYPES_AND_SHAPES {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                return t.mutateHeader(r, h -> {
                    List<String> names = tensorNames(h);
                    ObjectNode e = (ObjectNode) h.get(names.get(r.nextInt(names.size())));
                    long numel = e.get("shape").get(0).longValue();
                    if (r.nextBoolean()) {
                        String[] dtypes = {"F32", "F64", "F16", "BF16", "I64", "U8", "f32", "", "F32 "};
                        e.put("dtype", dtypes[r.nextInt(dtypes.length)]);
                    } else {
                        ArrayNode shape = NODES.arrayNode();
                        switch (r.nextInt(7)) {
                            case 0 -> { } // a scalar: one element
                            case 1 -> shape.add(1).add(numel); // same size, 2-D: valid
                            case 2 -> shape.add(numel + 1);
                            case 3 -> shape.add(-numel);
                            case 4 -> shape.add(1L << 62).add(4);
                            case 5 -> shape.add(0);
                            default -> { for (int i = 0; i < 9; i++) shape.add(1); }
                        }
                        e.set("shape", shape);
                    }
                });
            }
        },
        METADATA {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                return t.mutateHeader(r, h -> {
                    ObjectNode meta = (ObjectNode) h.get("__metadata__");
                    List<String> keys = new ArrayList<>();
                    meta.fieldNames().forEachRemaining(keys::add);
                    String key = keys.get(r.nextInt(keys.size()));
                    String[] values = {"", "0", "1", "2", "3", "-1", "1e3", "9223372036854775808", "true", "false",
                            "dev.adamant.optim.Sgd", "adamant-optimizer", "{}", "[]", "null", "crc32c:00000000"};
                    switch (r.nextInt(3)) {
                        case 0 -> meta.remove(key);
                        case 1 -> meta.put(key, values[r.nextInt(values.length)]);
                        default -> meta.set(key, randomValue(r));
                    }
                });
            }
        },
        /** Semantics inside the state JSON: steps, slot lists, scalars. */
        STATE {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                return t.mutateHeader(r, h -> {
                    ObjectNode meta = (ObjectNode) h.get("__metadata__");
                    ObjectNode state = (ObjectNode) readTree(meta.get("state").textValue());
                    ObjectNode one = (ObjectNode) state.get(Integer.toString(r.nextInt(3)));
                    switch (r.nextInt(5)) {
                        case 0 -> one.put("step", new long[] {-1, 0, 1, 3, Long.MAX_VALUE}[r.nextInt(5)]);
                        case 1 -> ((ArrayNode) one.get("slots")).add(r.nextBoolean() ? "exp_avg" : "x y");
                        case 2 -> ((ArrayNode) one.get("slots")).remove(0);
                        case 3 -> ((ObjectNode) one.withObject("scalars")).set("mu_product", randomValue(r));
                        default -> state.set(new String[] {"3", "-1", "00", "x"}[r.nextInt(4)], one.deepCopy());
                    }
                    meta.put("state", state.toString());
                });
            }
        },
        /** Key order and whitespace: still the same checkpoint. */
        LAYOUT {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                ObjectNode h = NODES.objectNode();
                List<String> names = new ArrayList<>();
                t.validHeader.fieldNames().forEachRemaining(names::add);
                for (int i = names.size() - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    names.set(i, names.set(j, names.get(i)));
                }
                names.forEach(n -> h.set(n, t.validHeader.get(n)));
                String text = r.nextBoolean() ? h.toPrettyString() : h.toString();
                return file(text + " ".repeat(r.nextInt(9)), t.validData);
            }
        },
        /** A whole file made from scratch: random entries, sizes, dtypes, steps and slots, a right checksum. */
        SYNTHESIZE {
            byte[] apply(LoaderFuzzTest t, SplittableRandom r) {
                int[] sizes = {4, 3, 5};
                ObjectNode meta = t.validHeader.get("__metadata__").deepCopy();
                long stepCount = r.nextInt(5);
                meta.put("step_count", Long.toString(stepCount));
                boolean includeParams = r.nextBoolean();
                meta.put("params_included", Boolean.toString(includeParams));
                ObjectNode state = NODES.objectNode();
                List<String> names = new ArrayList<>();
                if (includeParams) {
                    for (int i = 0; i < 3; i++) names.add("param." + i);
                }
                for (int i = 0; i < 3; i++) {
                    if (r.nextInt(4) == 0) continue;
                    ObjectNode one = state.putObject(Integer.toString(i));
                    one.put("step", r.nextInt((int) stepCount + 2));
                    ArrayNode slots = one.putArray("slots");
                    for (String s : List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer")) {
                        if (r.nextInt(3) > 0 && (SLOTS.contains(s) || r.nextInt(8) == 0)) {
                            slots.add(s);
                            names.add("state." + i + "." + s);
                        }
                    }
                    one.putObject("scalars");
                }
                if (r.nextInt(8) == 0) names.add("state.0.unexpected");
                meta.put("state", state.toString());
                ObjectNode h = NODES.objectNode();
                h.set("__metadata__", meta);
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                for (String name : names) {
                    int param = name.equals("state.0.unexpected") ? 0 : Integer.parseInt(name.split("\\.")[1]);
                    boolean f64 = (param == 1) != (r.nextInt(16) == 0);
                    int numel = sizes[param] + (r.nextInt(16) == 0 ? 1 : 0);
                    byte[] values = new byte[numel * (f64 ? 8 : 4)];
                    r.nextBytes(values); // any bits: NaNs, infinities, subnormals
                    ObjectNode e = h.putObject(name);
                    e.put("dtype", f64 ? "F64" : "F32");
                    e.putArray("shape").add(numel);
                    e.putArray("data_offsets").add(data.size()).add(data.size() + values.length);
                    data.writeBytes(values);
                }
                byte[] d = data.toByteArray();
                if (r.nextInt(8) > 0) setChecksum(h, d);
                return file(h.toString(), d);
            }
        };

        abstract byte[] apply(LoaderFuzzTest t, SplittableRandom r);
    }

    /** The valid header, changed by {@code change}; most of the time with the checksum made right again. */
    byte[] mutateHeader(SplittableRandom r, Consumer<ObjectNode> change) {
        ObjectNode h = validHeader.deepCopy();
        change.accept(h);
        if (r.nextInt(4) > 0) {
            setChecksum(h, validData);
        }
        return file(h.toString(), validData);
    }

    static void setChecksum(ObjectNode h, byte[] data) {
        if (h.get("__metadata__") instanceof ObjectNode meta) {
            CRC32C crc = new CRC32C();
            crc.update(data);
            meta.put("checksum", String.format("crc32c:%08x", crc.getValue()));
        }
    }

    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    static List<String> tensorNames(JsonNode h) {
        List<String> names = new ArrayList<>();
        h.fieldNames().forEachRemaining(n -> {
            if (!n.equals("__metadata__")) names.add(n);
        });
        return names;
    }

    static JsonNode readTree(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes or replaces a random node below {@code root} (or returns a random value for the root). */
    static JsonNode mutateSomeNode(JsonNode root, SplittableRandom r) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        if (containers.isEmpty() || r.nextInt(20) == 0) {
            return randomValue(r);
        }
        JsonNode c = containers.get(r.nextInt(containers.size()));
        if (c instanceof ObjectNode o && !o.isEmpty()) {
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            String key = keys.get(r.nextInt(keys.size()));
            switch (r.nextInt(3)) {
                case 0 -> o.remove(key);
                case 1 -> o.set(key, randomValue(r));
                default -> o.set(key + (r.nextBoolean() ? "x" : ""), o.get(key)); // a renamed or repeated entry
            }
        } else if (c instanceof ArrayNode a && !a.isEmpty()) {
            int i = r.nextInt(a.size());
            if (r.nextBoolean()) a.remove(i); else a.set(i, randomValue(r));
        } else if (c instanceof ArrayNode a) {
            a.add(randomValue(r));
        }
        return root;
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainerNode()) {
            out.add(n);
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
                collect(it.next(), out);
            }
        }
    }

    static JsonNode randomValue(SplittableRandom r) {
        return switch (r.nextInt(16)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(r.nextBoolean());
            case 2 -> NODES.numberNode(r.nextInt(-2, 8));
            case 3 -> NODES.numberNode(Long.MAX_VALUE);
            case 4 -> NODES.numberNode(new BigInteger("340282366920938463463374607431768211457"));
            case 5 -> NODES.numberNode(1.5);
            case 6 -> NODES.numberNode(-0.0);
            case 7 -> NODES.numberNode(1e308);
            case 8 -> NODES.textNode("");
            case 9 -> NODES.textNode("NaN");
            case 10 -> NODES.textNode("F32");
            case 11 -> NODES.arrayNode();
            case 12 -> NODES.arrayNode().add(0).add(1).add(2);
            case 13 -> NODES.objectNode();
            case 14 -> NODES.objectNode().put("a", 1);
            default -> {
                JsonNode deep = NODES.arrayNode();
                for (int i = 0; i < 200; i++) deep = NODES.arrayNode().add(deep);
                yield deep;
            }
        };
    }
}
