package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.Snapshot;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per input rule. Each checks the exception type, that the message names the offending
 * value or buffer, and that nothing was written: every parameter, grad and state buffer is
 * snapshotted before the call and compared bitwise after it. The optimizer tests put the bad input
 * on a second parameter, so the first one (with state from an earlier step) must survive too.
 */
class BadInputTest {
    private static final Backend SCALAR = Backends.scalar(Numerics.EXACT);
    private static final int N = 29;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(5);
    private final Arena arena = Arena.ofShared();
    private Adam adam;
    private Parameter first;

    @BeforeEach
    void firstParameterWithState() {
        adam = new Adam(AdamConfig.adam().withAmsgrad(true).withWeightDecay(0.01), SCALAR);
        first = param("first");
        adam.addParamGroup(List.of(first));
        adam.step();
        first.grad().copyFrom(TestData.gaussianFloats(random, N, 1));
    }

    @AfterEach
    void closeAll() throws Exception {
        adam.close();
        for (AutoCloseable c : toClose) c.close();
        arena.close();
    }

    private Tensor randomTensor(int n) {
        Tensor t = Tensor.ofFloats(TestData.gaussianFloats(random, n, 1));
        toClose.add(t);
        return t;
    }

    private Parameter param(String name) {
        Parameter p = Parameter.of(name, randomTensor(N));
        p.setGrad(randomTensor(N));
        return p;
    }

    /** Every live parameter, grad and state buffer of the optimizer, byte for byte. */
    private Snapshot snapshotAll() {
        Snapshot s = new Snapshot();
        for (Parameter p : adam.parameters()) {
            if (p.data().isAlive()) s.add(p.name() + " data", p.data());
            if (p.grad() != null && p.grad().isAlive()) s.add(p.name() + " grad", p.grad());
            adam.state(p).ifPresent(state -> s.addAll(p.name() + " state", state.tensors().castToMap()));
        }
        return s;
    }

    private <T extends Throwable> T assertRejectsAndModifiesNothing(Class<T> type, Executable call, String... inMessage) {
        Snapshot before = snapshotAll();
        long firstStep = adam.state(first).orElseThrow().step();
        int registered = adam.parameters().size();
        T e = assertThrows(type, call);
        for (String fragment : inMessage) {
            assertTrue(e.getMessage().contains(fragment), () -> "message lacks '" + fragment + "': " + e.getMessage());
        }
        before.assertUnchanged();
        assertEquals(firstStep, adam.state(first).orElseThrow().step(), "step count of the first parameter");
        assertEquals(registered, adam.parameters().size(), "registered parameters");
        return e;
    }

    private Parameter registerSecond() {
        Parameter second = param("second");
        adam.addParamGroup(List.of(second));
        return second;
    }

    // ---- sizes and element types

    @Test
    void aGradOfTheWrongSizeIsRejected() {
        Parameter second = registerSecond();
        Tensor grad = second.grad();
        assertRejectsAndModifiesNothing(IllegalArgumentException.class, () -> second.setGrad(randomTensor(N + 1)),
                "size mismatch", "second", Integer.toString(N + 1), Integer.toString(N));
        assertSame(grad, second.grad(), "the rejected grad was not installed");
    }

    @Test
    void aFloat64GradForAFloat32ParameterIsRejected() {
        Parameter second = registerSecond();
        Tensor wrong = Tensor.ofDoubles(new double[N]);
        toClose.add(wrong);
        Tensor grad = second.grad();
        assertRejectsAndModifiesNothing(IllegalArgumentException.class, () -> second.setGrad(wrong),
                "second", "float64", "float32");
        assertSame(grad, second.grad());
    }

    // ---- overlap

    @Test
    void aParameterWhoseGradOverlapsItsDataIsRejectedAtStep() {
        MemorySegment both = arena.allocate((N + 5) * 4L, 64);
        TestData.fillGaussian(both, DType.FLOAT32, random, 1, false);
        Parameter second = Parameter.of("second", Tensor.wrap(both.asSlice(0, N * 4L), DType.FLOAT32));
        second.setGrad(Tensor.wrap(both.asSlice(5 * 4L, N * 4L), DType.FLOAT32));
        adam.addParamGroup(List.of(second));
        assertRejectsAndModifiesNothing(IllegalArgumentException.class, adam::step,
                "'second' data", "'second' grad", "overlap");
    }

    @Test
    void aParameterRegisteredTwiceIsRejected() {
        Parameter second = registerSecond();
        assertRejectsAndModifiesNothing(IllegalArgumentException.class, () -> adam.addParamGroup(List.of(second)),
                "second", "registered twice", "#1");
        Parameter third = param("third");
        assertRejectsAndModifiesNothing(IllegalArgumentException.class,
                () -> adam.addParamGroup(List.of(third, third)), "third", "registered twice");
        // a good parameter in front of a bad one is not registered either
        Parameter fourth = param("fourth");
        assertRejectsAndModifiesNothing(IllegalArgumentException.class,
                () -> adam.addParamGroup(List.of(fourth, first)), "first", "registered twice");
        assertEquals(2, adam.paramGroups().size());
        assertTrue(adam.parameters().noneSatisfy(p -> p == fourth));
    }

    @Test
    void twoParametersOverOverlappingMemoryAreRejected() {
        MemorySegment alias = first.data().segment().asSlice(8, 8L * 4);
        Parameter overlapping = Parameter.of("alias", Tensor.wrap(alias, DType.FLOAT32));
        assertRejectsAndModifiesNothing(IllegalArgumentException.class,
                () -> adam.addParamGroup(List.of(overlapping)), "alias", "first", "overlap");
        MemorySegment fresh = arena.allocate(N * 8L, 64);
        Parameter a = Parameter.of("a", Tensor.wrap(fresh.asSlice(0, N * 4L), DType.FLOAT32));
        Parameter b = Parameter.of("b", Tensor.wrap(fresh.asSlice(N * 4L - 4, N * 4L), DType.FLOAT32));
        assertRejectsAndModifiesNothing(IllegalArgumentException.class,
                () -> adam.addParamGroup(List.of(a, b)), "'a'", "'b'", "overlap");
    }

    // ---- closed and read-only memory

    @Test
    void aClosedParameterIsRejectedAtStep() {
        Parameter second = registerSecond();
        second.data().close();
        assertRejectsAndModifiesNothing(IllegalStateException.class, adam::step, "'second' data", "closed");
    }

    @Test
    void aClosedGradIsRejectedAtStep() {
        Parameter second = registerSecond();
        second.grad().close();
        assertRejectsAndModifiesNothing(IllegalStateException.class, adam::step, "'second' grad", "closed");
    }

    @Test
    void memoryOfAClosedCallerArenaIsRejectedAtStep() {
        Arena callers = Arena.ofShared();
        Parameter second = Parameter.of("second", Tensor.allocate(callers, DType.FLOAT32, N));
        second.setGrad(Tensor.allocate(callers, DType.FLOAT32, N));
        adam.addParamGroup(List.of(second));
        adam.step();
        callers.close();
        assertRejectsAndModifiesNothing(IllegalStateException.class, adam::step, "'second' data", "closed");
    }

    @Test
    void aReadOnlyParameterIsRejectedAtRegistration() {
        Tensor t = randomTensor(N);
        Parameter readOnly = Parameter.of("frozen", Tensor.wrap(t.segment().asReadOnly(), DType.FLOAT32));
        assertRejectsAndModifiesNothing(IllegalArgumentException.class,
                () -> adam.addParamGroup(List.of(readOnly)), "frozen", "read-only");
    }

    @Test
    void aReadOnlyGradIsAllowed() {
        Parameter second = registerSecond();
        Tensor writable = second.grad();
        second.setGrad(Tensor.wrap(writable.segment().asReadOnly(), DType.FLOAT32));
        float[] p = second.data().toFloatArray(), m = new float[N], v = new float[N], vmax = new float[N];
        adam.step();
        AdamUpdate.with(SCALAR).apply(adam.defaults(), 1, p, writable.toFloatArray(), m, v, vmax, 0, N);
        Bits.assertSameBits("param", p, second.data().toFloatArray());
        Bits.assertSameBits("exp_avg", m, adam.state(second).orElseThrow().expAvg().toFloatArray());
    }

    @Test
    void zeroGradRefusesAReadOnlyGradBeforeZeroingAnyOther() {
        Parameter second = registerSecond();
        second.setGrad(Tensor.wrap(second.grad().segment().asReadOnly(), DType.FLOAT32));
        assertRejectsAndModifiesNothing(IllegalArgumentException.class, adam::zeroGrad, "'second' grad", "read-only");
    }

    // ---- hyperparameters

    @ParameterizedTest
    @ValueSource(doubles = {-1e-3, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void invalidLrEpsOrWeightDecayIsRejected(double bad) {
        rejectGroupChange(c -> c.withLr(bad), "learning rate", bad);
        rejectGroupChange(c -> c.withEps(bad), "epsilon", bad);
        rejectGroupChange(c -> c.withWeightDecay(bad), "weight_decay", bad);
        var e = assertThrows(IllegalArgumentException.class, () -> adam.paramGroups().getFirst().setLr(bad));
        assertTrue(e.getMessage().contains(Double.toString(bad)), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.0, 1.5, Double.NaN, Double.POSITIVE_INFINITY, -Double.MIN_VALUE})
    void betasOutsideZeroToOneAreRejected(double bad) {
        rejectGroupChange(c -> c.withBetas(bad, 0.999), "beta parameter at index 0", bad);
        rejectGroupChange(c -> c.withBetas(0.9, bad), "beta parameter at index 1", bad);
    }

    private void rejectGroupChange(UnaryOperator<AdamConfig> change, String what, double bad) {
        ParamGroup<AdamConfig> group = adam.paramGroups().getFirst();
        AdamConfig before = group.config();
        assertRejectsAndModifiesNothing(IllegalArgumentException.class, () -> group.update(change),
                what, Double.toString(bad));
        assertSame(before, group.config(), "the rejected config was not installed");
        assertThrows(IllegalArgumentException.class, () -> new Adam(change.apply(AdamConfig.adam()), SCALAR));
    }

    // ---- step counts

    @Test
    void aStepCountThatWouldOverflowIsRejected() {
        Parameter second = registerSecond();
        adam.step();
        adam.state(second).orElseThrow().step = Long.MAX_VALUE;
        first.grad().copyFrom(TestData.gaussianFloats(random, N, 1));
        assertRejectsAndModifiesNothing(ArithmeticException.class, adam::step,
                "'second'", "overflow", Long.toString(Long.MAX_VALUE));
    }

    @Test
    void theLastRepresentableStepStillRuns() {
        adam.state(first).orElseThrow().step = Long.MAX_VALUE - 1;
        adam.step();
        assertEquals(Long.MAX_VALUE, adam.state(first).orElseThrow().step());
        assertTrue(Float.isFinite(first.data().getFloat(0)));
    }

    // ---- use after close

    @Test
    void everyCallAfterCloseIsRejected() {
        Snapshot callers = new Snapshot().add("first data", first.data()).add("first grad", first.grad());
        adam.close();
        for (Executable call : List.<Executable>of(adam::step, adam::zeroGrad, () -> adam.state(first),
                () -> adam.addParamGroup(List.of(param("late"))))) {
            var e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        callers.assertUnchanged();
    }

    // ---- the low-level entry point

    /** Buffers for AdamUpdate, native (aligned) or over arrays, with non-trivial state. */
    private final class Buffers {
        final MemorySegment param, grad, expAvg, expAvgSq, max;

        Buffers() {
            param = native_(1);
            grad = native_(1);
            expAvg = native_(0.1);
            expAvgSq = square(native_(0.1));
            max = square(native_(0.2));
        }

        private MemorySegment native_(double scale) {
            MemorySegment s = arena.allocate(N * 4L, 64);
            TestData.fillGaussian(s, DType.FLOAT32, random, scale, false);
            return s;
        }

        private MemorySegment square(MemorySegment s) {
            for (int i = 0; i < N; i++) {
                float x = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, x * x);
            }
            return s;
        }

        Snapshot snapshot() {
            return new Snapshot().add("param", param).add("grad", grad).add("exp_avg", expAvg)
                    .add("exp_avg_sq", expAvgSq).add("max_exp_avg_sq", max);
        }
    }

    private static final AdamConfig AMSGRAD = AdamConfig.adamW().withAmsgrad(true);

    private static void update(MemorySegment param, MemorySegment grad, MemorySegment expAvg, MemorySegment expAvgSq,
                               MemorySegment max) {
        AdamUpdate.with(SCALAR).apply(AMSGRAD, 3, DType.FLOAT32, param, grad, expAvg, expAvgSq, max, 0, N);
    }

    private static <T extends Throwable> void assertRejected(Class<T> type, Snapshot unchanged, Executable call,
                                                             String... inMessage) {
        T e = assertThrows(type, call);
        for (String fragment : inMessage) {
            assertTrue(e.getMessage().contains(fragment), () -> "message lacks '" + fragment + "': " + e.getMessage());
        }
        unchanged.assertUnchanged();
    }

    @Test
    void adamUpdateRejectsABufferShorterThanTheRange() {
        Buffers b = new Buffers();
        MemorySegment shortSq = b.expAvgSq.asSlice(0, (N - 1) * 4L);
        assertRejected(IllegalArgumentException.class, b.snapshot(), () -> update(b.param, b.grad, b.expAvg, shortSq, b.max),
                "size mismatch", "exp_avg_sq", Integer.toString(N - 1));
        float[] p = new float[N], g = new float[N + 1], m = new float[N], v = new float[N];
        Snapshot arrays = new Snapshot().add("p", p).add("g", g).add("m", m).add("v", v);
        assertRejected(IllegalArgumentException.class, arrays,
                () -> AdamUpdate.with(SCALAR).apply(AdamConfig.adam(), 1, p, g, m, v, null, 0, N + 1), "size mismatch", "param");
    }

    @Test
    void adamUpdateRejectsAnInvalidRange() {
        Buffers b = new Buffers();
        assertRejected(IndexOutOfBoundsException.class, b.snapshot(),
                () -> AdamUpdate.with(SCALAR).apply(AMSGRAD, 1, DType.FLOAT32, b.param, b.grad, b.expAvg, b.expAvgSq, b.max, 5, 4), "[5, 4)");
        assertRejected(IndexOutOfBoundsException.class, b.snapshot(),
                () -> AdamUpdate.with(SCALAR).apply(AMSGRAD, 1, DType.FLOAT32, b.param, b.grad, b.expAvg, b.expAvgSq, b.max, -1, 4), "[-1, 4)");
    }

    @Test
    void adamUpdateRejectsTheSameArrayAsParamAndGrad() {
        float[] p = TestData.gaussianFloats(random, N, 1), m = new float[N], v = new float[N];
        Snapshot s = new Snapshot().add("p", p).add("m", m).add("v", v);
        assertRejected(IllegalArgumentException.class, s,
                () -> AdamUpdate.with(SCALAR).apply(AdamConfig.adam(), 1, p, p, m, v, null, 0, N), "param and grad", "overlap");
    }

    @Test
    void adamUpdateRejectsOverlappingStateBuffers() {
        Buffers b = new Buffers();
        MemorySegment wide = arena.allocate((N + 1) * 4L, 64);
        MemorySegment m = wide.asSlice(0, N * 4L), v = wide.asSlice(4, N * 4L);
        Snapshot s = b.snapshot().add("wide", wide);
        assertRejected(IllegalArgumentException.class, s, () -> update(b.param, b.grad, m, v, b.max),
                "exp_avg and exp_avg_sq", "overlap");
        assertRejected(IllegalArgumentException.class, s, () -> update(b.param, b.grad, b.expAvg, b.expAvgSq, b.expAvgSq),
                "exp_avg_sq and max_exp_avg_sq", "overlap");
        assertRejected(IllegalArgumentException.class, s, () -> update(b.param, b.grad, b.param, b.expAvgSq, b.max),
                "param and exp_avg", "overlap");
    }

    @Test
    void adamUpdateRejectsClosedMemory() {
        Buffers b = new Buffers();
        Arena gone = Arena.ofConfined();
        MemorySegment closed = gone.allocate(N * 4L, 64);
        gone.close();
        Snapshot s = b.snapshot();
        assertRejected(IllegalStateException.class, s, () -> update(closed, b.grad, b.expAvg, b.expAvgSq, b.max), "param", "closed");
        assertRejected(IllegalStateException.class, s, () -> update(b.param, closed, b.expAvg, b.expAvgSq, b.max), "grad", "closed");
        assertRejected(IllegalStateException.class, s, () -> update(b.param, b.grad, b.expAvg, b.expAvgSq, closed), "max_exp_avg_sq", "closed");
    }

    @Test
    void adamUpdateRejectsReadOnlyOutputsButAcceptsAReadOnlyGrad() {
        Buffers b = new Buffers();
        Snapshot s = b.snapshot();
        assertRejected(IllegalArgumentException.class, s,
                () -> update(b.param.asReadOnly(), b.grad, b.expAvg, b.expAvgSq, b.max), "param", "read-only");
        assertRejected(IllegalArgumentException.class, s,
                () -> update(b.param, b.grad, b.expAvg.asReadOnly(), b.expAvgSq, b.max), "exp_avg", "read-only");

        Buffers twin = new Buffers();
        for (var pair : List.of(List.of(b.param, twin.param), List.of(b.grad, twin.grad), List.of(b.expAvg, twin.expAvg),
                List.of(b.expAvgSq, twin.expAvgSq), List.of(b.max, twin.max))) {
            pair.get(1).copyFrom(pair.get(0));
        }
        update(b.param, b.grad.asReadOnly(), b.expAvg, b.expAvgSq, b.max);
        update(twin.param, twin.grad, twin.expAvg, twin.expAvgSq, twin.max);
        Bits.assertSameBits("param", twin.param, b.param, DType.FLOAT32);
        Bits.assertSameBits("max_exp_avg_sq", twin.max, b.max, DType.FLOAT32);
    }

    @Test
    void adamUpdateRejectsTheWrongElementType() {
        Buffers b = new Buffers();
        double[] doubles = new double[N];
        Snapshot s = b.snapshot().add("doubles", doubles);
        assertRejected(IllegalArgumentException.class, s,
                () -> update(b.param, b.grad, MemorySegment.ofArray(doubles), b.expAvgSq, b.max), "exp_avg", "double[]", "float32");
        assertRejected(IllegalArgumentException.class, s,
                () -> update(MemorySegment.ofArray(doubles), b.grad, b.expAvg, b.expAvgSq, b.max), "param", "double[]");
        MemorySegment misaligned = arena.allocate(N * 4L + 4, 64).asSlice(2, N * 4L);
        assertRejected(IllegalArgumentException.class, s,
                () -> update(b.param, misaligned, b.expAvg, b.expAvgSq, b.max), "grad", "aligned");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void adamUpdateRejectsAStepCountBelowOne(long step) {
        Buffers b = new Buffers();
        assertRejected(IllegalArgumentException.class, b.snapshot(),
                () -> AdamUpdate.with(SCALAR).apply(AMSGRAD, step, DType.FLOAT32, b.param, b.grad, b.expAvg, b.expAvgSq, b.max, 0, N),
                "step", Long.toString(step));
    }

    @Test
    void adamUpdateRequiresTheRunningMaxWithAmsgrad() {
        Buffers b = new Buffers();
        assertRejected(NullPointerException.class, b.snapshot(), () -> update(b.param, b.grad, b.expAvg, b.expAvgSq, null),
                "max_exp_avg_sq", "amsgrad");
    }
}
