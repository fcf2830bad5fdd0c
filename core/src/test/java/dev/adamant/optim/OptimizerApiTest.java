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
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptimizerApiTest {
    private static final Backend SCALAR = Backends.scalar(Numerics.EXACT);
    private static final int N = 37;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(11);

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) c.close();
    }

    private <T extends AutoCloseable> T track(T t) {
        toClose.add(t);
        return t;
    }

    private Parameter param(String name) {
        Parameter p = Parameter.of(name, track(Tensor.ofFloats(TestData.gaussianFloats(random, N, 1))));
        p.setGrad(track(Tensor.ofFloats(TestData.gaussianFloats(random, N, 1))));
        return p;
    }

    /** The same parameter as arrays, advanced with the low-level entry point: the expected result. */
    private static final class Expected {
        final float[] p, m = new float[N], v = new float[N], vmax = new float[N];
        long step;

        Expected(Parameter param) {
            p = param.data().toFloatArray();
        }

        void step(AdamConfig config, Tensor grad) {
            AdamUpdate.with(SCALAR).apply(config, ++step, p, grad.toFloatArray(), m, v, config.amsgrad() ? vmax : null, 0, N);
        }

        void assertMatches(String what, Parameter param, AdamState s) {
            assertEquals(step, s.step(), what + " step count");
            Bits.assertSameBits(what + " param", p, param.data().toFloatArray());
            Bits.assertSameBits(what + " exp_avg", m, s.expAvg().toFloatArray());
            Bits.assertSameBits(what + " exp_avg_sq", v, s.expAvgSq().toFloatArray());
            if (s.maxExpAvgSq() != null) {
                Bits.assertSameBits(what + " max_exp_avg_sq", vmax, s.maxExpAvgSq().toFloatArray());
            }
        }
    }

    @Test
    void groupsInheritTheDefaultsAndOverrideThem() {
        AdamConfig defaults = AdamConfig.adam().withLr(0.01);
        Adam adam = track(new Adam(defaults, SCALAR));
        Parameter a = param("a"), b = param("b");
        ParamGroup<AdamConfig> inherited = adam.addParamGroup(List.of(a));
        ParamGroup<AdamConfig> overridden = adam.addParamGroup(List.of(b), c -> c.withLr(0.1).withBetas(0.8, 0.99)
                .withEps(1e-6).withWeightDecay(0.2).withAmsgrad(true).withMaximize(true));
        assertEquals(defaults, inherited.config());
        AdamConfig expected = new AdamConfig(0.1, 0.8, 0.99, 1e-6, 0.2, true, true, false);
        assertEquals(expected, overridden.config());
        assertEquals(List.of(a, b), adam.parameters().toList());

        // and the overrides are what the step uses
        Expected ea = new Expected(a), eb = new Expected(b);
        for (int t = 0; t < 3; t++) {
            adam.step();
            ea.step(defaults, a.grad());
            eb.step(expected, b.grad());
        }
        ea.assertMatches("a", a, adam.state(a).orElseThrow());
        eb.assertMatches("b", b, adam.state(b).orElseThrow());
    }

    @Test
    void setLrBetweenStepsTakesEffectAtTheNextStep() {
        AdamW adamw = track(new AdamW(AdamConfig.adamW(), SCALAR));
        Parameter p = param("w");
        ParamGroup<AdamConfig> group = adamw.addParamGroup(List.of(p));
        Expected expected = new Expected(p), unchanged = new Expected(p);
        adamw.step();
        expected.step(AdamConfig.adamW(), p.grad());
        unchanged.step(AdamConfig.adamW(), p.grad());

        group.setLr(0.05);
        assertEquals(0.05, group.lr());
        adamw.step();
        expected.step(AdamConfig.adamW().withLr(0.05), p.grad());
        unchanged.step(AdamConfig.adamW(), p.grad());

        expected.assertMatches("after setLr", p, adamw.state(p).orElseThrow());
        assertTrue(Bits.firstDifference(java.lang.foreign.MemorySegment.ofArray(unchanged.p), p.data().segment(),
                DType.FLOAT32) >= 0, "the new lr must change the result");
    }

    @Test
    void aParameterWithoutGradIsSkippedAndItsStepCountDoesNotAdvance() {
        Adam adam = track(new Adam(AdamConfig.adam().withWeightDecay(0.1), SCALAR));
        Parameter a = param("a"), b = param("b");
        Tensor bGrad = b.grad();
        b.setGrad(null);
        adam.addParamGroup(List.of(a, b));
        Expected ea = new Expected(a), eb = new Expected(b);
        Snapshot bData = new Snapshot().add("b", b.data());

        adam.step();
        ea.step(adam.defaults(), a.grad());
        bData.assertUnchanged();
        assertTrue(adam.state(b).isEmpty(), "no state for a parameter that never had a grad");
        assertEquals(1, adam.state(a).orElseThrow().step());

        b.setGrad(bGrad);
        adam.step();
        ea.step(adam.defaults(), a.grad());
        eb.step(adam.defaults(), b.grad()); // b's first step: bias correction with t = 1
        ea.assertMatches("a", a, adam.state(a).orElseThrow());
        eb.assertMatches("b", b, adam.state(b).orElseThrow());

        b.setGrad(null);
        Snapshot bAll = new Snapshot().add("b", b.data()).addAll("b state", adam.state(b).orElseThrow().tensors().castToMap());
        adam.step();
        ea.step(adam.defaults(), a.grad());
        bAll.assertUnchanged();
        assertEquals(1, adam.state(b).orElseThrow().step());
        assertEquals(3, adam.state(a).orElseThrow().step());
        ea.assertMatches("a", a, adam.state(a).orElseThrow());
    }

    @Test
    void aParameterWithoutGradIsSkippedEvenWhenItsMemoryIsClosed() {
        Adam adam = track(new Adam(AdamConfig.adam(), SCALAR));
        Parameter a = param("a");
        Parameter gone = Parameter.of("gone", Tensor.ofFloats(1f, 2f));
        adam.addParamGroup(List.of(a, gone));
        Expected ea = new Expected(a);
        gone.data().close();

        adam.step();
        ea.step(adam.defaults(), a.grad());
        ea.assertMatches("a", a, adam.state(a).orElseThrow());
        assertTrue(adam.state(gone).isEmpty());
    }

    @Test
    void anEmptyParameterStepsAndCountsItsSteps() {
        Adam adam = track(new Adam(AdamConfig.adam().withAmsgrad(true), SCALAR));
        Parameter empty = Parameter.of("empty", track(Tensor.allocate(DType.FLOAT64, 0)));
        empty.setGrad(track(Tensor.allocate(DType.FLOAT64, 0)));
        Parameter a = param("a");
        adam.addParamGroup(List.of(empty, a));
        adam.step();
        adam.step();
        assertEquals(2, adam.state(empty).orElseThrow().step());
        assertEquals(0, adam.state(empty).orElseThrow().expAvg().size());
        assertEquals(2, adam.state(a).orElseThrow().step());
    }

    @Test
    void zeroGradZeroesInPlaceAndZeroGradTrueDropsTheGrads() {
        Adam adam = track(new Adam(AdamConfig.adam(), SCALAR));
        Parameter a = param("a"), b = param("b");
        b.setGrad(null);
        adam.addParamGroup(List.of(a, b));
        Tensor grad = a.grad();
        adam.zeroGrad();
        assertSame(grad, a.grad(), "zeroGrad() keeps the tensor");
        Bits.assertSameBits("grad", new float[N], grad.toFloatArray());
        assertNull(b.grad());

        grad.copyFrom(TestData.gaussianFloats(random, N, 1));
        adam.zeroGrad(true);
        assertNull(a.grad());
        assertTrue(grad.isAlive(), "the dropped grad belongs to the caller");
        assertFalse(grad.toFloatArray()[0] == 0 && grad.toFloatArray()[1] == 0, "zeroGrad(true) does not write");
        Snapshot data = new Snapshot().add("a", a.data()).add("b", b.data());
        adam.step();
        data.assertUnchanged();
        assertTrue(adam.state(a).isEmpty());
    }

    @Test
    void stateIsEmptyBeforeTheFirstStepAndHoldsTorchsNamesAfter() {
        Adam plain = track(new Adam(AdamConfig.adam(), SCALAR));
        Adam ams = track(new Adam(AdamConfig.adam().withAmsgrad(true), SCALAR));
        Parameter p = param("p"), q = param("q");
        plain.addParamGroup(List.of(p));
        ams.addParamGroup(List.of(q));
        assertTrue(plain.state(p).isEmpty());
        assertTrue(ams.state(q).isEmpty());
        Expected ep = new Expected(p), eq = new Expected(q);
        plain.step();
        ams.step();
        ep.step(plain.defaults(), p.grad());
        eq.step(ams.defaults(), q.grad());

        AdamState sp = plain.state(p).orElseThrow(), sq = ams.state(q).orElseThrow();
        assertEquals(Set.of("exp_avg", "exp_avg_sq"), sp.tensors().castToMap().keySet());
        assertNull(sp.maxExpAvgSq());
        assertEquals(Set.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), sq.tensors().castToMap().keySet());
        Map<String, Tensor> t = sq.tensors().castToMap();
        assertSame(sq.expAvg(), t.get("exp_avg"));
        assertSame(sq.maxExpAvgSq(), t.get("max_exp_avg_sq"));
        assertEquals(DType.FLOAT32, sq.expAvg().dtype());
        assertEquals(N, sq.expAvgSq().size());
        ep.assertMatches("plain", p, sp);
        eq.assertMatches("amsgrad", q, sq);

        Parameter stranger = param("stranger");
        var e = assertThrows(IllegalArgumentException.class, () -> plain.state(stranger));
        assertTrue(e.getMessage().contains("stranger"), e.getMessage());
    }

    @Test
    void adamWRejectsAGroupThatTurnsDecoupledWeightDecayOff() {
        assertThrows(IllegalArgumentException.class, () -> new AdamW(AdamConfig.adam(), SCALAR));
        AdamW adamw = track(new AdamW(AdamConfig.adamW(), SCALAR));
        Parameter a = param("a");
        ParamGroup<AdamConfig> group = adamw.addParamGroup(List.of(a));
        var e = assertThrows(IllegalArgumentException.class,
                () -> adamw.addParamGroup(List.of(param("b")), c -> c.withDecoupledWeightDecay(false)));
        assertTrue(e.getMessage().contains("decoupledWeightDecay"), e.getMessage());
        assertEquals(1, adamw.parameters().size(), "the rejected group registers nothing");
        assertEquals(1, adamw.paramGroups().size());

        AdamConfig before = group.config();
        assertThrows(IllegalArgumentException.class, () -> group.update(c -> c.withDecoupledWeightDecay(false)));
        assertSame(before, group.config(), "a rejected config leaves the old one in place");
        // and plain Adam refuses the other direction
        Adam adam = track(new Adam(AdamConfig.adam(), SCALAR));
        assertThrows(IllegalArgumentException.class,
                () -> adam.addParamGroup(List.of(param("c")), c -> c.withDecoupledWeightDecay(true)));
    }

    @Test
    void closeFreesTheStateAndLaterCallsThrow() {
        Adam adam = new Adam(AdamConfig.adam().withAmsgrad(true), SCALAR);
        Parameter p = param("p");
        adam.addParamGroup(List.of(p));
        adam.step();
        AdamState s = adam.state(p).orElseThrow();
        adam.close();
        assertFalse(s.expAvg().isAlive());
        assertFalse(s.expAvgSq().isAlive());
        assertFalse(s.maxExpAvgSq().isAlive());
        assertTrue(p.data().isAlive(), "parameters belong to the caller");
        assertTrue(p.grad().isAlive(), "grads belong to the caller");
        adam.close(); // idempotent

        for (Runnable call : List.<Runnable>of(adam::step, adam::zeroGrad, () -> adam.zeroGrad(true),
                () -> adam.state(p), () -> adam.addParamGroup(List.of(param("q"))))) {
            var e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        assertNotNull(p.grad(), "the rejected zeroGrad(true) dropped nothing");
    }

    /** Blocks inside the first update() until released, so a second call is deterministically concurrent. */
    private static final class BlockingAdam extends Adam {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        BlockingAdam() {
            super(AdamConfig.adam(), SCALAR);
        }

        @Override
        protected void runKernel(dev.adamant.kernel.AdamCoefficients c, KernelRun run, long from, long to,
                                 dev.adamant.kernel.StepStatsSink stats) {
            inside.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            super.runKernel(c, run, from, to, stats);
        }
    }

    @Test
    void stepFromTwoThreadsAtOnceIsRejected() throws Exception {
        BlockingAdam adam = track(new BlockingAdam());
        Parameter p = param("p");
        adam.addParamGroup(List.of(p));
        Expected expected = new Expected(p);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread first = new Thread(() -> {
            try {
                adam.step();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        first.start();
        assertTrue(adam.inside.await(30, TimeUnit.SECONDS));

        var e = assertThrows(ConcurrentModificationException.class, adam::step);
        assertTrue(e.getMessage().contains("two threads"), e.getMessage());
        assertThrows(ConcurrentModificationException.class, adam::zeroGrad);
        assertThrows(ConcurrentModificationException.class, adam::close);

        adam.release.countDown();
        first.join(30_000);
        assertNull(failure.get());
        // the rejected calls changed nothing: exactly one step happened, and the grad survived
        expected.step(adam.defaults(), p.grad());
        expected.assertMatches("after the concurrent attempt", p, adam.state(p).orElseThrow());
        adam.step(); // the guard was released
        assertEquals(2, adam.state(p).orElseThrow().step());
    }
}
