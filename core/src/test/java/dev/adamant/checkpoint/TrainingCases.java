package dev.adamant.checkpoint;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adagrad;
import dev.adamant.optim.AdagradConfig;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Adamax;
import dev.adamant.optim.AdamaxConfig;
import dev.adamant.optim.Lamb;
import dev.adamant.optim.LambConfig;
import dev.adamant.optim.Lion;
import dev.adamant.optim.LionConfig;
import dev.adamant.optim.NAdam;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.ParameterState;
import dev.adamant.optim.RAdam;
import dev.adamant.optim.RAdamConfig;
import dev.adamant.optim.RmsProp;
import dev.adamant.optim.RmsPropConfig;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.schedule.Schedules;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Deterministic training runs for the checkpoint tests: one case per optimizer and per option that
 * creates state, each over two param groups (the second overriding the first), parameters of both
 * dtypes, and one parameter that has no gradient on odd steps. {@link #main} runs the same cases in
 * a child JVM (the fresh-process resume and the crash test).
 */
final class TrainingCases {
    static final Backend BACKEND = Backends.scalar(Numerics.EXACT);
    /** Steps before the checkpoint and after it. */
    static final int N = 7;
    static final int M = 6;
    /** The default parameter sizes: float32, float64 (group 0), float32 (group 1, no gradient on odd steps). */
    static final int[] SIZES = {33, 7, 5};

    private TrainingCases() {
    }

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

    /** Every optimizer, every option that creates state (amsgrad, momentum, centered, ...). */
    static List<Case> all() {
        return List.of(
                new Case("Adam, L2 amsgrad", (a, b) -> {
                    Adam o = new Adam(AdamConfig.adam().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withLr(3e-3).withWeightDecay(0.1).withAmsgrad(true));
                    return o;
                }),
                new Case("Adam maximize, amsgrad maximize", (a, b) -> {
                    Adam o = new Adam(AdamConfig.adam().withLr(1e-2).withMaximize(true), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withAmsgrad(true).withBetas(0.5, 0.6));
                    return o;
                }),
                new Case("AdamW amsgrad, plain", (a, b) -> {
                    AdamW o = new AdamW(AdamConfig.adamW().withLr(1e-2).withAmsgrad(true), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withAmsgrad(false).withWeightDecay(0.5));
                    return o;
                }),
                new Case("AdamW with a warmup-cosine schedule", (a, b) -> {
                    // the schedule is a function of stepCount(): restoring the count resumes it in place
                    AdamW o = new AdamW(AdamConfig.adamW().withLr(1e-2), BACKEND);
                    o.addParamGroup(a).setSchedule(Schedules.warmupCosine(1e-2, 4, N + M));
                    o.addParamGroup(b);
                    return o;
                }),
                new Case("SGD without momentum (no state tensors)", (a, b) -> {
                    Sgd o = new Sgd(SgdConfig.sgd().withLr(0.05), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withWeightDecay(0.01).withMaximize(true));
                    return o;
                }),
                new Case("SGD momentum dampening, nesterov", (a, b) -> {
                    Sgd o = new Sgd(SgdConfig.sgd().withLr(0.05).withMomentum(0.9).withDampening(0.1), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withDampening(0).withNesterov(true).withWeightDecay(0.01));
                    return o;
                }),
                new Case("RMSprop plain, centered", (a, b) -> {
                    RmsProp o = new RmsProp(RmsPropConfig.rmsprop().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withCentered(true));
                    return o;
                }),
                new Case("RMSprop momentum, centered momentum maximize", (a, b) -> {
                    RmsProp o = new RmsProp(RmsPropConfig.rmsprop().withLr(1e-2).withMomentum(0.9), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withCentered(true).withMaximize(true).withWeightDecay(0.1));
                    return o;
                }),
                new Case("Adagrad lr_decay initial accumulator, wd maximize", (a, b) -> {
                    Adagrad o = new Adagrad(AdagradConfig.adagrad().withLr(0.1).withLrDecay(0.01)
                            .withInitialAccumulatorValue(0.1), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withWeightDecay(0.1).withMaximize(true));
                    return o;
                }),
                new Case("Adamax, wd maximize", (a, b) -> {
                    Adamax o = new Adamax(AdamaxConfig.adamax().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withWeightDecay(0.01).withMaximize(true));
                    return o;
                }),
                new Case("NAdam, wd momentum_decay", (a, b) -> {
                    NAdam o = new NAdam(NAdamConfig.nadam().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withLr(5e-3).withWeightDecay(0.1).withMomentumDecay(0.01));
                    return o;
                }),
                new Case("RAdam (rectified from step 6), wd", (a, b) -> {
                    RAdam o = new RAdam(RAdamConfig.radam().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withWeightDecay(0.05).withBetas(0.8, 0.99));
                    return o;
                }),
                new Case("LAMB, always_adapt without bias correction", (a, b) -> {
                    Lamb o = new Lamb(LambConfig.defaults().withLr(1e-2), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withLr(2e-3).withWeightDecay(0).withAlwaysAdapt(true).withBiasCorrection(false));
                    return o;
                }),
                new Case("Lion, wd maximize", (a, b) -> {
                    Lion o = new Lion(LionConfig.defaults().withLr(1e-3), BACKEND);
                    o.addParamGroup(a);
                    o.addParamGroup(b, c -> c.withWeightDecay(0.1).withMaximize(true).withBetas(0.5, 0.9));
                    return o;
                }));
    }

    static Case named(String name) {
        return all().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no training case named '" + name + "'"));
    }

    static List<Parameter> params(boolean initialised) {
        return params(initialised, SIZES);
    }

    /** Parameters of {@code sizes} (the second float64), each with a gradient tensor. */
    static List<Parameter> params(boolean initialised, int[] sizes) {
        List<Parameter> ps = new ArrayList<>();
        for (int k = 0; k < sizes.length; k++) {
            Parameter p = Parameter.of("p" + k, Tensor.allocate(k == 1 ? DType.FLOAT64 : DType.FLOAT32, sizes[k]));
            p.setGrad(Tensor.allocate(p.data().dtype(), p.data().size()));
            if (initialised) {
                for (long i = 0; i < p.data().size(); i++) {
                    set(p.data(), i, Math.cos(0.37 * i + p.data().size()));
                }
            }
            ps.add(p);
        }
        return ps;
    }

    /** The case's optimizer over {@code ps}: the last parameter in group 1, the others in group 0. */
    static Optimizer<?, ?> build(Case c, List<Parameter> ps) {
        return c.setup().build(ps.subList(0, ps.size() - 1), ps.subList(ps.size() - 1, ps.size()));
    }

    /** Steps {@code from} .. {@code from + steps - 1}: a gradient of the current parameters; the last parameter skips odd steps. */
    static void train(Optimizer<?, ?> opt, List<Parameter> ps, long from, long steps) {
        for (long t = from; t < from + steps; t++) {
            for (int k = 0; k < ps.size(); k++) {
                Parameter p = ps.get(k);
                if (k == ps.size() - 1 && t % 2 == 1) {
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

    static void assertSameParams(List<Parameter> expected, List<Parameter> actual, String when) {
        for (int k = 0; k < expected.size(); k++) {
            assertSameBits(expected.get(k).data(), actual.get(k).data(), "param " + k + " " + when);
        }
    }

    /** Same step counts, slots, state tensors (bit for bit) and scalar state, parameter by parameter. */
    static void assertSameState(Optimizer<?, ?> a, List<Parameter> pa, Optimizer<?, ?> b, List<Parameter> pb) {
        assertEquals(a.stepCount(), b.stepCount(), "optimizer step count");
        for (int g = 0; g < a.paramGroups().size(); g++) {
            assertEquals(a.paramGroups().get(g).config(), b.paramGroups().get(g).config(), "config of group " + g);
        }
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
            x.tensors().forEachKeyValue((name, t) -> assertSameBits(t, y.tensors().get(name), name + " of param " + param));
            assertEquals(x.scalars().keysView().toSortedList(), y.scalars().keysView().toSortedList(), "scalars of param " + k);
            x.scalars().forEachKeyValue((name, v) -> assertEquals(Double.doubleToRawLongBits(v),
                    Double.doubleToRawLongBits(y.scalars().get(name)), name + " of param " + param));
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
        for (Parameter p : ps) {
            p.data().close();
            if (p.grad() != null) {
                p.grad().close();
            }
        }
    }

    /** The command line of a child JVM running {@link #main} with {@code args}, on this JVM's class path. */
    static List<String> childCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // C1 only and the serial collector: a second less to start (Java arithmetic is the same under any JIT)
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                TrainingCases.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * The child JVM's entry point.
     * <ul>
     *   <li>{@code resume FROM STEPS (CASE IN OUT)...}: for each case, a fresh optimizer over
     *       uninitialised parameters loads IN, trains STEPS more steps from step FROM and saves
     *       itself, parameters included, to OUT;</li>
     *   <li>{@code save-loop FILE SIZE MAX_SAVES}: AdamW with amsgrad over parameters of SIZE, 7 and 5
     *       elements resumes from FILE if it exists, prints {@code ready STEP}, then trains one step
     *       and saves to FILE, printing {@code saving STEP} before and {@code saved STEP} after each save,
     *       until killed or MAX_SAVES saves.</li>
     * </ul>
     */
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        switch (args[0]) {
            case "resume" -> {
                long from = Long.parseLong(args[1]);
                long steps = Long.parseLong(args[2]);
                for (int i = 3; i + 2 < args.length; i += 3) {
                    List<Parameter> ps = params(false);
                    try (Optimizer<?, ?> opt = build(named(args[i]), ps)) {
                        Checkpoints.load(opt, Path.of(args[i + 1]), i % 2 == 0 ? LoadMode.READ : LoadMode.MAP);
                        train(opt, ps, from, steps);
                        Checkpoints.save(opt, Path.of(args[i + 2]), true);
                    } finally {
                        closeAll(ps);
                    }
                }
                out.println("done");
            }
            case "save-loop" -> {
                Path file = Path.of(args[1]);
                List<Parameter> ps = params(!Files.exists(file), crashSizes(Integer.parseInt(args[2])));
                long maxSaves = Long.parseLong(args[3]);
                try (Optimizer<?, ?> opt = crashOptimizer(ps)) {
                    if (Files.exists(file)) {
                        Checkpoints.load(opt, file);
                    }
                    out.println("ready " + opt.stepCount());
                    out.flush();
                    for (long s = 0; s < maxSaves; s++) {
                        train(opt, ps, opt.stepCount(), 1);
                        out.println("saving " + opt.stepCount());
                        out.flush();
                        Checkpoints.save(opt, file, true);
                        out.println("saved " + opt.stepCount());
                        out.flush();
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    static int[] crashSizes(int size) {
        return new int[] {size, 7, 5};
    }

    /** The crash test's optimizer: three state tensors per parameter (amsgrad). */
    static Optimizer<?, ?> crashOptimizer(List<Parameter> ps) {
        AdamW o = new AdamW(AdamConfig.adamW().withLr(1e-3).withAmsgrad(true), BACKEND);
        o.addParamGroup(ps.subList(0, ps.size() - 1));
        o.addParamGroup(ps.subList(ps.size() - 1, ps.size()), c -> c.withWeightDecay(0));
        return o;
    }
}
