package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.TestData;
import org.eclipse.collections.api.factory.Lists;
import org.eclipse.collections.api.list.MutableList;
import org.junit.jupiter.api.AfterEach;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The check behind {@code MultiTensorStepTest} (scalar kernels) and the SIMD module's
 * {@code MultiTensorStepVectorTest} (every lane width): the chunked multi-tensor step, on flat storage and on caller-owned tensors, on 1 to 4 threads,
 * equals the per-tensor reference (one kernel call per tensor, as before chunking) bit for bit:
 * parameters, every state slot, step counts and scalar state, for all ten optimizers with their
 * state-creating options, on random tensor lists (sizes 0..10,000 plus tensors crossing LAMB's norm
 * blocks), over steps where some gradients are missing, a slot appears mid-run and the gradients
 * are clipped.
 */
public abstract class MultiTensorStepCheck {
    private static final int STEPS = 4;

    /** An optimizer under test: how to make it, and a config change applied to group 0 before step 3 (or null). */
    public record Case(String name, Function<Backend, SlotOptimizer<?, ?, ?>> factory, UnaryOperator<?> laterChange) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static List<Case> cases() {
        return List.of(
                new Case("adam", b -> new Adam(AdamConfig.adam().withLr(1e-2), b),
                        (UnaryOperator<AdamConfig>) c -> c.withAmsgrad(true)),
                new Case("adam-amsgrad-l2", b -> new Adam(AdamConfig.adam().withAmsgrad(true).withWeightDecay(0.1), b), null),
                new Case("adamw-maximize", b -> new AdamW(AdamConfig.adamW().withMaximize(true).withAmsgrad(true), b), null),
                new Case("sgd", b -> new Sgd(SgdConfig.sgd().withLr(0.1), b),
                        (UnaryOperator<SgdConfig>) c -> c.withMomentum(0.9)),
                new Case("sgd-nesterov", b -> new Sgd(SgdConfig.sgd().withMomentum(0.9).withNesterov(true)
                        .withWeightDecay(0.01), b), null),
                new Case("sgd-dampening", b -> new Sgd(SgdConfig.sgd().withMomentum(0.5).withDampening(0.3), b), null),
                new Case("rmsprop-centered-momentum", b -> new RmsProp(RmsPropConfig.rmsprop().withCentered(true)
                        .withMomentum(0.9).withWeightDecay(0.01), b), null),
                new Case("rmsprop", b -> new RmsProp(RmsPropConfig.rmsprop(), b),
                        (UnaryOperator<RmsPropConfig>) c -> c.withCentered(true)),
                new Case("adagrad", b -> new Adagrad(AdagradConfig.adagrad().withLrDecay(0.01)
                        .withInitialAccumulatorValue(0.1).withWeightDecay(0.01), b), null),
                new Case("adamax", b -> new Adamax(AdamaxConfig.adamax().withWeightDecay(0.01), b), null),
                new Case("nadam", b -> new NAdam(NAdamConfig.nadam().withWeightDecay(0.01), b), null),
                new Case("radam", b -> new RAdam(RAdamConfig.radam().withWeightDecay(0.01), b), null),
                new Case("lamb", b -> new Lamb(LambConfig.defaults().withLr(1e-2), b), null),
                new Case("lamb-always-adapt", b -> new Lamb(LambConfig.defaults().withWeightDecay(0).withAlwaysAdapt(true), b), null),
                new Case("lion", b -> new Lion(LionConfig.defaults().withWeightDecay(0.1), b), null));
    }

    /** How the tensors are stored and stepped. */
    enum Layout { SEPARATE, FLAT, MIXED }

    private final MutableList<AutoCloseable> open = Lists.mutable.empty();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reverseThis()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    /** The random problem: tensor sizes in two groups, and per step each tensor's gradient or null. */
    private record Problem(long[][] sizes, float[][][] initial, float[][][][] grads) {
    }

    private static Problem problem(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[][] sizes = new long[2][];
        float[][][] initial = new float[2][][];
        float[][][][] grads = new float[STEPS][2][][];
        for (int g = 0; g < 2; g++) {
            int count = 8 + random.nextInt(20);
            sizes[g] = new long[count];
            for (int i = 0; i < count; i++) {
                int kind = random.nextInt(10);
                sizes[g][i] = kind == 0 ? random.nextInt(3) : random.nextInt(10_001);
            }
            // LAMB's norms are blockwise: a tensor spanning blocks in group 0, one of exactly a block in group 1
            sizes[g][random.nextInt(count)] = g == 0 ? 2L * LambKernel.NORM_BLOCK + 1234 : LambKernel.NORM_BLOCK;
            initial[g] = new float[count][];
            for (int i = 0; i < count; i++) {
                initial[g][i] = TestData.gaussianFloats(random, (int) sizes[g][i], 1);
            }
        }
        for (int t = 0; t < STEPS; t++) {
            for (int g = 0; g < 2; g++) {
                grads[t][g] = new float[sizes[g].length][];
                for (int i = 0; i < sizes[g].length; i++) {
                    // step 2 misses some gradients of group 1: its states fall out of step with each other
                    // (per-tensor runs from then on), while group 0 stays one run
                    boolean missing = t == 1 && g == 1 && random.nextInt(4) == 0;
                    grads[t][g][i] = missing ? null : TestData.gaussianFloats(random, (int) sizes[g][i], 0.1);
                }
            }
        }
        return new Problem(sizes, initial, grads);
    }

    /** One optimizer over the problem's tensors, stored as {@code layout}. */
    private final class Run {
        final SlotOptimizer<?, ?, ?> opt;
        final Parameter[][] params = new Parameter[2][];
        final Tensor[][] gradTensors = new Tensor[2][];
        final DType dtype;

        @SuppressWarnings({"unchecked", "rawtypes"})
        Run(Case c, Backend backend, DType dtype, Problem problem, Layout layout, int threads, boolean reference) {
            this.dtype = dtype;
            this.opt = track(c.factory().apply(backend));
            opt.setThreads(threads);
            opt.setPerTensorReference(reference);
            for (int g = 0; g < 2; g++) {
                int count = problem.sizes()[g].length;
                params[g] = new Parameter[count];
                gradTensors[g] = new Tensor[count];
                boolean flat = layout == Layout.FLAT || (layout == Layout.MIXED && g == 0);
                if (flat) {
                    FlatParameters.Builder builder = FlatParameters.builder(dtype);
                    for (int i = 0; i < count; i++) {
                        builder.add("g" + g + "." + i, problem.sizes()[g][i]);
                    }
                    FlatParameters block = track(builder.build());
                    for (int i = 0; i < count; i++) {
                        params[g][i] = block.parameter(i);
                        gradTensors[g][i] = params[g][i].grad();
                    }
                } else {
                    for (int i = 0; i < count; i++) {
                        params[g][i] = Parameter.of("g" + g + "." + i,
                                track(Tensor.allocate(dtype, problem.sizes()[g][i])));
                        gradTensors[g][i] = track(Tensor.allocate(dtype, problem.sizes()[g][i]));
                    }
                }
                for (int i = 0; i < count; i++) {
                    copy(problem.initial()[g][i], params[g][i].data());
                }
            }
            opt.addParamGroup(List.of(params[0]));
            ((Optimizer) opt).addParamGroup(List.of(params[1]), (UnaryOperator) (cfg -> ((OptimizerConfig) cfg).withLr(
                    ((OptimizerConfig) cfg).lr() * 0.5)));
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        void step(Problem problem, int t, UnaryOperator<?> laterChange) {
            for (int g = 0; g < 2; g++) {
                for (int i = 0; i < params[g].length; i++) {
                    float[] grad = problem.grads()[t][g][i];
                    if (grad == null) {
                        params[g][i].setGrad(null);
                    } else {
                        copy(grad, gradTensors[g][i]);
                        params[g][i].setGrad(gradTensors[g][i]);
                    }
                }
            }
            if (t == 2 && laterChange != null) {
                ((ParamGroup) opt.paramGroups().get(0)).update((UnaryOperator) laterChange);
            }
            if (t == 3) {
                opt.clipGradNorm(0.5, 2);
            }
            opt.step();
        }
    }

    private static void copy(float[] values, Tensor into) {
        if (into.dtype() == DType.FLOAT32) {
            into.copyFrom(values);
        } else {
            double[] d = new double[values.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = values[i];
            }
            into.copyFrom(d);
        }
    }

    /** Steps the reference and five chunked variants side by side and compares them after every step. */
    protected final void checkAgainstReference(Case c, Backend backend, DType dtype) {
        Problem problem = problem(31L * c.name().hashCode() + dtype.ordinal());
        Run reference = new Run(c, backend, dtype, problem, Layout.SEPARATE, 1, true);
        List<Run> runs = List.of(
                new Run(c, backend, dtype, problem, Layout.SEPARATE, 1, false),
                new Run(c, backend, dtype, problem, Layout.SEPARATE, 3, false),
                new Run(c, backend, dtype, problem, Layout.FLAT, 1, false),
                new Run(c, backend, dtype, problem, Layout.FLAT, 2, false),
                new Run(c, backend, dtype, problem, Layout.MIXED, 2, false));
        String[] names = {"separate/1 thread", "separate/3 threads", "flat/1 thread", "flat/2 threads",
                "mixed/2 threads"};
        for (int t = 0; t < STEPS; t++) {
            reference.step(problem, t, c.laterChange());
            for (int r = 0; r < runs.size(); r++) {
                runs.get(r).step(problem, t, c.laterChange());
                assertSame(reference, runs.get(r), c + " " + names[r] + " after step " + (t + 1));
            }
        }
    }

    /** Parameters, state tensors, scalars and step counts equal bit for bit. */
    private static void assertSame(Run expected, Run actual, String what) {
        for (int g = 0; g < 2; g++) {
            for (int i = 0; i < expected.params[g].length; i++) {
                String where = what + ", group " + g + " tensor " + i;
                assertBits(expected.params[g][i].data(), actual.params[g][i].data(), where + " params");
                var es = expected.opt.state(expected.params[g][i]);
                var as = actual.opt.state(actual.params[g][i]);
                assertEquals(es.isPresent(), as.isPresent(), where + " has state");
                if (es.isEmpty()) {
                    continue;
                }
                ParameterState e = es.get(), a = as.get();
                assertEquals(e.step(), a.step(), where + " step");
                assertEquals(e.scalars(), a.scalars(), where + " scalars");
                assertEquals(e.tensors().keysView().toSortedList(), a.tensors().keysView().toSortedList(), where + " slots");
                for (Map.Entry<String, Tensor> slot : e.tensors().castToMap().entrySet()) {
                    Tensor other = a.tensors().get(slot.getKey());
                    assertNotNull(other, where + " " + slot.getKey());
                    assertBits(slot.getValue(), other, where + " " + slot.getKey());
                }
            }
        }
    }

    private static void assertBits(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.size(), actual.size(), what + " size");
        if (expected.dtype() == DType.FLOAT32) {
            float[] e = expected.toFloatArray(), a = actual.toFloatArray();
            for (int i = 0; i < e.length; i++) {
                if (Float.floatToRawIntBits(e[i]) != Float.floatToRawIntBits(a[i])) {
                    fail(what + " differ at element " + i + " of " + e.length + ": " + e[i] + " vs " + a[i]);
                }
            }
        } else {
            double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                if (Double.doubleToRawLongBits(e[i]) != Double.doubleToRawLongBits(a[i])) {
                    fail(what + " differ at element " + i + " of " + e.length + ": " + e[i] + " vs " + a[i]);
                }
            }
        }
    }
}
