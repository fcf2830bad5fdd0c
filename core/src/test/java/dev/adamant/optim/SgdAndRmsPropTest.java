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
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SGD and RMSprop through the optimizer API: torch's defaults, which state slots exist when, the
 * first momentum step, hyperparameter validation with the value in the message, and that a step
 * rejected for bad input modifies nothing.
 */
class SgdAndRmsPropTest {
    private static final Backend SCALAR = Backends.scalar(Numerics.EXACT);
    private static final int N = 23;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(17);

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
    }

    private <T extends AutoCloseable> T own(T t) {
        toClose.add(t);
        return t;
    }

    private Parameter param(String name) {
        Parameter p = Parameter.of(name, own(Tensor.ofFloats(TestData.gaussianFloats(random, N, 1))));
        p.setGrad(own(Tensor.ofFloats(TestData.gaussianFloats(random, N, 1))));
        return p;
    }

    // ---- defaults

    @Test
    void defaultsAreTorchs() {
        SgdConfig sgd = SgdConfig.sgd();
        assertEquals(new SgdConfig(1e-3, 0, 0, 0, false, false), sgd, "torch requires lr; the engine's default is 1e-3");
        RmsPropConfig rms = RmsPropConfig.rmsprop();
        assertEquals(new RmsPropConfig(1e-2, 0.99, 1e-8, 0, 0, false, false), rms);
    }

    // ---- SGD state

    @Test
    void sgdWithoutMomentumKeepsNoState() {
        Sgd sgd = own(new Sgd(SgdConfig.sgd().withLr(0.1), SCALAR));
        Parameter p = param("p");
        sgd.addParamGroup(List.of(p));
        sgd.step();
        SgdState s = sgd.state(p).orElseThrow();
        assertTrue(s.tensors().isEmpty(), s.tensors().keysView().toString());
        assertNull(s.momentumBuffer());
        assertEquals(1, s.step());
    }

    @Test
    void sgdMomentumBufferStartsAsACopyOfTheGradientAndIsDampenedAfterwards() {
        SgdConfig c = SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withDampening(0.5).withWeightDecay(0.01);
        Sgd sgd = own(new Sgd(c, SCALAR));
        Parameter p = param("p");
        sgd.addParamGroup(List.of(p));
        float[] p0 = p.data().toFloatArray(), g = p.grad().toFloatArray();
        sgd.step();
        float[] buf = new float[N], expectedP = new float[N];
        for (int i = 0; i < N; i++) {
            buf[i] = Math.fma(p0[i], 0.01f, g[i]); // d with the L2 term; copied undampened
            expectedP[i] = Math.fma(buf[i], -0.1f, p0[i]);
        }
        SgdState s = sgd.state(p).orElseThrow();
        assertEquals(Set.of("momentum_buffer"), s.tensors().keysView().toSet());
        Bits.assertSameBits("momentum_buffer after step 1", buf, s.momentumBuffer().toFloatArray());
        Bits.assertSameBits("param after step 1", expectedP, p.data().toFloatArray());

        float[] p1 = p.data().toFloatArray();
        sgd.step();
        for (int i = 0; i < N; i++) {
            float d = Math.fma(p1[i], 0.01f, g[i]);
            buf[i] = Math.fma(d, 0.5f, buf[i] * 0.9f);
            expectedP[i] = Math.fma(buf[i], -0.1f, p1[i]);
        }
        Bits.assertSameBits("momentum_buffer after step 2", buf, s.momentumBuffer().toFloatArray());
        Bits.assertSameBits("param after step 2", expectedP, p.data().toFloatArray());
    }

    @Test
    void sgdMomentumSwitchedOnLaterStartsWithTheCopy() {
        Sgd sgd = own(new Sgd(SgdConfig.sgd().withLr(0.1), SCALAR));
        Parameter p = param("p");
        ParamGroup<SgdConfig> group = sgd.addParamGroup(List.of(p));
        sgd.step();
        group.update(c -> c.withMomentum(0.9).withDampening(0.3));
        sgd.step(); // torch: buffer is None, so it is the gradient itself
        Bits.assertSameBits("momentum_buffer", p.grad().toFloatArray(), sgd.state(p).orElseThrow().momentumBuffer().toFloatArray());
        sgd.step(); // now dampened
        float[] g = p.grad().toFloatArray(), buf = sgd.state(p).orElseThrow().momentumBuffer().toFloatArray();
        assertEquals(Math.fma(g[0], 0.7f, g[0] * 0.9f), buf[0]);
    }

    @Test
    void sgdRunsOnFloat64() {
        Sgd sgd = own(new Sgd(SgdConfig.sgd().withLr(0.5).withMomentum(0.9).withNesterov(true), SCALAR));
        Parameter p = Parameter.of("p", own(Tensor.ofDoubles(1.0, -2.0)));
        p.setGrad(own(Tensor.ofDoubles(0.25, 0.5)));
        sgd.addParamGroup(List.of(p));
        sgd.step();
        // buf = g; d = fma(buf, 0.9, g); p = fma(d, -0.5, p)
        assertEquals(Math.fma(Math.fma(0.25, 0.9, 0.25), -0.5, 1.0), p.data().getDouble(0));
        assertEquals(0.5, sgd.state(p).orElseThrow().momentumBuffer().getDouble(1));
    }

    // ---- RMSprop state

    @Test
    void rmspropSlotsFollowTheConfig() {
        RmsProp plain = own(new RmsProp(RmsPropConfig.rmsprop(), SCALAR));
        Parameter a = param("a");
        plain.addParamGroup(List.of(a));
        plain.step();
        assertEquals(Set.of("square_avg"), plain.state(a).orElseThrow().tensors().keysView().toSet());

        RmsProp all = own(new RmsProp(RmsPropConfig.rmsprop().withMomentum(0.5).withCentered(true), SCALAR));
        Parameter b = param("b");
        all.addParamGroup(List.of(b));
        all.step();
        RmsPropState s = all.state(b).orElseThrow();
        assertEquals(Set.of("square_avg", "momentum_buffer", "grad_avg"), s.tensors().keysView().toSet());
        float g = b.grad().getFloat(0);
        float sq = Math.fma(0.01f * g, g, 0f), ga = Math.fma(g, 0.01f, 0f);
        assertEquals(sq, s.squareAvg().getFloat(0));
        assertEquals(ga, s.gradAvg().getFloat(0));
        float avg = (float) Math.sqrt(Math.fma(-ga, ga, sq)) + 1e-8f;
        assertEquals(0f * 0.5f + g / avg, s.momentumBuffer().getFloat(0));
    }

    // ---- validation

    @ParameterizedTest
    @ValueSource(doubles = {-1e-3, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void sgdRejectsInvalidLrMomentumAndWeightDecay(double bad) {
        SgdConfig d = SgdConfig.sgd();
        rejected(() -> d.withLr(bad), "Invalid learning rate", bad);
        rejected(() -> d.withMomentum(bad), "Invalid momentum value", bad);
        rejected(() -> d.withWeightDecay(bad), "Invalid weight_decay value", bad);
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void sgdRejectsNonFiniteDampening(double bad) {
        rejected(() -> SgdConfig.sgd().withDampening(bad), "Invalid dampening value", bad);
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.5, 0, 0.5, 1, 2})
    void sgdAcceptsAnyFiniteDampeningAsTorchDoes(double dampening) {
        assertDoesNotThrow(() -> new Sgd(SgdConfig.sgd().withMomentum(0.9).withDampening(dampening), SCALAR).close());
    }

    @Test
    void nesterovNeedsMomentumAndZeroDampening() {
        SgdConfig nesterov = SgdConfig.sgd().withNesterov(true);
        var noMomentum = assertThrows(IllegalArgumentException.class, () -> new Sgd(nesterov, SCALAR));
        assertTrue(noMomentum.getMessage().contains("Nesterov momentum requires a momentum and zero dampening"), noMomentum.getMessage());
        assertTrue(noMomentum.getMessage().contains("momentum: 0.0"), noMomentum.getMessage());
        var damped = assertThrows(IllegalArgumentException.class,
                () -> new Sgd(nesterov.withMomentum(0.9).withDampening(0.1), SCALAR));
        assertTrue(damped.getMessage().contains("momentum: 0.9") && damped.getMessage().contains("dampening: 0.1"), damped.getMessage());
        // withers may be applied in any order: the rule is checked when a config is installed
        assertDoesNotThrow(() -> new Sgd(nesterov.withMomentum(0.9), SCALAR).close());
    }

    @Test
    void aNesterovGroupChangeIsRejectedAndTheOldConfigKept() {
        Sgd sgd = own(new Sgd(SgdConfig.sgd().withMomentum(0.9).withNesterov(true), SCALAR));
        Parameter p = param("p");
        ParamGroup<SgdConfig> group = sgd.addParamGroup(List.of(p));
        sgd.step();
        SgdConfig before = group.config();
        Snapshot s = new Snapshot().add("p", p.data()).addAll("state", sgd.state(p).orElseThrow().tensors().castToMap());
        var e = assertThrows(IllegalArgumentException.class, () -> group.update(c -> c.withMomentum(0)));
        assertTrue(e.getMessage().contains("momentum: 0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> group.update(c -> c.withDampening(0.5)));
        assertThrows(IllegalArgumentException.class,
                () -> sgd.addParamGroup(List.of(param("q")), c -> c.withDampening(0.5)));
        assertSame(before, group.config());
        assertEquals(1, sgd.parameters().size());
        s.assertUnchanged();
    }

    @ParameterizedTest
    @ValueSource(doubles = {-1e-3, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void rmspropRejectsEveryInvalidNumber(double bad) {
        RmsPropConfig d = RmsPropConfig.rmsprop();
        rejected(() -> d.withLr(bad), "Invalid learning rate", bad);
        rejected(() -> d.withEps(bad), "Invalid epsilon value", bad);
        rejected(() -> d.withMomentum(bad), "Invalid momentum value", bad);
        rejected(() -> d.withWeightDecay(bad), "Invalid weight_decay value", bad);
        rejected(() -> d.withAlpha(bad), "Invalid alpha value", bad);
    }

    @Test
    void anInvalidLrFromASchedulerIsRejectedAndTheOldConfigKept() {
        RmsProp rms = own(new RmsProp(RmsPropConfig.rmsprop(), SCALAR));
        ParamGroup<RmsPropConfig> group = rms.addParamGroup(List.of(param("p")));
        var e = assertThrows(IllegalArgumentException.class, () -> group.setLr(-0.5));
        assertTrue(e.getMessage().contains("-0.5"), e.getMessage());
        assertEquals(1e-2, group.lr());
    }

    private static void rejected(Supplier<?> make, String what, double bad) {
        var e = assertThrows(IllegalArgumentException.class, make::get);
        assertTrue(e.getMessage().contains(what) && e.getMessage().contains(Double.toString(bad)), e.getMessage());
    }

    // ---- a step rejected at step time writes nothing

    @Test
    void aRejectedStepModifiesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            List<Optimizer<?, ?>> optimizers = List.of(
                    own(new Sgd(SgdConfig.sgd().withMomentum(0.9).withNesterov(true).withWeightDecay(0.1), SCALAR)),
                    own(new RmsProp(RmsPropConfig.rmsprop().withMomentum(0.9).withCentered(true), SCALAR)));
            for (Optimizer<?, ?> opt : optimizers) {
                Parameter first = param("first");
                opt.addParamGroup(List.of(first));
                opt.step();
                MemorySegment both = arena.allocate((N + 5) * 4L, 64);
                TestData.fillGaussian(both, DType.FLOAT32, random, 1, false);
                Parameter second = Parameter.of("second", Tensor.wrap(both.asSlice(0, N * 4L), DType.FLOAT32));
                second.setGrad(Tensor.wrap(both.asSlice(5 * 4L, N * 4L), DType.FLOAT32));
                opt.addParamGroup(List.of(second));
                Snapshot s = new Snapshot().add("first", first.data()).add("first grad", first.grad()).add("both", both)
                        .addAll("first state", opt.state(first).orElseThrow().tensors().castToMap());
                assertRejected(opt::step, s, "'second' data", "'second' grad", "overlap");
                assertEquals(1, opt.state(first).orElseThrow().step(), "the first parameter's step count");
                assertTrue(opt.state(second).isEmpty(), "no state was created for the rejected parameter");
            }
        }
    }

    private static void assertRejected(Executable call, Snapshot unchanged, String... inMessage) {
        var e = assertThrows(IllegalArgumentException.class, call);
        for (String fragment : inMessage) {
            assertTrue(e.getMessage().contains(fragment), () -> "message lacks '" + fragment + "': " + e.getMessage());
        }
        unchanged.assertUnchanged();
    }
}
