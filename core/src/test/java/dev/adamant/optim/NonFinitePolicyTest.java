package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.Snapshot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.adamant.testing.TestData.gaussianDoubles;
import static dev.adamant.testing.TestData.gaussianFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NonFinitePolicy}: SKIP_STEP and RAISE modify nothing; PROPAGATE is torch's behaviour. */
class NonFinitePolicyTest {

    static Stream<Arguments> optimizers() {
        Function<Backend, Optimizer<?, ?>> adam = b -> new Adam(AdamConfig.adam().withLr(0.01).withAmsgrad(true), b);
        Function<Backend, Optimizer<?, ?>> sgd = b -> new Sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9), b);
        Function<Backend, Optimizer<?, ?>> lamb = b -> new Lamb(LambConfig.defaults(), b);
        return Stream.of(Arguments.of("adam", adam), Arguments.of("sgd-momentum", sgd), Arguments.of("lamb", lamb));
    }

    static Stream<Arguments> cases() {
        return optimizers().flatMap(a -> Stream.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)
                .flatMap(bad -> Stream.of(DType.FLOAT32, DType.FLOAT64)
                        .map(dtype -> Arguments.of(a.get()[0], a.get()[1], bad, dtype))));
    }

    /** Three parameters; two normal steps so every state slot exists, then the gradient of #1 gets {@code bad} at 17. */
    private record Setup(Optimizer<?, ?> opt, Parameter[] params, Tensor[] grads) implements AutoCloseable {
        static Setup of(Function<Backend, Optimizer<?, ?>> factory, DType dtype, NonFinitePolicy policy) {
            SplittableRandom r = new SplittableRandom(11);
            int[] sizes = {33, 40, 5};
            Parameter[] ps = new Parameter[3];
            Tensor[] gs = new Tensor[3];
            Optimizer<?, ?> opt = factory.apply(Backends.scalar(Numerics.EXACT));
            for (int i = 0; i < 3; i++) {
                Tensor w = dtype == DType.FLOAT32 ? Tensor.ofFloats(gaussianFloats(r, sizes[i], 1)) : Tensor.ofDoubles(gaussianDoubles(r, sizes[i], 1));
                gs[i] = dtype == DType.FLOAT32 ? Tensor.ofFloats(gaussianFloats(r, sizes[i], 1)) : Tensor.ofDoubles(gaussianDoubles(r, sizes[i], 1));
                ps[i] = Parameter.of(i == 1 ? "bias" : "", w);
                ps[i].setGrad(gs[i]);
            }
            opt.addParamGroup(List.of(ps[0], ps[1]));
            opt.addParamGroup(List.of(ps[2]));
            if (policy != null) {
                opt.setNonFinitePolicy(policy);
            }
            opt.step();
            opt.step();
            return new Setup(opt, ps, gs);
        }

        void poison(double bad) {
            Tensor g = grads[1];
            if (g.dtype() == DType.FLOAT32) {
                g.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 17, (float) bad);
                g.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 30, (float) bad);
            } else {
                g.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, 17, bad);
                g.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, 30, bad);
            }
        }

        Snapshot snapshot() {
            Snapshot s = new Snapshot();
            for (int i = 0; i < params.length; i++) {
                s.add("param " + i, params[i].data());
                s.add("grad " + i, grads[i]);
                s.addAll("state " + i, opt.state(params[i]).orElseThrow().tensors().castToMap());
            }
            return s;
        }

        long[] steps() {
            long[] steps = new long[params.length + 1];
            for (int i = 0; i < params.length; i++) steps[i] = opt.state(params[i]).orElseThrow().step();
            steps[params.length] = opt.stepCount();
            return steps;
        }

        @Override
        public void close() {
            opt.close();
            for (int i = 0; i < params.length; i++) {
                params[i].data().close();
                grads[i].close();
            }
        }
    }

    @ParameterizedTest(name = "{0} {2} {3}")
    @MethodSource("cases")
    void skipStepLeavesEverythingBitwiseUnchanged(String name, Function<Backend, Optimizer<?, ?>> factory, float bad, DType dtype) {
        try (Setup s = Setup.of(factory, dtype, NonFinitePolicy.SKIP_STEP)) {
            assertFalse(s.opt.lastStepSkipped());
            s.poison(bad);
            Snapshot before = s.snapshot();
            long[] steps = s.steps();
            assertTrue(before.size() > 6, "state slots are covered");
            s.opt.clipGradNorm(0.5, 2);
            s.opt.step();
            assertTrue(s.opt.lastStepSkipped());
            before.assertUnchanged();
            assertArrayEquals(steps, s.steps(), "step counts");
            assertEquals(1, s.opt.pendingGradScale(), "a skipped step consumes the clip coefficient");
            // a good step runs again afterwards
            s.poison(0.25);
            s.opt.step();
            assertFalse(s.opt.lastStepSkipped());
            assertEquals(steps[3] + 1, s.opt.stepCount());
        }
    }

    @ParameterizedTest(name = "{0} {2} {3}")
    @MethodSource("cases")
    void raiseNamesTensorAndFirstIndexAndModifiesNothing(String name, Function<Backend, Optimizer<?, ?>> factory, float bad, DType dtype) {
        try (Setup s = Setup.of(factory, dtype, NonFinitePolicy.RAISE)) {
            s.poison(bad);
            Snapshot before = s.snapshot();
            long[] steps = s.steps();
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, s.opt::step);
            assertTrue(e.getMessage().contains("parameter #1 'bias'"), e.getMessage());
            assertTrue(e.getMessage().contains("element 17 "), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf((double) bad)), e.getMessage());
            assertEquals(17, e.index());
            assertEquals("parameter #1 'bias'", e.tensor());
            before.assertUnchanged();
            assertArrayEquals(steps, s.steps());
        }
    }

    /** PROPAGATE (the default) runs the step into NaN exactly as an optimizer that never heard of policies. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void propagateIsTheDefaultAndUnchanged(String name, Function<Backend, Optimizer<?, ?>> factory) {
        try (Setup explicit = Setup.of(factory, DType.FLOAT32, NonFinitePolicy.PROPAGATE);
             Setup dflt = Setup.of(factory, DType.FLOAT32, null)) {
            assertEquals(NonFinitePolicy.PROPAGATE, dflt.opt.nonFinitePolicy());
            explicit.poison(Float.NaN);
            dflt.poison(Float.NaN);
            long count = explicit.opt.stepCount();
            explicit.opt.step();
            dflt.opt.step();
            assertFalse(explicit.opt.lastStepSkipped());
            assertEquals(count + 1, explicit.opt.stepCount());
            assertTrue(Float.isNaN(explicit.params[1].data().getFloat(17)), "NaN propagated");
            for (int i = 0; i < 3; i++) {
                Bits.assertSameBits("param " + i, dflt.params[i].data(), explicit.params[i].data());
            }
        }
    }

    @Test
    void nullPolicyIsRejected() {
        try (Sgd sgd = new Sgd()) {
            assertThrows(NullPointerException.class, () -> sgd.setNonFinitePolicy(null));
            assertNotEquals(null, sgd.nonFinitePolicy());
        }
    }
}
