package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.StateFormat;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.MixedFixture;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mixed precision through the optimizer API, on a given backend ({@code MixedPrecisionStepTest}: the
 * scalar kernels; {@code MixedPrecisionStepVectorTest}: every lane width): a step of {@link Adam}/{@link AdamW} with 16-bit
 * tensors or {@link Precision} options equals {@link MixedAdamUpdate} applied to each tensor on its
 * own buffers, bit for bit, for several layouts, caller-owned and flat parameters, 1 to 3 threads,
 * sizes around the 8-bit blocks, the step's chunks and the small-tensor threshold; an fp32 group
 * without options still runs torch's Adam kernel.
 */
public abstract class MixedPrecisionStepCheck {
    /** Around 256-element blocks, the small-tensor threshold (4096) and the step's chunk (32768). */
    static final int[] SIZES = {0, 1, 255, 256, 257, 4095, 4096, 4097, 32768 + 300, 70_001};
    static final int STEPS = 3;

    /** One group: its parameter and gradient dtypes and its options. */
    record Case(String name, DType param, DType grad, Precision precision) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("bf16+master/bf16/8bit", DType.BFLOAT16, DType.BFLOAT16,
                        Precision.of(StateFormat.BLOCKWISE_8BIT).withMasterCopy()),
                new Case("bf16/fp32/bf16+sr", DType.BFLOAT16, DType.FLOAT32,
                        Precision.of(StateFormat.BF16).withStochasticRounding(7)),
                new Case("fp16/fp16/fp32 (no options)", DType.FLOAT16, DType.FLOAT16, Precision.DEFAULT),
                new Case("fp32/bf16/fp32 (no options)", DType.FLOAT32, DType.BFLOAT16, Precision.DEFAULT),
                new Case("fp32/fp32/8bit", DType.FLOAT32, DType.FLOAT32, Precision.of(StateFormat.BLOCKWISE_8BIT)),
                new Case("fp16+master/fp32/bf16", DType.FLOAT16, DType.FLOAT32, Precision.of(StateFormat.BF16).withMasterCopy()));
    }

    static FloatFormat format(DType d) {
        return switch (d) {
            case FLOAT32 -> FloatFormat.FP32;
            case BFLOAT16 -> FloatFormat.BF16;
            case FLOAT16 -> FloatFormat.FP16;
            default -> throw new IllegalArgumentException(d.toString());
        };
    }

    /** The layout the rules give a tensor of {@code n} elements: written out here, not taken from Adam. */
    static MixedLayout layoutOf(Case c, int n) {
        boolean half = c.param() != DType.FLOAT32;
        return new MixedLayout(format(c.param()), c.precision().masterCopy() && half, format(c.grad()),
                n < 4096 ? StateFormat.FP32 : c.precision().state(), c.precision().stochasticRounding());
    }

    /** The expected side: one fixture per tensor, stepped by MixedAdamUpdate. */
    static final class Reference {
        final MixedFixture[] fixtures;
        final Case c;
        final AdamConfig config;
        final MixedAdamUpdate update;

        Reference(Arena arena, Case c, AdamConfig config, List<Parameter> params, Backend backend) {
            this.c = c;
            this.config = config;
            this.update = MixedAdamUpdate.with(backend);
            fixtures = new MixedFixture[params.size()];
            for (int i = 0; i < params.size(); i++) {
                Tensor data = params.get(i).data();
                int n = (int) data.size();
                MixedFixture f = MixedFixture.allocate(arena, layoutOf(c, n), n);
                MemorySegment.copy(data.segment(), 0, f.param, 0, data.segment().byteSize());
                if (f.master != null) {
                    for (int k = 0; k < n; k++) f.master.setAtIndex(ValueLayout.JAVA_FLOAT, k, data.getFloat(k));
                }
                fixtures[i] = f;
            }
        }

        void step(List<Parameter> params, long step) {
            for (int i = 0; i < params.size(); i++) {
                MixedFixture f = fixtures[i];
                MemorySegment.copy(params.get(i).grad().segment(), 0, f.grad, 0, f.grad.byteSize());
                update.apply(config, step, f.layout, c.precision().seed() + i, f.buffers(config.amsgrad()), 0, f.n);
            }
        }

        void assertSame(Adam opt, List<Parameter> params, String where) {
            for (int i = 0; i < params.size(); i++) {
                MixedFixture f = fixtures[i];
                String at = where + ", tensor " + i + " of " + f.n + " (" + f.layout + ")";
                AdamState s = opt.state(params.get(i)).orElseThrow();
                same(at + " param", f.param, params.get(i).data());
                same(at + " exp_avg", f.expAvg, s.expAvg());
                same(at + " exp_avg_sq", f.expAvgSq, s.expAvgSq());
                same(at + " exp_avg_scale", f.expAvgScale, s.expAvgScale());
                same(at + " exp_avg_sq_scale", f.expAvgSqScale, s.expAvgSqScale());
                same(at + " master_param", f.master, s.masterParam());
                if (config.amsgrad()) {
                    same(at + " max_exp_avg_sq", f.maxExpAvgSq, s.maxExpAvgSq());
                    same(at + " max_exp_avg_sq_scale", f.maxExpAvgSqScale, s.maxExpAvgSqScale());
                } else {
                    assertNull(s.maxExpAvgSq(), at);
                    assertNull(s.maxExpAvgSqScale(), at);
                }
            }
        }
    }

    static void same(String what, MemorySegment expected, Tensor actual) {
        if (expected == null) {
            assertNull(actual, what + " should not exist");
            return;
        }
        if (actual == null) {
            fail(what + " is missing");
        }
        assertEquals(expected.byteSize(), actual.segment().byteSize(), what + ": bytes");
        long at = expected.mismatch(actual.segment());
        if (at >= 0) {
            fail(what + " differs at byte " + at + " of " + expected.byteSize() + " (" + actual.dtype().torchName() + ")");
        }
    }

    static void fillGrads(List<Parameter> params, SplittableRandom random) {
        for (Parameter p : params) {
            Tensor g = p.grad();
            for (long k = 0; k < g.size(); k++) g.setFloat(k, (float) (random.nextGaussian() * 0.1));
        }
    }

    static List<Parameter> callerOwned(Case c, SplittableRandom random, List<Tensor> owned) {
        List<Parameter> params = new ArrayList<>();
        for (int n : SIZES) {
            Tensor data = Tensor.allocate(c.param(), n), grad = Tensor.allocate(c.grad(), n);
            owned.add(data);
            owned.add(grad);
            for (int k = 0; k < n; k++) data.setFloat(k, (float) random.nextGaussian());
            Parameter p = Parameter.of("p" + n, data);
            p.setGrad(grad);
            params.add(p);
        }
        return params;
    }

    /** Caller-owned tensors, every case, 1 to 3 threads, AdamW, and Adam with amsgrad. */
    protected void checkCallerOwned(Backend backend) {
        for (Case c : cases()) {
            for (int threads = 1; threads <= 3; threads++) {
                for (AdamConfig defaults : List.of(AdamConfig.adamW().withLr(0.01), AdamConfig.adam().withWeightDecay(0.1).withAmsgrad(true))) {
                    List<Tensor> owned = new ArrayList<>();
                    SplittableRandom random = new SplittableRandom(threads * 31L + c.name().hashCode());
                    try (Arena arena = Arena.ofConfined();
                         Adam opt = defaults.decoupledWeightDecay() ? new AdamW(defaults, backend) : new Adam(defaults, backend)) {
                        List<Parameter> params = callerOwned(c, random, owned);
                        opt.setThreads(threads);
                        AdamConfig config = defaults.withPrecision(c.precision());
                        opt.addParamGroup(params, g -> config);
                        Reference reference = new Reference(arena, c, config, params, backend);
                        for (int step = 1; step <= STEPS; step++) {
                            fillGrads(params, random);
                            opt.step();
                            reference.step(params, step);
                            reference.assertSame(opt, params, c + ", " + threads + " threads, " + opt.getClass().getSimpleName()
                                    + ", step " + step);
                        }
                    } finally {
                        owned.forEach(Tensor::close);
                    }
                }
            }
        }
    }

    /** Flat blocks of every case whose gradients have the parameters' dtype, 1 thread, and 2 threads with amsgrad. */
    protected void checkFlat(Backend backend) {
        for (Case c : cases()) {
            if (c.grad() != c.param()) {
                continue; // a flat block's gradients have its dtype
            }
            for (int threads = 1; threads <= 2; threads++) {
                FlatParameters.Builder builder = FlatParameters.builder(c.param());
                for (int n : SIZES) builder.add("p" + n, n);
                SplittableRandom random = new SplittableRandom(threads);
                try (Arena arena = Arena.ofConfined(); FlatParameters block = builder.build();
                     AdamW opt = new AdamW(AdamConfig.adamW().withLr(0.01).withAmsgrad(threads == 2).withPrecision(c.precision()),
                             backend)) {
                    List<Parameter> params = block.parameters().castToList();
                    Tensor all = block.params();
                    for (long k = 0; k < all.size(); k++) all.setFloat(k, (float) random.nextGaussian());
                    opt.setThreads(threads);
                    opt.addParamGroup(params);
                    Reference reference = new Reference(arena, c, opt.paramGroups().get(0).config(), params, backend);
                    for (int step = 1; step <= STEPS; step++) {
                        fillGrads(params, random);
                        opt.step();
                        reference.step(params, step);
                        reference.assertSame(opt, params, c + " flat, " + threads + " threads, step " + step);
                    }
                }
            }
        }
    }

    /** The per-tensor reference dispatch (one kernel call per tensor) gives the same bits as the chunked one. */
    protected void checkPerTensorReference(Backend backend) {
        Case c = cases().get(0);
        List<Tensor> owned = new ArrayList<>();
        try (Adam chunked = new AdamW(AdamConfig.adamW().withPrecision(c.precision()), backend);
             Adam perTensor = new AdamW(AdamConfig.adamW().withPrecision(c.precision()), backend)) {
            List<Parameter> a = callerOwned(c, new SplittableRandom(5), owned), b = callerOwned(c, new SplittableRandom(5), owned);
            chunked.setThreads(3);
            perTensor.setPerTensorReference(true);
            chunked.addParamGroup(a);
            perTensor.addParamGroup(b);
            SplittableRandom ra = new SplittableRandom(9), rb = new SplittableRandom(9);
            for (int step = 1; step <= STEPS; step++) {
                fillGrads(a, ra);
                fillGrads(b, rb);
                chunked.step();
                perTensor.step();
            }
            for (int i = 0; i < a.size(); i++) {
                same("param " + i, a.get(i).data().segment(), b.get(i).data());
                AdamState sa = chunked.state(a.get(i)).orElseThrow(), sb = perTensor.state(b.get(i)).orElseThrow();
                for (String slot : sa.tensors().keysView()) {
                    same(slot + " of " + i, sa.tensor(slot).segment(), sb.tensor(slot));
                }
            }
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    /**
     * A float32 group without options is torch's Adam as before: fp32 slots like the parameter, and
     * amsgrad (which the mixed kernel lacks) runs; the result equals AdamUpdate per tensor.
     */
    protected void checkFloat32WithoutOptions(Backend backend) {
        for (boolean amsgrad : new boolean[] {false, true}) {
            AdamConfig config = AdamConfig.adamW().withLr(0.01).withAmsgrad(amsgrad);
            List<Tensor> owned = new ArrayList<>();
            try (AdamW opt = new AdamW(config, backend)) {
                Case c = new Case("fp32", DType.FLOAT32, DType.FLOAT32, Precision.DEFAULT);
                SplittableRandom random = new SplittableRandom(3);
                List<Parameter> params = callerOwned(c, random, owned);
                List<float[][]> expected = new ArrayList<>();
                for (Parameter p : params) {
                    int n = (int) p.data().size();
                    expected.add(new float[][] {p.data().toFloatArray(), new float[n], new float[n], new float[n]});
                }
                opt.addParamGroup(params);
                for (int step = 1; step <= STEPS; step++) {
                    fillGrads(params, random);
                    opt.step();
                    for (int i = 0; i < params.size(); i++) {
                        float[][] e = expected.get(i);
                        AdamUpdate.with(backend).apply(config, step, e[0], params.get(i).grad().toFloatArray(), e[1], e[2],
                                amsgrad ? e[3] : null, 0, e[0].length);
                    }
                }
                for (int i = 0; i < params.size(); i++) {
                    AdamState s = opt.state(params.get(i)).orElseThrow();
                    float[][] e = expected.get(i);
                    same("param " + i, MemorySegment.ofArray(e[0]), params.get(i).data());
                    same("exp_avg " + i, MemorySegment.ofArray(e[1]), s.expAvg());
                    same("exp_avg_sq " + i, MemorySegment.ofArray(e[2]), s.expAvgSq());
                    if (amsgrad) same("max_exp_avg_sq " + i, MemorySegment.ofArray(e[3]), s.maxExpAvgSq());
                    assertEquals(amsgrad ? 3 : 2, s.tensors().size());
                }
            } finally {
                owned.forEach(Tensor::close);
            }
        }
    }

    /**
     * Unscaling and norm clipping reach the mixed kernel as its gradient scale: the step equals
     * MixedAdamUpdate on gradients multiplied by the recorded scale in float32 (fp32 gradients, so
     * that the product is the kernel's own).
     */
    protected void checkUnscaleAndClip(Backend backend) {
        Case c = new Case("bf16+master/fp32/8bit", DType.BFLOAT16, DType.FLOAT32,
                Precision.of(StateFormat.BLOCKWISE_8BIT).withMasterCopy());
        List<Tensor> owned = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined();
             AdamW opt = new AdamW(AdamConfig.adamW().withPrecision(c.precision()), backend)) {
            List<Parameter> params = callerOwned(c, random, owned);
            opt.addParamGroup(params);
            Reference reference = new Reference(arena, c, opt.paramGroups().get(0).config(), params, backend);
            List<Parameter> scaledCopies = new ArrayList<>();
            for (int step = 1; step <= STEPS; step++) {
                fillGrads(params, random);
                for (Parameter p : params) {
                    for (long k = 0; k < p.grad().size(); k++) p.grad().setFloat(k, p.grad().getFloat(k) * 1024);
                }
                opt.unscale(1024);
                double total = opt.clipGradNorm(0.5, 2.0);
                assertTrue(total > 0.5, "the clip applies: " + total);
                float scale = (float) opt.pendingGradScale();
                // the reference sees the gradients the kernel computes: g · f(scale), in float32
                List<Tensor> originals = new ArrayList<>();
                for (Parameter p : params) {
                    Tensor g = p.grad();
                    Tensor scaled = Tensor.allocate(DType.FLOAT32, g.size());
                    owned.add(scaled);
                    for (long k = 0; k < g.size(); k++) scaled.setFloat(k, g.getFloat(k) * scale);
                    originals.add(g);
                    scaledCopies.add(Parameter.of(scaled));
                }
                opt.step();
                List<Parameter> view = new ArrayList<>();
                for (int i = 0; i < params.size(); i++) {
                    Parameter v = Parameter.of(params.get(i).data());
                    v.setGrad(scaledCopies.get(scaledCopies.size() - params.size() + i).data());
                    view.add(v);
                }
                reference.step(view, step);
                reference.assertSame(opt, params, "unscale + clip, step " + step);
                assertFalse(opt.lastStepSkipped());
            }
        } finally {
            owned.forEach(Tensor::close);
        }
    }
}
