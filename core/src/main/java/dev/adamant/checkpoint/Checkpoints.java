package dev.adamant.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adamant.optim.CheckpointAccess;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.OptimizerConfig;
import dev.adamant.optim.ParamGroup;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.ParameterState;
import dev.adamant.optim.Precision;
import dev.adamant.optim.Slot;
import dev.adamant.precision.StateFormat;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Optimizer checkpoints in the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: an 8-byte little-endian header length, a UTF-8 JSON header, then the raw little-endian
 * tensor bytes. Tensors are named as in torch's {@code state_dict}: {@code state.<index>.<slot>}
 * and, optionally, {@code param.<index>}. {@code __metadata__} (string to string) holds the format
 * version, the optimizer class, the optimizer's step count, each group's config and parameter
 * indices, each parameter's step count and scalar state, and a CRC32C of the data section.
 *
 * <p>{@link #save} is crash-safe: it writes a temporary file in the target's directory, forces it
 * to disk and renames it over the target atomically. {@link #load} validates everything (structure,
 * checksum, optimizer type, parameter and group counts, each tensor's dtype and size, the slot and
 * scalar names) and builds the whole new state before installing any of it: a rejected file changes
 * nothing. It reads the file through a staging buffer or maps it ({@link LoadMode}).
 */
public final class Checkpoints {
    /** The format version written to and required in {@code __metadata__}. */
    public static final String FORMAT_VERSION = "1";
    /** Headers longer than this are rejected before anything is read (safetensors' own limit). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final String FORMAT = "adamant-optimizer";
    private static final int CHUNK = 1 << 20;
    private static final Pattern SLOT_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    private Checkpoints() {
    }

    private record Entry(String name, Tensor tensor) {
    }

    // ------------------------------------------------------------------------------------ save

    /**
     * Writes {@code opt}'s state (and with {@code includeParams} its parameters) to {@code file},
     * replacing it atomically. The optimizer must not be stepped meanwhile (it is locked as for a step).
     */
    public static void save(Optimizer<?, ?> opt, Path file, boolean includeParams) throws IOException {
        Objects.requireNonNull(opt, "opt");
        Objects.requireNonNull(file, "file");
        CheckpointAccess.exclusively(opt, () -> {
            write(opt, file.toAbsolutePath(), includeParams);
            return null;
        });
    }

    private static void write(Optimizer<?, ?> opt, Path file, boolean includeParams) throws IOException {
        List<Parameter> params = new ArrayList<>();
        opt.parameters().forEach(params::add);
        List<ParameterState> states = CheckpointAccess.states(opt);
        List<Entry> entries = new ArrayList<>();
        ObjectNode stateMeta = JSON.createObjectNode();
        for (int i = 0; i < params.size(); i++) {
            if (includeParams) {
                entries.add(new Entry("param." + i, params.get(i).data()));
            }
            ParameterState s = states.get(i);
            if (s == null) {
                continue;
            }
            ObjectNode one = stateMeta.putObject(Integer.toString(i));
            one.put("step", s.step());
            ArrayNode slots = one.putArray("slots");
            for (String slot : new TreeMap<>(s.tensors().castToMap()).keySet()) {
                if (!SLOT_NAME.matcher(slot).matches()) {
                    throw new IllegalStateException("slot name cannot be saved: " + slot);
                }
                slots.add(slot);
                entries.add(new Entry("state." + i + "." + slot, s.tensors().get(slot)));
            }
            ObjectNode scalars = one.putObject("scalars");
            s.scalars().forEachKeyValue((k, v) -> putDouble(scalars, k, v));
        }
        ArrayNode groups = JSON.createArrayNode();
        Map<Parameter, Integer> indexOf = indexOf(params);
        for (ParamGroup<?> g : opt.paramGroups()) {
            ObjectNode one = groups.addObject();
            ArrayNode ids = one.putArray("params");
            g.params().forEach(p -> ids.add(indexOf.get(p)));
            one.set("config", configToJson(g.config()));
        }
        CRC32C crc = new CRC32C();
        ByteBuffer staging = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry e : entries) {
            if (!e.tensor().isAlive()) {
                throw new IllegalStateException(e.name() + " is closed");
            }
            forEachChunk(e.tensor(), staging, crc::update);
        }
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", FORMAT);
        meta.put("format_version", FORMAT_VERSION);
        meta.put("optimizer", opt.getClass().getName());
        meta.put("torch_optimizer", opt.getClass().getSimpleName());
        meta.put("step_count", Long.toString(opt.stepCount()));
        meta.put("param_count", Integer.toString(params.size()));
        meta.put("params_included", Boolean.toString(includeParams));
        meta.put("param_groups", JSON.writeValueAsString(groups));
        meta.put("state", JSON.writeValueAsString(stateMeta));
        meta.put("checksum", String.format("crc32c:%08x", crc.getValue()));
        ObjectNode header = JSON.createObjectNode();
        header.set("__metadata__", meta);
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", dtypeName(e.tensor().dtype()));
            t.putArray("shape").add(e.tensor().size());
            long bytes = e.tensor().segment().byteSize();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) & ~7; // safetensors pads the header with spaces to 8 bytes
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        Path dir = file.getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (Entry e : entries) {
                    forEachChunk(e.tensor(), staging, b -> writeFully(ch, b));
                }
                ch.force(true);
            }
            keepPermissions(file, tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        // make the rename itself durable where the platform allows opening a directory
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not supported here (e.g. Windows): the file's contents are still forced
        }
    }

    /** A temporary file is private (0600); a replaced checkpoint keeps the permissions it had. */
    private static void keepPermissions(Path file, Path tmp) throws IOException {
        if (Files.exists(file) && Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @FunctionalInterface
    private interface ChunkSink {
        void accept(ByteBuffer littleEndianBytes) throws IOException;
    }

    /** Hands {@code t}'s bytes, little-endian, to {@code sink} in chunks of at most {@link #CHUNK}. */
    private static void forEachChunk(Tensor t, ByteBuffer staging, ChunkSink sink) throws IOException {
        ValueLayout nat = t.dtype().layout();
        ValueLayout le = nat.withOrder(ByteOrder.LITTLE_ENDIAN);
        long esize = t.dtype().byteSize();
        MemorySegment stage = MemorySegment.ofBuffer(staging.clear()); // the whole buffer
        long perChunk = CHUNK / esize;
        for (long i = 0; i < t.size(); i += perChunk) {
            long n = Math.min(perChunk, t.size() - i);
            MemorySegment.copy(t.segment(), nat, i * esize, stage, le, 0, n);
            staging.clear().limit((int) (n * esize));
            sink.accept(staging);
        }
    }

    private static Map<Parameter, Integer> indexOf(List<Parameter> params) {
        Map<Parameter, Integer> m = new HashMap<>();
        for (int i = 0; i < params.size(); i++) {
            m.put(params.get(i), i);
        }
        return m;
    }

    private static String dtypeName(DType d) {
        return switch (d) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case BFLOAT16 -> "BF16";
            case FLOAT16 -> "F16";
            case UINT8 -> "U8";
        };
    }

    private static void putDouble(ObjectNode node, String key, double v) {
        if (Double.isFinite(v)) {
            node.put(key, v);
        } else {
            node.put(key, Double.toString(v)); // "NaN", "Infinity", "-Infinity"
        }
    }

    private static ObjectNode configToJson(OptimizerConfig<?> config) {
        ObjectNode node = JSON.createObjectNode();
        for (RecordComponent rc : config.getClass().getRecordComponents()) {
            Object v;
            try {
                v = rc.getAccessor().invoke(config);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + rc.getName() + " of " + config, e);
            }
            switch (v) {
                case Double d -> putDouble(node, rc.getName(), d);
                case Boolean b -> node.put(rc.getName(), b);
                case Precision p -> node.set(rc.getName(), precisionToJson(p));
                default -> throw new IllegalStateException("config component " + rc.getName()
                        + " of type " + rc.getType() + " cannot be saved");
            }
        }
        return node;
    }

    /** {@code {"state": "bf16", "master_copy": true, "stochastic_rounding": false, "seed": "0"}} (the seed as text: a long). */
    private static ObjectNode precisionToJson(Precision p) {
        ObjectNode node = JSON.createObjectNode();
        node.put("state", switch (p.state()) {
            case FP32 -> "fp32";
            case BF16 -> "bf16";
            case BLOCKWISE_8BIT -> "8bit";
        });
        node.put("master_copy", p.masterCopy());
        node.put("stochastic_rounding", p.stochasticRounding());
        node.put("seed", Long.toString(p.seed()));
        return node;
    }

    private static Precision precisionFromJson(JsonNode node, String where) throws CheckpointException {
        require(node.isObject(), where + " is not an object: " + node);
        Set<String> fields = Set.of("state", "master_copy", "stochastic_rounding", "seed");
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            require(fields.contains(f), where + ": unknown field " + quote(f));
        }
        JsonNode state = node.get("state"), master = node.get("master_copy"), sr = node.get("stochastic_rounding"),
                seed = node.get("seed");
        require(state != null && state.isTextual(), where + " has no state format");
        require(master != null && master.isBoolean(), where + ": master_copy is not a boolean: " + master);
        require(sr != null && sr.isBoolean(), where + ": stochastic_rounding is not a boolean: " + sr);
        require(seed != null && seed.isTextual(), where + ": seed is not a string: " + seed);
        StateFormat format = switch (state.textValue()) {
            case "fp32" -> StateFormat.FP32;
            case "bf16" -> StateFormat.BF16;
            case "8bit" -> StateFormat.BLOCKWISE_8BIT;
            default -> throw new CheckpointException(where + ": unknown state format " + state + " (fp32, bf16 or 8bit)");
        };
        try {
            return new Precision(format, master.booleanValue(), sr.booleanValue(), Long.parseLong(seed.textValue()));
        } catch (NumberFormatException e) {
            throw new CheckpointException(where + ": seed is not an integer: " + seed, e);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------ load

    private record TensorSpec(String name, DType dtype, long numel, long begin, long end) {
    }

    /** What a tensor of the file must be: the parameter's dtype and size, or its slot's under the group's config. */
    private record Expected(DType dtype, long numel, String whose) {
    }

    /**
     * Loads a checkpoint written by {@link #save} into {@code opt}, which must be of the same class
     * with the same parameters (count, dtypes, sizes) in the same groups. Installs each group's saved
     * config, every parameter's state and the optimizer's step count, and, if the file holds them,
     * copies the saved parameter values into the parameters. Nothing changes unless everything
     * validates.
     *
     * @throws CheckpointException naming the problem if the file is malformed, corrupt or does not fit
     */
    public static void load(Optimizer<?, ?> opt, Path file) throws IOException {
        load(opt, file, LoadMode.READ);
    }

    /**
     * As {@link #load(Optimizer, Path)}, reading the file as {@code mode} says: {@link LoadMode#MAP}
     * maps it and copies the tensors straight from the mapping. Validation, the checksum and the
     * all-or-nothing install are the same in both modes.
     */
    public static void load(Optimizer<?, ?> opt, Path file, LoadMode mode) throws IOException {
        Objects.requireNonNull(opt, "opt");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(mode, "mode");
        List<Parameter> params = new ArrayList<>();
        opt.parameters().forEach(params::add);
        Map<String, Tensor> loaded = new LinkedHashMap<>();
        boolean installed = false;
        try (CheckpointSource source = CheckpointSource.open(file, mode)) {
            long fileSize = source.size();
            if (fileSize < 8) {
                throw new CheckpointException("truncated file: " + fileSize + " bytes, less than the 8-byte header length");
            }
            long headerLen = ByteBuffer.wrap(source.bytes(0, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new CheckpointException("header length " + Long.toUnsignedString(headerLen)
                        + " is absurd (expected 2 to " + MAX_HEADER_BYTES + " bytes)");
            }
            if (headerLen > fileSize - 8) {
                throw new CheckpointException("header length " + headerLen + " exceeds the file ("
                        + fileSize + " bytes): truncated file?");
            }
            JsonNode header;
            try {
                header = JSON.readTree(source.bytes(8, (int) headerLen));
            } catch (JsonProcessingException e) {
                throw new CheckpointException("header is not valid JSON: " + e.getOriginalMessage(), e);
            } catch (IOException e) { // e.g. CharConversionException: not UTF-8
                throw new CheckpointException("header is not valid UTF-8 JSON: " + e.getMessage(), e);
            }
            long dataStart = 8 + headerLen;
            long dataLen = fileSize - dataStart;
            if (header == null || !header.isObject()) {
                throw new CheckpointException("header is not a JSON object");
            }
            Map<String, String> meta = metadata(header);
            Map<String, TensorSpec> specs = tensorSpecs(header, dataLen);

            // --- what the file says, checked against the optimizer
            require(FORMAT.equals(meta.get("format")), "not an Adamant optimizer checkpoint (format "
                    + quote(meta.get("format")) + ")");
            require(FORMAT_VERSION.equals(meta.get("format_version")), "unsupported format version "
                    + quote(meta.get("format_version")) + " (expected " + FORMAT_VERSION + ")");
            String type = opt.getClass().getName();
            require(type.equals(meta.get("optimizer")), "wrong optimizer type: the checkpoint is for "
                    + quote(meta.get("optimizer")) + ", this optimizer is " + type);
            long paramCount = parseLong(meta, "param_count");
            require(paramCount == params.size(), "wrong parameter count: the checkpoint has " + paramCount
                    + " parameters, this optimizer " + params.size());
            long stepCount = parseLong(meta, "step_count");
            String inc = meta.get("params_included");
            require("true".equals(inc) || "false".equals(inc), "params_included must be true or false, not " + quote(inc));
            boolean includeParams = Boolean.parseBoolean(inc);
            List<OptimizerConfig<?>> configs = parseGroups(opt, params, nested(meta, "param_groups"));
            JsonNode stateMeta = nested(meta, "state");
            require(stateMeta.isObject(), "__metadata__.state must be a JSON object");

            // --- the set of tensors the metadata implies, each with its dtype and size
            Map<String, Expected> expected = new LinkedHashMap<>();
            Map<Parameter, OptimizerConfig<?>> configOf = new HashMap<>();
            for (int g = 0; g < configs.size(); g++) {
                OptimizerConfig<?> c = configs.get(g);
                opt.paramGroups().get(g).params().forEach(p -> configOf.put(p, c));
            }
            Map<Integer, Long> steps = new TreeMap<>();
            Map<Integer, Map<String, Double>> scalars = new HashMap<>();
            Map<Integer, List<String>> slotNames = new HashMap<>();
            Set<String> knownSlots = CheckpointAccess.slotNames(opt);
            Set<String> knownScalars = CheckpointAccess.scalarNames(opt);
            if (includeParams) {
                for (int i = 0; i < params.size(); i++) {
                    Tensor data = params.get(i).data();
                    expected.put("param." + i, new Expected(data.dtype(), data.size(), "the parameter is"));
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = stateMeta.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int i = parseIndex(e.getKey(), params.size());
                JsonNode s = e.getValue();
                require(s.isObject(), "state of parameter " + i + " is not an object");
                JsonNode step = s.get("step");
                require(step != null && step.isIntegralNumber() && step.canConvertToLong()
                                && step.longValue() >= 0 && step.longValue() <= stepCount,
                        "state of parameter " + i + ": step must be an integer in [0, " + stepCount + "]");
                steps.put(i, step.longValue());
                JsonNode slots = s.get("slots");
                require(slots != null && slots.isArray(), "state of parameter " + i + ": slots must be an array");
                List<String> names = new ArrayList<>();
                for (JsonNode n : slots) {
                    require(n.isTextual() && SLOT_NAME.matcher(n.textValue()).matches(),
                            "state of parameter " + i + ": bad slot name " + n);
                    require(!names.contains(n.textValue()), "state of parameter " + i + ": slot " + n + " twice");
                    require(knownSlots.contains(n.textValue()), "state of parameter " + i + ": " + type
                            + " has no slot " + n + " (its slots: " + new TreeSet<>(knownSlots) + ")");
                    names.add(n.textValue());
                    Tensor data = params.get(i).data();
                    Slot slot = CheckpointAccess.slotOf(opt, configOf.get(params.get(i)), data, n.textValue());
                    require(slot != null, "state of parameter " + i + ": a " + data.dtype().torchName() + " parameter of "
                            + data.size() + " elements has no slot " + n + " under its group's saved config");
                    expected.put("state." + i + "." + n.textValue(), new Expected(slot.storage().dtype(data.dtype()),
                            slot.storage().size(data.size()), "the group's config keeps"));
                }
                slotNames.put(i, names);
                JsonNode sc = s.get("scalars");
                Map<String, Double> values = new LinkedHashMap<>();
                if (sc != null) {
                    require(sc.isObject(), "state of parameter " + i + ": scalars must be an object");
                    for (Iterator<Map.Entry<String, JsonNode>> si = sc.fields(); si.hasNext(); ) {
                        Map.Entry<String, JsonNode> v = si.next();
                        require(SLOT_NAME.matcher(v.getKey()).matches(), "bad scalar name " + quote(v.getKey()));
                        require(knownScalars.contains(v.getKey()), "state of parameter " + i + ": " + type
                                + " has no scalar state " + quote(v.getKey()) + " (its scalars: " + new TreeSet<>(knownScalars) + ")");
                        values.put(v.getKey(), readDouble(v.getValue(), "scalar " + v.getKey() + " of parameter " + i));
                    }
                }
                scalars.put(i, values);
            }
            for (String name : expected.keySet()) {
                require(specs.containsKey(name), "missing tensor " + name);
            }
            for (TensorSpec spec : specs.values()) {
                Expected e = expected.get(spec.name());
                require(e != null, "unexpected tensor " + spec.name());
                require(spec.dtype() == e.dtype(), "wrong dtype for " + spec.name() + ": "
                        + dtypeName(spec.dtype()) + ", " + e.whose() + " " + dtypeName(e.dtype()));
                require(spec.numel() == e.numel(), "wrong shape for " + spec.name() + ": "
                        + spec.numel() + " elements, " + e.whose() + " " + e.numel());
            }

            // --- read every tensor into new memory, checking the checksum over the data section
            CRC32C crc = new CRC32C();
            List<TensorSpec> ordered = new ArrayList<>(specs.values());
            ordered.sort(Comparator.comparingLong(TensorSpec::begin));
            for (TensorSpec spec : ordered) {
                Tensor t = Tensor.allocate(spec.dtype(), spec.numel());
                loaded.put(spec.name(), t);
                source.copyInto(t, dataStart + spec.begin(), crc);
            }
            String checksum = String.format("crc32c:%08x", crc.getValue());
            require(checksum.equals(meta.get("checksum")), "checksum mismatch: the data section has "
                    + checksum + ", the header says " + quote(meta.get("checksum")) + " (corrupt file)");

            // --- build the new states, then install everything at once
            List<ParameterState> newStates = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                if (!steps.containsKey(i)) {
                    newStates.add(null);
                    continue;
                }
                Map<String, Tensor> slots = new LinkedHashMap<>();
                for (String slot : slotNames.get(i)) {
                    slots.put(slot, loaded.get("state." + i + "." + slot));
                }
                newStates.add(CheckpointAccess.newState(opt, steps.get(i), slots, scalars.get(i)));
            }
            for (int i = 0; i < params.size() && includeParams; i++) {
                Tensor data = params.get(i).data();
                require(data.isAlive(), "parameter " + i + " is closed");
            }
            CheckpointAccess.install(opt, newStates, configs, stepCount);
            installed = true;
            if (includeParams) { // live, same-size tensors: the copies cannot fail
                for (int i = 0; i < params.size(); i++) {
                    params.get(i).data().copyFrom(loaded.get("param." + i));
                }
            }
        } finally {
            // on success the state tensors belong to the optimizer; the parameter copies are temporary
            for (Map.Entry<String, Tensor> e : loaded.entrySet()) {
                if (!installed || e.getKey().startsWith("param.")) {
                    e.getValue().close();
                }
            }
        }
    }

    private static void require(boolean ok, String message) throws CheckpointException {
        if (!ok) {
            throw new CheckpointException(message);
        }
    }

    private static String quote(String s) {
        return s == null ? "(absent)" : "'" + s + "'";
    }

    private static Map<String, String> metadata(JsonNode header) throws CheckpointException {
        JsonNode m = header.get("__metadata__");
        require(m != null && m.isObject(), "header has no __metadata__ object");
        Map<String, String> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            require(e.getValue().isTextual(), "__metadata__." + e.getKey() + " is not a string");
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static JsonNode nested(Map<String, String> meta, String key) throws CheckpointException {
        String text = meta.get(key);
        require(text != null, "__metadata__ has no " + key);
        try {
            JsonNode n = JSON.readTree(text);
            require(n != null, "__metadata__." + key + " is empty");
            return n;
        } catch (JsonProcessingException e) {
            throw new CheckpointException("__metadata__." + key + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static long parseLong(Map<String, String> meta, String key) throws CheckpointException {
        String s = meta.get(key);
        require(s != null, "__metadata__ has no " + key);
        try {
            long v = Long.parseLong(s);
            require(v >= 0, "__metadata__." + key + " is negative: " + s);
            return v;
        } catch (NumberFormatException e) {
            throw new CheckpointException("__metadata__." + key + " is not an integer: " + quote(s), e);
        }
    }

    private static int parseIndex(String s, int count) throws CheckpointException {
        try {
            int i = Integer.parseInt(s);
            require(i >= 0 && i < count && Integer.toString(i).equals(s),
                    "parameter index " + quote(s) + " out of range [0, " + count + ")");
            return i;
        } catch (NumberFormatException e) {
            throw new CheckpointException("parameter index " + quote(s) + " is not an integer", e);
        }
    }

    private static double readDouble(JsonNode v, String what) throws CheckpointException {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            switch (v.textValue()) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw new CheckpointException(what + " is not a number: " + v);
    }

    /** Every tensor entry, checked: known dtype, shape, offsets inside the data section, no overlap, no gap. */
    private static Map<String, TensorSpec> tensorSpecs(JsonNode header, long dataLen) throws CheckpointException {
        Map<String, TensorSpec> specs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            require(t.isObject(), "tensor " + name + " is not an object");
            JsonNode dt = t.get("dtype");
            require(dt != null && dt.isTextual(), "tensor " + name + " has no dtype");
            DType dtype = switch (dt.textValue()) {
                case "F32" -> DType.FLOAT32;
                case "F64" -> DType.FLOAT64;
                case "BF16" -> DType.BFLOAT16;
                case "F16" -> DType.FLOAT16;
                case "U8" -> DType.UINT8;
                default -> throw new CheckpointException("tensor " + name + " has unsupported dtype " + dt);
            };
            JsonNode shape = t.get("shape");
            require(shape != null && shape.isArray() && shape.size() <= 8, "tensor " + name + " has no valid shape");
            long numel = 1;
            for (JsonNode d : shape) {
                require(d.isIntegralNumber() && d.canConvertToLong() && d.longValue() >= 0,
                        "tensor " + name + " has a bad dimension " + d);
                try {
                    numel = Math.multiplyExact(numel, d.longValue());
                } catch (ArithmeticException ex) {
                    throw new CheckpointException("tensor " + name + " has an absurd shape " + shape, ex);
                }
            }
            JsonNode off = t.get("data_offsets");
            require(off != null && off.isArray() && off.size() == 2
                            && off.get(0).isIntegralNumber() && off.get(0).canConvertToLong()
                            && off.get(1).isIntegralNumber() && off.get(1).canConvertToLong(),
                    "tensor " + name + " has no valid data_offsets");
            long begin = off.get(0).longValue();
            long end = off.get(1).longValue();
            require(begin >= 0 && begin <= end, "tensor " + name + " has bad data_offsets [" + begin + ", " + end + "]");
            require(end <= dataLen, "tensor " + name + " points outside the data section: [" + begin + ", " + end
                    + ") but the data section has " + dataLen + " bytes (truncated file?)");
            require(numel <= (end - begin) / dtype.byteSize() && numel * dtype.byteSize() == end - begin,
                    "tensor " + name + ": shape " + shape + " of " + dt.textValue() + " needs " + numel + " elements but data_offsets span "
                            + (end - begin) + " bytes");
            specs.put(name, new TensorSpec(name, dtype, numel, begin, end));
        }
        List<TensorSpec> ordered = new ArrayList<>(specs.values());
        ordered.sort(Comparator.comparingLong(TensorSpec::begin).thenComparingLong(TensorSpec::end));
        long at = 0;
        for (TensorSpec s : ordered) {
            require(s.begin() >= at, "tensors overlap: " + s.name() + " starts at byte " + s.begin()
                    + " inside the previous tensor, which ends at " + at);
            require(s.begin() == at, "gap in the data section before " + s.name() + " (bytes " + at + " to " + s.begin() + ")");
            at = s.end();
        }
        require(at == dataLen, "data section has " + (dataLen - at) + " bytes after the last tensor");
        return specs;
    }

    private static List<OptimizerConfig<?>> parseGroups(Optimizer<?, ?> opt, List<Parameter> params, JsonNode groups)
            throws CheckpointException {
        require(groups.isArray(), "__metadata__.param_groups must be a JSON array");
        int count = opt.paramGroups().size();
        require(groups.size() == count, "wrong group count: the checkpoint has " + groups.size()
                + " param groups, this optimizer " + count);
        Map<Parameter, Integer> indexOf = indexOf(params);
        List<OptimizerConfig<?>> configs = new ArrayList<>();
        for (int g = 0; g < count; g++) {
            ParamGroup<?> group = opt.paramGroups().get(g);
            JsonNode node = groups.get(g);
            require(node.isObject(), "param group " + g + " is not an object");
            JsonNode ids = node.get("params");
            require(ids != null && ids.isArray(), "param group " + g + " has no params list");
            List<Integer> mine = new ArrayList<>();
            group.params().forEach(p -> mine.add(indexOf.get(p)));
            List<Integer> theirs = new ArrayList<>();
            for (JsonNode id : ids) {
                require(id.isInt(), "param group " + g + ": bad parameter index " + id);
                theirs.add(id.intValue());
            }
            require(mine.equals(theirs), "param group " + g + " holds parameters " + theirs
                    + " in the checkpoint but " + mine + " in this optimizer");
            JsonNode config = node.get("config");
            require(config != null && config.isObject(), "param group " + g + " has no config object");
            OptimizerConfig<?> c = configFromJson(group.config().getClass(), config, "param group " + g);
            try {
                CheckpointAccess.checkConfig(opt, c);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException("param group " + g + ": invalid config: " + e.getMessage(), e);
            }
            try {
                CheckpointAccess.checkRestoredConfig(opt, group.config(), c);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException("param group " + g + ": " + e.getMessage(), e);
            }
            configs.add(c);
        }
        return configs;
    }

    private static OptimizerConfig<?> configFromJson(Class<?> type, JsonNode node, String where) throws CheckpointException {
        RecordComponent[] rcs = type.getRecordComponents();
        require(rcs != null, type.getName() + " is not a record");
        Object[] args = new Object[rcs.length];
        Class<?>[] types = new Class<?>[rcs.length];
        Set<String> names = new HashSet<>();
        for (int i = 0; i < rcs.length; i++) {
            String name = rcs[i].getName();
            names.add(name);
            types[i] = rcs[i].getType();
            JsonNode v = node.get(name);
            if (v == null && types[i] == Precision.class) {
                args[i] = Precision.DEFAULT; // written before mixed precision existed
                continue;
            }
            require(v != null, where + ": config has no " + name);
            if (types[i] == double.class) {
                args[i] = readDouble(v, where + ": " + name);
            } else if (types[i] == boolean.class) {
                require(v.isBoolean(), where + ": " + name + " is not a boolean: " + v);
                args[i] = v.booleanValue();
            } else if (types[i] == Precision.class) {
                args[i] = precisionFromJson(v, where + ": " + name);
            } else {
                throw new CheckpointException(where + ": config component " + name + " has unsupported type " + types[i]);
            }
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            require(names.contains(f), where + ": unknown config field " + quote(f) + " for " + type.getSimpleName());
        }
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(types);
            return (OptimizerConfig<?>) ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new CheckpointException(where + ": invalid config: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new CheckpointException(where + ": cannot build " + type.getName(), e);
        }
    }
}
