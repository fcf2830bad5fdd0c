package dev.adamant.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamState;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.FlatParameters;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.Precision;
import dev.adamant.precision.StateFormat;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checkpoints of mixed-precision state: bf16 and 8-bit moments (codes and scales), master copies,
 * stochastic rounding, small tensors with fp32 state. Train N steps, save, load into a fresh
 * optimizer, train M more: parameters and every state tensor equal N + M straight steps, bit for
 * bit, in both load modes. A file whose state formats do not fit the group is rejected and changes
 * nothing.
 */
class MixedPrecisionCheckpointTest {
    private static final Backend SCALAR = Backends.scalar(Numerics.EXACT);
    private static final int N = 3, M = 2;

    /**
     * One model, three groups: bf16 weights of 300 (fp32 state: small) and 5000 elements under
     * {@code first}; a bf16 weight of 33,000 under {@code second}; an fp16 weight with fp32 gradient and
     * an fp32 one with a bf16 gradient under bf16 state.
     */
    private record Model(List<Tensor> owned, List<Parameter> params, AdamW opt) implements AutoCloseable {
        @Override
        public void close() {
            opt.close();
            owned.forEach(Tensor::close);
        }
    }

    private static final Precision EIGHT_BIT_MASTER = Precision.of(StateFormat.BLOCKWISE_8BIT).withMasterCopy();
    private static final Precision BF16_SR = Precision.of(StateFormat.BF16).withStochasticRounding(99);

    private static Model model(Precision first, Precision second) {
        return model(first, second, false);
    }

    private static Model model(Precision first, Precision second, boolean amsgrad) {
        List<Tensor> owned = new ArrayList<>();
        List<Parameter> params = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(1);
        DType[] dtypes = {DType.BFLOAT16, DType.BFLOAT16, DType.BFLOAT16, DType.FLOAT16, DType.FLOAT32};
        DType[] grads = {DType.BFLOAT16, DType.FLOAT32, DType.BFLOAT16, DType.FLOAT32, DType.BFLOAT16};
        int[] sizes = {300, 5000, 33_000, 5000, 300};
        for (int i = 0; i < dtypes.length; i++) {
            Tensor d = Tensor.allocate(dtypes[i], sizes[i]), g = Tensor.allocate(grads[i], sizes[i]);
            owned.add(d);
            owned.add(g);
            for (int k = 0; k < sizes[i]; k++) d.setFloat(k, (float) random.nextGaussian());
            Parameter p = Parameter.of("p" + i, d);
            p.setGrad(g);
            params.add(p);
        }
        AdamW opt = new AdamW(AdamConfig.adamW().withLr(0.01).withAmsgrad(amsgrad), SCALAR);
        opt.setThreads(2);
        opt.addParamGroup(params.subList(0, 2), c -> c.withPrecision(first));
        opt.addParamGroup(params.subList(2, 3), c -> c.withPrecision(second));
        opt.addParamGroup(params.subList(3, 5), c -> c.withPrecision(Precision.of(StateFormat.BF16)));
        return new Model(owned, params, opt);
    }

    /** The gradients of step t (1-based), the same for every model. */
    private static void train(Model m, int from, int steps) {
        for (int t = from + 1; t <= from + steps; t++) {
            SplittableRandom random = new SplittableRandom(1000 + t);
            for (Parameter p : m.params()) {
                for (long k = 0; k < p.grad().size(); k++) p.grad().setFloat(k, (float) (random.nextGaussian() * 0.1));
            }
            m.opt().step();
        }
    }

    private static void assertSame(Model expected, Model actual, String where) {
        for (int i = 0; i < expected.params().size(); i++) {
            sameBytes(where + " param " + i, expected.params().get(i).data(), actual.params().get(i).data());
            AdamState e = expected.opt().state(expected.params().get(i)).orElseThrow();
            AdamState a = actual.opt().state(actual.params().get(i)).orElseThrow();
            assertEquals(e.step(), a.step(), where);
            assertEquals(e.tensors().keysView().toSortedList(), a.tensors().keysView().toSortedList(), where + " slots of " + i);
            for (String slot : e.tensors().keysView()) {
                sameBytes(where + " " + slot + " of " + i, e.tensor(slot), a.tensor(slot));
            }
        }
    }

    private static void sameBytes(String what, Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype(), what);
        long at = expected.segment().mismatch(actual.segment());
        if (at >= 0) fail(what + " differs at byte " + at);
    }

    static List<Arguments> loadModesWithAndWithoutAmsgrad() {
        List<Arguments> all = new ArrayList<>();
        for (LoadMode mode : LoadMode.values()) {
            all.add(Arguments.of(mode, false));
            all.add(Arguments.of(mode, true));
        }
        return all;
    }

    @ParameterizedTest
    @MethodSource("loadModesWithAndWithoutAmsgrad")
    void resumingIsBitIdenticalToNotStopping(LoadMode mode, boolean amsgrad, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("mixed.safetensors");
        try (Model straight = model(EIGHT_BIT_MASTER, BF16_SR, amsgrad); Model first = model(EIGHT_BIT_MASTER, BF16_SR, amsgrad);
             Model resumed = model(EIGHT_BIT_MASTER, BF16_SR, amsgrad)) {
            train(straight, 0, N + M);
            train(first, 0, N);
            Checkpoints.save(first.opt(), file, true);
            for (Parameter p : resumed.params()) p.data().zero();   // the file restores them

            Checkpoints.load(resumed.opt(), file, mode);
            assertSame(first, resumed, "after load");
            AdamState big = resumed.opt().state(resumed.params().get(1)).orElseThrow();
            assertEquals(DType.UINT8, big.expAvg().dtype());
            assertEquals(5000, big.expAvg().size());
            assertEquals(20, big.expAvgSqScale().size());
            assertEquals(DType.FLOAT32, big.masterParam().dtype());
            AdamState small = resumed.opt().state(resumed.params().get(0)).orElseThrow();
            assertEquals(DType.FLOAT32, small.expAvg().dtype(), "300 elements: fp32 state");
            assertEquals(DType.BFLOAT16, resumed.opt().state(resumed.params().get(3)).orElseThrow().expAvg().dtype());
            if (amsgrad) {
                // the running maximum in the state format, with scales of its own for 8-bit
                assertEquals(DType.UINT8, big.maxExpAvgSq().dtype());
                assertEquals(20, big.maxExpAvgSqScale().size());
                assertEquals(DType.BFLOAT16, resumed.opt().state(resumed.params().get(3)).orElseThrow().maxExpAvgSq().dtype());
                assertEquals(DType.FLOAT32, small.maxExpAvgSq().dtype());
            } else {
                assertEquals(null, big.maxExpAvgSq());
            }

            train(resumed, N, M);
            assertSame(straight, resumed, "after resuming");
        }
    }

    @Test
    void flatStorageResumesToo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("flat.safetensors");
        Function<Integer, Object[]> make = steps -> {
            FlatParameters block = FlatParameters.builder(DType.BFLOAT16).add("a", 300).add("b", 5000).add("c", 40_000).build();
            AdamW opt = new AdamW(AdamConfig.adamW().withPrecision(EIGHT_BIT_MASTER), SCALAR);
            opt.addParamGroup(block.parameters());
            SplittableRandom random = new SplittableRandom(2);
            Tensor all = block.params();
            for (long k = 0; k < all.size(); k++) all.setFloat(k, (float) random.nextGaussian());
            return new Object[] {block, opt};
        };
        Object[] straight = make.apply(0), first = make.apply(0), resumed = make.apply(0);
        try {
            trainFlat(straight, 0, N + M);
            trainFlat(first, 0, N);
            Checkpoints.save((AdamW) first[1], file, true);
            Checkpoints.load((AdamW) resumed[1], file);
            trainFlat(resumed, N, M);
            FlatParameters a = (FlatParameters) straight[0], b = (FlatParameters) resumed[0];
            sameBytes("flat params", a.params(), b.params());
            for (int i = 0; i < a.count(); i++) {
                AdamState sa = ((AdamW) straight[1]).state(a.parameter(i)).orElseThrow();
                AdamState sb = ((AdamW) resumed[1]).state(b.parameter(i)).orElseThrow();
                for (String slot : sa.tensors().keysView()) sameBytes(slot + " of " + i, sa.tensor(slot), sb.tensor(slot));
            }
        } finally {
            for (Object[] m : new Object[][] {straight, first, resumed}) {
                ((AdamW) m[1]).close();
                ((FlatParameters) m[0]).close();
            }
        }
    }

    private static void trainFlat(Object[] m, int from, int steps) {
        FlatParameters block = (FlatParameters) m[0];
        for (int t = from + 1; t <= from + steps; t++) {
            SplittableRandom random = new SplittableRandom(500 + t);
            Tensor grads = block.grads();
            for (long k = 0; k < grads.size(); k++) grads.setFloat(k, (float) (random.nextGaussian() * 0.1));
            ((AdamW) m[1]).step();
        }
    }

    /**
     * amsgrad switched off after the maximum was kept: the checkpoint still holds it, a group without
     * amsgrad loads it, and switching amsgrad back on continues from it as if nothing had stopped.
     */
    @Test
    void aMaximumKeptAfterAmsgradWasSwitchedOffSurvivesTheCheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kept.safetensors");
        try (Model straight = model(EIGHT_BIT_MASTER, Precision.of(StateFormat.BF16), true);
             Model first = model(EIGHT_BIT_MASTER, Precision.of(StateFormat.BF16), true);
             Model resumed = model(EIGHT_BIT_MASTER, Precision.of(StateFormat.BF16), false)) {
            train(straight, 0, N);
            train(first, 0, N);
            switchAmsgrad(straight, false);
            switchAmsgrad(first, false);
            train(straight, N, 1);
            train(first, N, 1);
            Checkpoints.save(first.opt(), file, true);
            Checkpoints.load(resumed.opt(), file);
            assertSame(first, resumed, "after load into a group without amsgrad");
            assertEquals(DType.UINT8, resumed.opt().state(resumed.params().get(1)).orElseThrow().maxExpAvgSq().dtype());

            switchAmsgrad(straight, true);
            switchAmsgrad(resumed, true);
            train(straight, N + 1, M);
            train(resumed, N + 1, M);
            assertSame(straight, resumed, "after switching amsgrad back on");
        }
    }

    private static void switchAmsgrad(Model m, boolean on) {
        m.opt().paramGroups().forEach(g -> g.setConfig(g.config().withAmsgrad(on)));
    }

    @Test
    void aCheckpointOfOtherStateFormatsIsRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bf16.safetensors");
        try (Model saved = model(Precision.of(StateFormat.BF16), BF16_SR); Model other = model(EIGHT_BIT_MASTER, BF16_SR)) {
            train(saved, 0, 2);
            Checkpoints.save(saved.opt(), file, false);
            train(other, 0, 1);
            float[] before = other.params().get(1).data().toFloatArray();
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.load(other.opt(), file));
            assertEquals("param group 0: the checkpoint's group keeps bf16 state but this group's config 8bit state + master copy:"
                    + " state formats cannot change through a checkpoint", e.getMessage());
            assertEquals(1, other.opt().stepCount(), "nothing installed");
            assertEquals(DType.UINT8, other.opt().state(other.params().get(1)).orElseThrow().expAvg().dtype());
            assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(other.params().get(1).data().toFloatArray()));
        }
    }

    /** A tensor whose dtype is not the one the group's config gives its slot: here exp_avg as F16 where bf16 is kept. */
    @Test
    void aSlotOfTheWrongDTypeIsRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tampered.safetensors");
        try (Model saved = model(EIGHT_BIT_MASTER, Precision.of(StateFormat.BF16)); Model target = model(EIGHT_BIT_MASTER, Precision.of(StateFormat.BF16))) {
            train(saved, 0, 1);
            Checkpoints.save(saved.opt(), file, false);
            byte[] bytes = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            JsonNode json = new ObjectMapper().readTree(header);
            assertEquals("BF16", json.get("state.3.exp_avg").get("dtype").textValue());
            assertEquals("U8", json.get("state.1.exp_avg").get("dtype").textValue());
            assertEquals("F32", json.get("state.1.exp_avg_scale").get("dtype").textValue());
            assertEquals("F32", json.get("state.1.master_param").get("dtype").textValue());
            // F16 has BF16's size: only the dtype is wrong (JSON allows the padding space)
            String key = "\"state.3.exp_avg\":{\"dtype\":\"BF16\"";
            assertTrue(header.contains(key), header);
            String tampered = header.replace(key, "\"state.3.exp_avg\":{\"dtype\":\"F16\" ");
            System.arraycopy(tampered.getBytes(StandardCharsets.UTF_8), 0, bytes, 8, (int) n);
            Files.write(file, bytes);
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.load(target.opt(), file));
            assertEquals("wrong dtype for state.3.exp_avg: F16, the group's config keeps BF16", e.getMessage());
            assertEquals(0, target.opt().stepCount());
            assertTrue(target.opt().state(target.params().get(3)).isEmpty());
        }
    }
}
