package dev.adamant.checkpoint;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.Lamb;
import dev.adamant.optim.LambConfig;
import dev.adamant.optim.NAdam;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.ParameterState;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Train N steps, save, load into a fresh optimizer, train M more: bit-identical to N+M straight steps. */
class ResumeTest {
    static final Backend BACKEND = Backends.scalar(Numerics.EXACT);
    static final int N = 7;
    static final int M = 6;

    /** Builds an optimizer with two groups: {@code first} and {@code second}. */
    interface Setup {
        Optimizer<?, ?> build(List<Parameter> first, List<Parameter> second);
    }

    record Case(String name, Setup setup) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("Adam", (a, b) -> {
                    Adam o = new Adam(AdamConfig.adam().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withLr(3e-3).withWeightDecay(0.1).withAmsgrad(true));
                    return o;
                }),
                new Case("SGD momentum", (a, b) -> {
                    Sgd o = new Sgd(SgdConfig.sgd().withLr(0.05).withMomentum(0.9), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withNesterov(true).withWeightDecay(0.01));
                    return o;
                }),
                new Case("NAdam", (a, b) -> {
                    NAdam o = new NAdam(NAdamConfig.nadam().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withLr(5e-3));
                    return o;
                }),
                new Case("AdamW with a warmup-cosine schedule", (a, b) -> {
                    // the schedule is a function of stepCount(): restoring the count resumes it in place
                    dev.adamant.optim.AdamW o = new dev.adamant.optim.AdamW(AdamConfig.adamW().withLr(1e-2), BACKEND);
                    o.addParamGroup(a).setSchedule(dev.adamant.schedule.Schedules.warmupCosine(1e-2, 4, N + M));
                    o.addParamGroup(b);
                    return o;
                }),
                new Case("LAMB", (a, b) -> {
                    Lamb o = new Lamb(LambConfig.defaults().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withLr(2e-3));
                    return o;
                }));
    }

    /** Three parameters: float32 (33), float64 (7) in group 0; float32 (5) in group 1, without a gradient on odd steps. */
    static List<Parameter> params(boolean initialised) {
        List<Parameter> ps = List.of(
                Parameter.of("w", Tensor.allocate(DType.FLOAT32, 33)),
                Parameter.of("w64", Tensor.allocate(DType.FLOAT64, 7)),
                Parameter.of("b", Tensor.allocate(DType.FLOAT32, 5)));
        for (Parameter p : ps) {
            p.setGrad(Tensor.allocate(p.data().dtype(), p.data().size()));
            if (initialised) {
                for (long i = 0; i < p.data().size(); i++) {
                    set(p.data(), i, Math.cos(0.37 * i + p.data().size()));
                }
            }
        }
        return ps;
    }

    static Optimizer<?, ?> build(Setup setup, List<Parameter> ps) {
        return setup.build(ps.subList(0, 2), ps.subList(2, 3));
    }

    /** A deterministic gradient of the current parameters; the last parameter skips odd steps. */
    static void train(Optimizer<?, ?> opt, List<Parameter> ps, int from, int steps) {
        for (int t = from; t < from + steps; t++) {
            for (int k = 0; k < ps.size(); k++) {
                Parameter p = ps.get(k);
                if (k == 2 && t % 2 == 1) {
                    p.setGrad(null);
                    continue;
                }
                if (p.grad() == null) {
                    p.setGrad(Tensor.allocate(p.data().dtype(), p.data().size()));
                }
                for (long i = 0; i < p.data().size(); i++) {
                    set(p.grad(), i, Math.sin(1.3 * get(p.data(), i) + 0.7 * t + 0.1 * i));
                }
            }
            opt.step();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void resumingIsBitIdenticalToNotStopping(Case c, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("ckpt.safetensors");
        List<Parameter> straightParams = params(true);
        List<Parameter> firstParams = params(true);
        List<Parameter> resumedParams = params(false);
        try (Optimizer<?, ?> straight = build(c.setup(), straightParams);
             Optimizer<?, ?> first = build(c.setup(), firstParams);
             Optimizer<?, ?> resumed = build(c.setup(), resumedParams)) {
            train(straight, straightParams, 0, N + M);
            train(first, firstParams, 0, N);
            Checkpoints.save(first, file, true);

            Checkpoints.load(resumed, file);
            assertEquals(N, resumed.stepCount());
            for (int k = 0; k < firstParams.size(); k++) {
                assertSameBits(firstParams.get(k).data(), resumedParams.get(k).data(), "param " + k + " after load");
            }
            assertSameState(first, firstParams, resumed, resumedParams);
            for (int g = 0; g < first.paramGroups().size(); g++) {
                assertEquals(first.paramGroups().get(g).config(), resumed.paramGroups().get(g).config());
            }

            train(resumed, resumedParams, N, M);
            assertEquals(straight.stepCount(), resumed.stepCount());
            for (int k = 0; k < straightParams.size(); k++) {
                assertSameBits(straightParams.get(k).data(), resumedParams.get(k).data(), "param " + k);
            }
            assertSameState(straight, straightParams, resumed, resumedParams);
        } finally {
            closeAll(straightParams);
            closeAll(firstParams);
            closeAll(resumedParams);
        }
    }

    static void assertSameState(Optimizer<?, ?> a, List<Parameter> pa, Optimizer<?, ?> b, List<Parameter> pb) {
        for (int k = 0; k < pa.size(); k++) {
            Optional<? extends ParameterState> sa = a.state(pa.get(k));
            Optional<? extends ParameterState> sb = b.state(pb.get(k));
            assertEquals(sa.isPresent(), sb.isPresent(), "state present for param " + k);
            if (sa.isEmpty()) {
                continue;
            }
            int param = k;
            ParameterState x = sa.get();
            ParameterState y = sb.get();
            assertEquals(x.step(), y.step(), "step of param " + k);
            assertEquals(x.tensors().keysView().toSortedList(), y.tensors().keysView().toSortedList(), "slots of param " + k);
            assertTrue(x.tensors().notEmpty());
            x.tensors().forEachKeyValue((name, t) -> assertSameBits(t, y.tensors().get(name), name + " of param " + param));
            assertEquals(x.scalars(), y.scalars(), "scalars of param " + k);
            x.scalars().forEachKeyValue((name, v) -> assertEquals(Double.doubleToRawLongBits(v),
                    Double.doubleToRawLongBits(y.scalars().get(name)), name));
        }
    }

    static void assertSameBits(Tensor x, Tensor y, String what) {
        assertEquals(x.dtype(), y.dtype(), what);
        if (x.dtype() == DType.FLOAT32) {
            assertArrayEquals(x.toFloatArray(), y.toFloatArray(), what);
        } else {
            assertArrayEquals(x.toDoubleArray(), y.toDoubleArray(), what);
        }
    }

    static void set(Tensor t, long i, double v) {
        if (t.dtype() == DType.FLOAT32) {
            t.setFloat(i, (float) v);
        } else {
            t.setDouble(i, v);
        }
    }

    static double get(Tensor t, long i) {
        return t.dtype() == DType.FLOAT32 ? t.getFloat(i) : t.getDouble(i);
    }

    static void closeAll(List<Parameter> ps) {
        List<Tensor> ts = new ArrayList<>();
        for (Parameter p : ps) {
            ts.add(p.data());
            if (p.grad() != null) {
                ts.add(p.grad());
            }
        }
        ts.forEach(Tensor::close);
    }
}
