package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.adamant.testing.TestData.gaussianDoubles;
import static dev.adamant.testing.TestData.gaussianFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Step monitoring against figures recomputed here from snapshots taken around the step, for every
 * optimizer; and the promise that monitoring changes no result.
 */
public class MonitoringTest {

    /** An optimizer, the slots it reports as first and second moment (and centre), and how its lr reaches an element. */
    public record Case(String name, Function<Backend, Optimizer<?, ?>> factory, String first, String second,
                       String center) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static Stream<Case> cases() {
        return Stream.of(
                new Case("adam", b -> new Adam(AdamConfig.adam().withLr(0.01).withWeightDecay(0.1), b), "exp_avg", "exp_avg_sq", null),
                new Case("adamw-amsgrad", b -> new AdamW(AdamConfig.adamW().withLr(0.01).withAmsgrad(true), b), "exp_avg", "max_exp_avg_sq", null),
                new Case("sgd", b -> new Sgd(SgdConfig.sgd().withLr(0.1), b), null, null, null),
                new Case("sgd-momentum", b -> new Sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9), b), "momentum_buffer", null, null),
                new Case("rmsprop-centered", b -> new RmsProp(RmsPropConfig.rmsprop().withLr(0.01).withMomentum(0.5).withCentered(true), b),
                        "momentum_buffer", "square_avg", "grad_avg"),
                new Case("adagrad", b -> new Adagrad(AdagradConfig.adagrad().withLr(0.1).withLrDecay(0.01), b), null, "sum", null),
                new Case("adamax", b -> new Adamax(AdamaxConfig.adamax().withLr(0.01), b), "exp_avg", "exp_inf", null),
                new Case("nadam", b -> new NAdam(NAdamConfig.nadam().withLr(0.01), b), "exp_avg", "exp_avg_sq", null),
                new Case("radam", b -> new RAdam(RAdamConfig.radam().withLr(0.01), b), "exp_avg", "exp_avg_sq", null),
                new Case("lamb", b -> new Lamb(LambConfig.defaults(), b), "exp_avg", "exp_avg_sq", null),
                new Case("lion", b -> new Lion(LionConfig.defaults().withLr(1e-3), b), "exp_avg", null, null));
    }

    static Stream<Arguments> casesAndTypes() {
        return cases().flatMap(c -> Stream.of(DType.FLOAT32, DType.FLOAT64).map(t -> Arguments.of(c, t)));
    }

    /** Three parameters in two groups, sizes that are not multiples of any lane count. */
    private static final int[] SIZES = {1003, 37, 4100};

    private static Parameter[] parameters(DType dtype, SplittableRandom r) {
        Parameter[] ps = new Parameter[SIZES.length];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = Parameter.of("p" + i, tensor(dtype, r, SIZES[i]));
        }
        return ps;
    }

    private static Tensor tensor(DType dtype, SplittableRandom r, int n) {
        return dtype == DType.FLOAT32 ? Tensor.ofFloats(gaussianFloats(r, n, 1)) : Tensor.ofDoubles(gaussianDoubles(r, n, 1));
    }

    private static double[] values(Tensor t) {
        if (t.dtype() == DType.FLOAT64) return t.toDoubleArray();
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Steps run before the figures are checked: enough for RAdam's rectification to start (step 6). */
    private static final int STEPS = 8;

    /** Runs {@link #STEPS} steps of {@code c} and checks the last step's figures. */
    public static void checkFigures(Case c, DType dtype, Backend backend, Monitoring monitoring) {
        SplittableRandom r = new SplittableRandom(5);
        Parameter[] ps = parameters(dtype, r);
        try (Optimizer<?, ?> opt = c.factory().apply(backend)) {
            opt.addParamGroup(List.of(ps[0], ps[1]));
            opt.addParamGroup(List.of(ps[2]));
            opt.setMonitoring(monitoring);
            double[][] before = new double[ps.length][], grads = new double[ps.length][];
            for (int step = 1; step <= STEPS; step++) {
                for (int i = 0; i < ps.length; i++) {
                    if (ps[i].grad() != null) ps[i].grad().close();
                    ps[i].setGrad(tensor(dtype, r, SIZES[i]));
                    before[i] = values(ps[i].data());
                    grads[i] = values(ps[i].grad());
                }
                opt.step();
            }
            StepStats stats = opt.lastStepStats().orElseThrow();
            assertEquals(STEPS, stats.step());
            assertFalse(stats.skipped());
            assertEquals(2, stats.groups().size());
            assertEquals(monitoring == Monitoring.PER_TENSOR ? ps.length : 0, stats.tensors().size());
            int[][] groups = {{0, 1}, {2}};
            for (int g = 0; g < groups.length; g++) {
                Expected e = new Expected();
                for (int i : groups[g]) {
                    Expected t = new Expected().add(opt, c, ps[i], before[i], grads[i]);
                    e.addAll(t);
                    if (monitoring == Monitoring.PER_TENSOR) {
                        t.check(c + " tensor " + i, stats.tensors().get(i), c);
                    }
                }
                e.check(c + " group " + g, stats.groups().get(g), c);
            }
        } finally {
            for (Parameter p : ps) {
                p.data().close();
                p.grad().close();
            }
        }
    }

    /** The figures recomputed in double from the tensors, element by element. */
    private static final class Expected {
        long n;
        double grad, update, param, first, second, qMin = Double.POSITIVE_INFINITY, qMax = Double.NEGATIVE_INFINITY;

        Expected add(Optimizer<?, ?> opt, Case c, Parameter p, double[] before, double[] grads) {
            double[] after = values(p.data());
            var state = (SlotState) opt.state(p).orElseThrow();
            double[] m = c.first() == null ? null : values(state.tensor(c.first()));
            double[] v = c.second() == null ? null : values(state.tensor(c.second()));
            double[] centre = c.center() == null ? null : values(state.tensor(c.center()));
            for (int i = 0; i < after.length; i++) {
                n++;
                grad += grads[i] * grads[i];
                update += (after[i] - before[i]) * (after[i] - before[i]);
                param += after[i] * after[i];
                if (m != null) first += Math.abs(m[i]);
                if (v != null) {
                    // the element type's own subtraction, as the optimizer computes v - c²
                    double q = p.data().dtype() == DType.FLOAT32 && centre != null
                            ? (float) v[i] - (float) centre[i] * (float) centre[i]
                            : v[i] - (centre == null ? 0 : centre[i] * centre[i]);
                    second += q;
                    qMin = Math.min(qMin, q);
                    qMax = Math.max(qMax, q);
                }
            }
            return this;
        }

        void addAll(Expected o) {
            n += o.n;
            grad += o.grad;
            update += o.update;
            param += o.param;
            first += o.first;
            second += o.second;
            qMin = Math.min(qMin, o.qMin);
            qMax = Math.max(qMax, o.qMax);
        }

        void check(String at, UpdateStats s, Case c) {
            assertEquals(n, s.elements(), at);
            close(Math.sqrt(grad), s.gradNorm(), at + " gradNorm");
            close(Math.sqrt(update), s.updateNorm(), at + " updateNorm");
            close(Math.sqrt(param), s.paramNorm(), at + " paramNorm");
            close(Math.sqrt(update) / Math.sqrt(param), s.updateToParamRatio(), at + " ratio");
            if (c.first() == null) {
                assertTrue(Double.isNaN(s.meanAbsFirstMoment()), at + " no first moment");
            } else {
                close(first / n, s.meanAbsFirstMoment(), at + " meanAbsFirstMoment");
            }
            if (c.second() == null) {
                assertTrue(Double.isNaN(s.meanSecondMoment()), at + " no second moment");
                assertEquals(s.effectiveLrMin(), s.effectiveLrMax(), at + " constant lr");
            } else {
                close(second / n, s.meanSecondMoment(), at + " meanSecondMoment");
                assertTrue(s.effectiveLrMin() < s.effectiveLrMax(), at + " lr range " + s);
            }
            assertTrue(s.effectiveLrMin() > 0 && Double.isFinite(s.effectiveLrMax()), at + " lr range " + s);
            assertEquals(0, s.nonFiniteGrads(), at);
        }

        private static void close(double expected, double actual, String what) {
            assertEquals(expected, actual, Math.abs(expected) * 1e-5, what);
        }
    }

    @ParameterizedTest
    @MethodSource("casesAndTypes")
    void perTensorAndPerGroupFiguresMatchTheTensors(Case c, DType dtype) {
        checkFigures(c, dtype, Backends.scalar(Numerics.EXACT), Monitoring.PER_TENSOR);
        checkFigures(c, dtype, Backends.scalar(Numerics.EXACT), Monitoring.PER_GROUP);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void monitoringChangesNoResult(Case c) {
        float[][] results = new float[2][];
        for (Monitoring monitoring : new Monitoring[] {Monitoring.OFF, Monitoring.PER_TENSOR}) {
            SplittableRandom r = new SplittableRandom(9);
            try (Tensor w = Tensor.ofFloats(gaussianFloats(r, 5000, 1)); Tensor g = Tensor.ofFloats(gaussianFloats(r, 5000, 1));
                 Optimizer<?, ?> opt = c.factory().apply(Backends.defaultBackend())) {
                Parameter p = Parameter.of(w);
                p.setGrad(g);
                opt.addParamGroup(List.of(p));
                opt.setMonitoring(monitoring);
                for (int i = 0; i < 3; i++) opt.step();
                assertEquals(monitoring != Monitoring.OFF, opt.lastStepStats().isPresent());
                results[monitoring == Monitoring.OFF ? 0 : 1] = w.toFloatArray();
            }
        }
        assertArrayEquals(results[0], results[1], c.toString());
    }

    @Test
    void adamEffectiveLrRangeIsLrOverTheBiasCorrectedDenominator() {
        // one element per tensor, so the range's ends are those elements' own rates
        try (Tensor w = Tensor.ofFloats(1f, 2f); Tensor g = Tensor.ofFloats(0.5f, -3f);
             Adam adam = new Adam(AdamConfig.adam().withLr(0.1).withBetas(0.9, 0.99).withEps(1e-3))) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            adam.addParamGroup(List.of(p));
            adam.setMonitoring(Monitoring.PER_GROUP);
            adam.step();
            UpdateStats s = adam.lastStepStats().orElseThrow().groups().get(0);
            // after one step v = 0.01·g², v̂ = v / (1 - 0.99) = g² (up to float32 rounding of v)
            float v0 = Math.fma(0.01f * 0.5f, 0.5f, 0f), v1 = Math.fma(0.01f * -3f, -3f, 0f);
            double sqrtBc2 = Math.sqrt(1 - 0.99);
            assertEquals(0.1 / (Math.sqrt(v1) / sqrtBc2 + 1e-3), s.effectiveLrMin(), 1e-12);
            assertEquals(0.1 / (Math.sqrt(v0) / sqrtBc2 + 1e-3), s.effectiveLrMax(), 1e-12);
            assertEquals(Math.sqrt(0.25 + 9), s.gradNorm(), 1e-12);
            assertEquals(((double) v0 + v1) / 2, s.meanSecondMoment(), 1e-12);
        }
    }

    @Test
    void aSkippedStepReportsItsNonFiniteGradients() {
        try (Tensor w = Tensor.ofFloats(1f, 2f, 3f); Tensor g = Tensor.ofFloats(Float.NaN, 1f, Float.POSITIVE_INFINITY);
             Sgd sgd = new Sgd(SgdConfig.sgd().withLr(0.1))) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            sgd.setMonitoring(Monitoring.PER_TENSOR);
            sgd.setNonFinitePolicy(NonFinitePolicy.SKIP_STEP);
            sgd.step();
            StepStats stats = sgd.lastStepStats().orElseThrow();
            assertTrue(stats.skipped());
            assertEquals(2, stats.groups().get(0).nonFiniteGrads());
            assertEquals(2, stats.tensors().get(0).nonFiniteGrads());
            assertArrayEquals(new float[] {1f, 2f, 3f}, w.toFloatArray());
        }
    }

    @Test
    void aPropagatedStepCountsNonFiniteGradientsAndKeepsTheNormFinite() {
        try (Tensor w = Tensor.ofFloats(1f, 2f, 3f); Tensor g = Tensor.ofFloats(Float.NaN, 2f, 0f);
             Sgd sgd = new Sgd(SgdConfig.sgd().withLr(0.1))) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            sgd.setMonitoring(Monitoring.PER_GROUP);
            sgd.step();
            UpdateStats s = sgd.lastStepStats().orElseThrow().groups().get(0);
            assertEquals(1, s.nonFiniteGrads());
            assertEquals(2, s.gradNorm());
            assertTrue(Double.isNaN(s.updateNorm()));
        }
    }

    /**
     * Figures do not depend on the thread count (pieces combine in plan order), bit for bit; a flat
     * group and separate tensors are cut into different pieces, so they agree to rounding.
     */
    @Test
    void figuresDoNotDependOnThreadsAndAgreeAcrossStorage() {
        long[] sizes = {70_000, 1, 40_000, 3_000};
        for (Monitoring monitoring : new Monitoring[] {Monitoring.PER_GROUP, Monitoring.PER_TENSOR}) {
            StepStats separate = null;
            for (boolean flat : new boolean[] {false, true}) {
                StepStats oneThread = flatOrSeparateStep(flat, 1, monitoring, sizes);
                for (int threads = 2; threads <= 3; threads++) {
                    StepStats stats = flatOrSeparateStep(flat, threads, monitoring, sizes);
                    String at = "flat=" + flat + " threads=" + threads + " " + monitoring;
                    assertEquals(oneThread, stats, at);
                }
                assertEquals(monitoring == Monitoring.PER_TENSOR ? sizes.length : 0, oneThread.tensors().size());
                if (separate == null) {
                    separate = oneThread;
                } else {
                    UpdateStats a = separate.groups().get(0), b = oneThread.groups().get(0);
                    assertEquals(a.elements(), b.elements());
                    assertEquals(a.gradNorm(), b.gradNorm(), a.gradNorm() * 1e-12);
                    assertEquals(a.updateNorm(), b.updateNorm(), a.updateNorm() * 1e-12);
                    assertEquals(a.meanSecondMoment(), b.meanSecondMoment(), a.meanSecondMoment() * 1e-12);
                    assertEquals(a.effectiveLrMin(), b.effectiveLrMin());
                    assertEquals(a.effectiveLrMax(), b.effectiveLrMax());
                }
            }
        }
    }

    private static StepStats flatOrSeparateStep(boolean flat, int threads, Monitoring monitoring, long[] sizes) {
        SplittableRandom r = new SplittableRandom(21);
        FlatParameters.Builder builder = FlatParameters.builder(DType.FLOAT32);
        for (int i = 0; i < sizes.length; i++) builder.add("t" + i, sizes[i]);
        try (FlatParameters block = builder.build(); Adam adam = new Adam(AdamConfig.adamW().withLr(0.01))) {
            Parameter[] ps = new Parameter[sizes.length];
            java.util.List<Tensor> owned = new java.util.ArrayList<>();
            for (int i = 0; i < sizes.length; i++) {
                float[] w = gaussianFloats(r, (int) sizes[i], 1), g = gaussianFloats(r, (int) sizes[i], 1);
                if (flat) {
                    ps[i] = block.parameter(i);
                    ps[i].data().copyFrom(w);
                    ps[i].grad().copyFrom(g);
                } else {
                    Tensor data = Tensor.ofFloats(w), grad = Tensor.ofFloats(g);
                    owned.add(data);
                    owned.add(grad);
                    ps[i] = Parameter.of(data);
                    ps[i].setGrad(grad);
                }
            }
            adam.addParamGroup(List.of(ps));
            adam.setThreads(threads);
            adam.setMonitoring(monitoring);
            adam.step();
            adam.step();
            owned.forEach(Tensor::close);
            return adam.lastStepStats().orElseThrow();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void figuresDoNotDependOnThreadsOnTheScalarBackend(Case c) {
        checkThreadIndependence(c, Backends.scalar(Numerics.EXACT));
    }

    /**
     * {@code c}'s figures on {@code backend} are the same bits on 1, 2 and 3 threads, float32 and
     * float64, per tensor and so per group, on a second step with value clipping and a NaN and an
     * infinity in one tensor's gradient (PROPAGATE policy).
     */
    public static void checkThreadIndependence(Case c, Backend backend) {
        int[] sizes = {40_000, 1, 33_000, 3_000};
        for (DType dtype : DType.values()) {
            for (Monitoring monitoring : new Monitoring[] {Monitoring.PER_TENSOR}) {
                StepStats oneThread = secondStepStats(c, backend, dtype, 1, monitoring, sizes);
                assertEquals(2, oneThread.groups().get(1).nonFiniteGrads(), c + " " + dtype + " " + monitoring);
                for (int threads = 2; threads <= 3; threads++) {
                    assertEquals(oneThread, secondStepStats(c, backend, dtype, threads, monitoring, sizes),
                            c + " " + dtype + " " + monitoring + " threads=" + threads + " on " + backend);
                }
            }
        }
    }

    private static StepStats secondStepStats(Case c, Backend backend, DType dtype, int threads, Monitoring monitoring,
                                             int[] sizes) {
        SplittableRandom r = new SplittableRandom(33);
        Parameter[] ps = new Parameter[sizes.length];
        try (Optimizer<?, ?> opt = c.factory().apply(backend)) {
            for (int i = 0; i < sizes.length; i++) {
                ps[i] = Parameter.of(tensor(dtype, r, sizes[i]));
                ps[i].setGrad(tensor(dtype, r, sizes[i]));
            }
            opt.addParamGroup(List.of(ps[0], ps[1], ps[2]));
            opt.addParamGroup(List.of(ps[3]));
            opt.setThreads(threads);
            opt.setMonitoring(monitoring);
            opt.setNonFinitePolicy(NonFinitePolicy.PROPAGATE);
            opt.step();
            Tensor grad = ps[3].grad();
            grad.close();
            double[] g = gaussianDoubles(r, sizes[3], 1);
            g[5] = Double.NaN;
            g[2000] = Double.POSITIVE_INFINITY;
            ps[3].setGrad(dtype == DType.FLOAT32 ? Tensor.ofFloats(toFloats(g)) : Tensor.ofDoubles(g));
            opt.clipGradValue(1.0);
            opt.step();
            return opt.lastStepStats().orElseThrow();
        } finally {
            for (Parameter p : ps) {
                if (p != null) {
                    p.data().close();
                    p.grad().close();
                }
            }
        }
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    @Test
    void theGradNormIsOfTheGradientTheStepUsed() {
        try (Tensor w = Tensor.ofFloats(1f, 2f, 3f); Tensor g = Tensor.ofFloats(8f, -0.5f, -4f);
             Sgd sgd = new Sgd(SgdConfig.sgd().withLr(0.1))) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            sgd.setMonitoring(Monitoring.PER_GROUP);
            sgd.unscale(2);
            sgd.clipGradValue(1);
            sgd.step();
            UpdateStats s = sgd.lastStepStats().orElseThrow().groups().get(0);
            // unscaled (4, -0.25, -2), then clamped to (1, -0.25, -1)
            assertEquals(Math.sqrt(1 + 0.0625 + 1), s.gradNorm(), 1e-12);
            assertEquals(0.1 * Math.sqrt(1 + 0.0625 + 1), s.updateNorm(), 1e-7);
        }
    }

    @Test
    void offReportsNothing() {
        try (Tensor w = Tensor.ofFloats(1f); Tensor g = Tensor.ofFloats(1f); Sgd sgd = new Sgd(SgdConfig.sgd())) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            sgd.step();
            assertTrue(sgd.lastStepStats().isEmpty());
            assertEquals(Monitoring.OFF, sgd.monitoring());
        }
    }
}
