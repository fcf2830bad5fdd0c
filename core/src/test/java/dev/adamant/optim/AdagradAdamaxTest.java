package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.Snapshot;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adagrad and Adamax through the optimizer API: torch's defaults and state names, the first step
 * computed by hand from the golden README (including Adagrad's {@code initial_accumulator_value}
 * rounded to the element type), per-parameter step counts, and every invalid hyperparameter
 * rejected with its value in the message and nothing modified.
 */
class AdagradAdamaxTest {
    private static final Backend SCALAR = Backends.scalar(Numerics.EXACT);
    private static final int N = 23;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(23);

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) c.close();
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

    // ---- defaults

    @Test
    void defaultsAreTorchs() {
        assertEquals(new AdagradConfig(1e-2, 0, 0, 0, 1e-10, false), AdagradConfig.adagrad());
        assertEquals(new AdamaxConfig(2e-3, 0.9, 0.999, 1e-8, 0, false), AdamaxConfig.adamax());
        assertEquals(AdagradConfig.adagrad(), track(new Adagrad()).defaults());
        assertEquals(AdamaxConfig.adamax(), track(new Adamax()).defaults());
    }

    // ---- Adagrad

    @Test
    void adagradFirstStepsFromTheInitialAccumulatorRoundedToFloat() {
        AdagradConfig config = AdagradConfig.adagrad().withInitialAccumulatorValue(0.1).withLrDecay(0.5)
                .withWeightDecay(0.01).withLr(0.3);
        Adagrad adagrad = track(new Adagrad(config, SCALAR));
        Parameter p = param("w");
        adagrad.addParamGroup(List.of(p));
        float[] ep = p.data().toFloatArray(), esum = new float[N];
        java.util.Arrays.fill(esum, (float) 0.1);
        for (long t = 1; t <= 3; t++) {
            adagrad.step();
            float[] g = p.grad().toFloatArray();
            double clr = 0.3 / (1 + (t - 1) * 0.5);
            for (int i = 0; i < N; i++) {
                float gi = Math.fma(ep[i], (float) 0.01, g[i]);
                esum[i] = Math.fma(gi, gi, esum[i]);
                ep[i] = ep[i] + ((float) -clr * gi) / ((float) Math.sqrt(esum[i]) + (float) 1e-10);
            }
            AdagradState s = adagrad.state(p).orElseThrow();
            assertEquals(t, s.step());
            assertEquals(Set.of("sum"), s.tensors().keysView().toSet());
            Bits.assertSameBits("param after step " + t, ep, p.data().toFloatArray());
            Bits.assertSameBits("sum after step " + t, esum, s.sum().toFloatArray());
            p.grad().copyFrom(TestData.gaussianFloats(random, N, 1));
        }
    }

    @Test
    void adagradFloat64SumStartsAtTheUnroundedValue() {
        Adagrad adagrad = track(new Adagrad(AdagradConfig.adagrad().withInitialAccumulatorValue(0.1), SCALAR));
        Parameter p = Parameter.of("d", track(Tensor.ofDoubles(1.0)));
        p.setGrad(track(Tensor.ofDoubles(0.0)));
        adagrad.addParamGroup(List.of(p));
        adagrad.step();
        assertEquals(0.1, adagrad.state(p).orElseThrow().sum().getDouble(0), "fma(0, 0, 0.1)");
        assertEquals(1.0, p.data().getDouble(0));
    }

    @Test
    void adagradReadsTheInitialAccumulatorValueWhenSumIsCreatedAndNeverAgain() {
        Adagrad adagrad = track(new Adagrad(AdagradConfig.adagrad(), SCALAR));
        Parameter a = param("a"), b = param("b");
        Tensor bGrad = b.grad();
        b.setGrad(null);
        ParamGroup<AdagradConfig> group = adagrad.addParamGroup(List.of(a, b));
        // changed before the first step: torch would already have filled sum with 0 in its constructor
        group.update(c -> c.withInitialAccumulatorValue(2));
        a.grad().zero();
        adagrad.step();
        assertEquals(2f, adagrad.state(a).orElseThrow().sum().getFloat(0), "sum of a was created at this step");
        assertTrue(adagrad.state(b).isEmpty(), "b had no grad");
        // changed after a's sum exists: no effect on a; b's sum is created now, from the new value
        group.update(c -> c.withInitialAccumulatorValue(5));
        b.setGrad(bGrad);
        bGrad.zero();
        adagrad.step();
        assertEquals(2f, adagrad.state(a).orElseThrow().sum().getFloat(0));
        assertEquals(5f, adagrad.state(b).orElseThrow().sum().getFloat(0));
    }

    @Test
    void adagradLrDecayCountsEachParametersOwnSteps() {
        AdagradConfig config = AdagradConfig.adagrad().withLrDecay(0.5);
        Adagrad adagrad = track(new Adagrad(config, SCALAR));
        Parameter a = param("a"), b = param("b");
        Tensor bGrad = b.grad();
        b.setGrad(null);
        adagrad.addParamGroup(List.of(a, b));
        adagrad.step();
        b.setGrad(bGrad);
        float[] bExpected = b.data().toFloatArray(), sum = new float[N];
        dev.adamant.kernel.ScalarAdagradKernel.of(Numerics.EXACT).updateFloats(config.coefficients(1),
                java.lang.foreign.MemorySegment.ofArray(bExpected), bGrad.segment(),
                java.lang.foreign.MemorySegment.ofArray(sum), 0, N);
        adagrad.step();
        assertEquals(2, adagrad.state(a).orElseThrow().step());
        assertEquals(1, adagrad.state(b).orElseThrow().step());
        Bits.assertSameBits("b took its first step, with the undecayed lr", bExpected, b.data().toFloatArray());
    }

    // ---- Adamax

    @Test
    void adamaxStepsAsTheReadmeSays() {
        AdamaxConfig config = AdamaxConfig.adamax().withBetas(0.8, 0.5).withWeightDecay(0.1).withMaximize(true).withLr(0.05);
        Adamax adamax = track(new Adamax(config, SCALAR));
        Parameter p = param("w");
        adamax.addParamGroup(List.of(p));
        float[] ep = p.data().toFloatArray(), em = new float[N], eu = new float[N];
        for (long t = 1; t <= 3; t++) {
            adamax.step();
            float[] g = p.grad().toFloatArray();
            double clr = 0.05 / (1 - Math.pow(0.8, t));
            for (int i = 0; i < N; i++) {
                float gi = Math.fma(ep[i], (float) 0.1, -g[i]);
                em[i] = Math.fma(gi, (float) (1 - 0.8), em[i] * 0.8f);
                eu[i] = Math.max(eu[i] * 0.5f, Math.abs(gi) + (float) 1e-8);
                ep[i] = ep[i] + ((float) -clr * em[i]) / eu[i];
            }
            AdamaxState s = adamax.state(p).orElseThrow();
            assertEquals(t, s.step());
            assertEquals(Set.of("exp_avg", "exp_inf"), s.tensors().keysView().toSet());
            Bits.assertSameBits("param after step " + t, ep, p.data().toFloatArray());
            Bits.assertSameBits("exp_avg after step " + t, em, s.expAvg().toFloatArray());
            Bits.assertSameBits("exp_inf after step " + t, eu, s.expInf().toFloatArray());
            p.grad().copyFrom(TestData.gaussianFloats(random, N, 1));
        }
    }

    // ---- bad input

    @ParameterizedTest
    @ValueSource(doubles = {-1e-3, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void adagradRejectsEachInvalidHyperparameter(double bad) {
        Adagrad adagrad = track(new Adagrad(AdagradConfig.adagrad().withInitialAccumulatorValue(0.1), SCALAR));
        Parameter p = param("w");
        ParamGroup<AdagradConfig> group = adagrad.addParamGroup(List.of(p));
        adagrad.step();
        Supplier<Snapshot> snapshot = () -> new Snapshot().add("param", p.data()).add("grad", p.grad())
                .addAll("state", adagrad.state(p).orElseThrow().tensors().castToMap());
        reject(group, snapshot, c -> c.withLr(bad), "Invalid learning rate: " + bad, AdagradConfig.adagrad(), Adagrad::new);
        reject(group, snapshot, c -> c.withLrDecay(bad), "Invalid lr_decay value: " + bad, AdagradConfig.adagrad(), Adagrad::new);
        reject(group, snapshot, c -> c.withWeightDecay(bad), "Invalid weight_decay value: " + bad, AdagradConfig.adagrad(), Adagrad::new);
        reject(group, snapshot, c -> c.withInitialAccumulatorValue(bad), "Invalid initial_accumulator_value value: " + bad,
                AdagradConfig.adagrad(), Adagrad::new);
        reject(group, snapshot, c -> c.withEps(bad), "Invalid epsilon value: " + bad, AdagradConfig.adagrad(), Adagrad::new);
        assertEquals(1, adagrad.state(p).orElseThrow().step());
    }

    @ParameterizedTest
    @ValueSource(doubles = {-1e-3, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void adamaxRejectsEachInvalidHyperparameter(double bad) {
        Adamax adamax = track(new Adamax(AdamaxConfig.adamax(), SCALAR));
        Parameter p = param("w");
        ParamGroup<AdamaxConfig> group = adamax.addParamGroup(List.of(p));
        adamax.step();
        Supplier<Snapshot> snapshot = () -> new Snapshot().add("param", p.data()).add("grad", p.grad())
                .addAll("state", adamax.state(p).orElseThrow().tensors().castToMap());
        reject(group, snapshot, c -> c.withLr(bad), "Invalid learning rate: " + bad, AdamaxConfig.adamax(), Adamax::new);
        reject(group, snapshot, c -> c.withEps(bad), "Invalid epsilon value: " + bad, AdamaxConfig.adamax(), Adamax::new);
        reject(group, snapshot, c -> c.withWeightDecay(bad), "Invalid weight_decay value: " + bad, AdamaxConfig.adamax(), Adamax::new);
        reject(group, snapshot, c -> c.withBetas(bad, 0.999), "Invalid beta parameter at index 0: " + bad,
                AdamaxConfig.adamax(), Adamax::new);
        reject(group, snapshot, c -> c.withBetas(0.9, bad), "Invalid beta parameter at index 1: " + bad,
                AdamaxConfig.adamax(), Adamax::new);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 1.5})
    void adamaxRejectsBetasOfOneOrMore(double bad) {
        assertThrows(IllegalArgumentException.class, () -> AdamaxConfig.adamax().withBetas(bad, 0.999));
        var e = assertThrows(IllegalArgumentException.class, () -> AdamaxConfig.adamax().withBetas(0.9, bad));
        assertTrue(e.getMessage().contains("index 1: " + bad), e.getMessage());
    }

    @Test
    void zeroIsValidWhereTorchAllowsIt() {
        // torch: 0 <= lr, lr_decay, weight_decay, initial_accumulator_value, eps; betas in [0, 1)
        new AdagradConfig(0, 0, 0, 0, 0, true);
        new AdamaxConfig(0, 0, 0, 0, 0, true);
    }

    private interface Factory<C> {
        Optimizer<?, ?> create(C defaults, Backend backend);
    }

    private <C extends OptimizerConfig<C>> void reject(ParamGroup<C> group, Supplier<Snapshot> snapshot, UnaryOperator<C> change,
                                                       String message, C defaults, Factory<C> factory) {
        Snapshot before = snapshot.get();
        C config = group.config();
        var e = assertThrows(IllegalArgumentException.class, () -> group.update(change));
        assertTrue(e.getMessage().contains(message), () -> "message lacks '" + message + "': " + e.getMessage());
        assertSame(config, group.config(), "the rejected config was not installed");
        before.assertUnchanged();
        var e2 = assertThrows(IllegalArgumentException.class, () -> factory.create(change.apply(defaults), SCALAR));
        assertTrue(e2.getMessage().contains(message), e2.getMessage());
    }
}
