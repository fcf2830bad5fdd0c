package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.NAdamCoefficients;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarNAdamKernel;
import dev.adamant.kernel.ScalarRAdamKernel;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.Snapshot;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NAdam and RAdam through the optimizer API: every invalid hyperparameter is rejected with its
 * value in the message (and a rejected group change or step modifies nothing, {@code mu_product}
 * included), the optimizer equals the scalar kernel called by hand, {@code mu_product} is a float32
 * scalar state even for float64 parameters, and a parameter without grad keeps its state.
 */
class NAdamRAdamOptimizerTest {
    private static final Backend SCALAR = Backends.scalar(Numerics.EXACT);
    private static final int N = 19;

    // ---- hyperparameters

    @ParameterizedTest
    @ValueSource(doubles = {-1e-3, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void nadamRejectsInvalidLrEpsWeightDecayAndMomentumDecay(double bad) {
        NAdamConfig d = NAdamConfig.nadam();
        assertRejected(() -> d.withLr(bad), "learning rate", bad);
        assertRejected(() -> d.withEps(bad), "epsilon value", bad);
        assertRejected(() -> d.withWeightDecay(bad), "weight_decay value", bad);
        assertRejected(() -> d.withMomentumDecay(bad), "momentum_decay value", bad);
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.0, 1.5, Double.NaN, Double.POSITIVE_INFINITY, -Double.MIN_VALUE})
    void betasOutsideZeroToOneAreRejected(double bad) {
        assertRejected(() -> NAdamConfig.nadam().withBetas(bad, 0.999), "beta parameter at index 0", bad);
        assertRejected(() -> NAdamConfig.nadam().withBetas(0.9, bad), "beta parameter at index 1", bad);
        assertRejected(() -> RAdamConfig.radam().withBetas(bad, 0.999), "beta parameter at index 0", bad);
        assertRejected(() -> RAdamConfig.radam().withBetas(0.9, bad), "beta parameter at index 1", bad);
    }

    @ParameterizedTest
    @ValueSource(doubles = {-1e-3, -Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void radamRejectsInvalidLrEpsAndWeightDecay(double bad) {
        RAdamConfig d = RAdamConfig.radam();
        assertRejected(() -> d.withLr(bad), "learning rate", bad);
        assertRejected(() -> d.withEps(bad), "epsilon value", bad);
        assertRejected(() -> d.withWeightDecay(bad), "weight_decay value", bad);
    }

    @Test
    void stepsBelowOneAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> NAdamConfig.nadam().coefficients(0, 1f));
        assertThrows(IllegalArgumentException.class, () -> RAdamConfig.radam().coefficients(0));
    }

    @Test
    void torchDefaults() {
        assertEquals(new NAdamConfig(2e-3, 0.9, 0.999, 1e-8, 0, 4e-3), NAdamConfig.nadam());
        assertEquals(new RAdamConfig(1e-3, 0.9, 0.999, 1e-8, 0), RAdamConfig.radam());
    }

    @Test
    void aRejectedGroupChangeModifiesNothing() {
        SplittableRandom r = new SplittableRandom(1);
        try (Tensor data = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             Tensor grad = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             NAdam nadam = new NAdam(NAdamConfig.nadam(), SCALAR)) {
            Parameter p = Parameter.of("w", data);
            p.setGrad(grad);
            ParamGroup<NAdamConfig> group = nadam.addParamGroup(List.of(p));
            nadam.step();
            NAdamState s = nadam.state(p).orElseThrow();
            Snapshot before = new Snapshot().add("data", data).add("grad", grad).addAll("state", s.tensors().castToMap());
            float mp = s.muProduct();
            NAdamConfig config = group.config();
            var e = assertThrows(IllegalArgumentException.class, () -> group.update(c -> c.withMomentumDecay(-1)));
            assertTrue(e.getMessage().contains("-1.0"), e.getMessage());
            assertSame(config, group.config());
            before.assertUnchanged();
            assertEquals(mp, s.muProduct());
            assertEquals(1, s.step());
        }
    }

    @Test
    void aStepRejectedForABadGradModifiesNothingAndDoesNotAdvanceMuProduct() {
        SplittableRandom r = new SplittableRandom(2);
        try (Tensor a = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             Tensor ga = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             Tensor b = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             Tensor gb = Tensor.ofFloats(TestData.gaussianFloats(r, N - 1, 1));
             NAdam nadam = new NAdam(NAdamConfig.nadam(), SCALAR)) {
            Parameter first = Parameter.of("first", a), second = Parameter.of("second", b);
            first.setGrad(ga);
            nadam.addParamGroup(List.of(first, second));
            nadam.step();
            NAdamState s = nadam.state(first).orElseThrow();
            float mp = s.muProduct();
            Snapshot before = new Snapshot().add("a", a).add("b", b).add("ga", ga).addAll("first", s.tensors().castToMap());
            assertThrows(IllegalArgumentException.class, () -> second.setGrad(gb));
            second.setGrad(Tensor.ofFloats(TestData.gaussianFloats(r, N, 1)));
            second.grad().close();   // a closed grad is rejected at step time
            var e = assertThrows(IllegalStateException.class, nadam::step);
            assertTrue(e.getMessage().contains("second"), e.getMessage());
            before.assertUnchanged();
            assertEquals(Float.floatToRawIntBits(mp), Float.floatToRawIntBits(s.muProduct()));
            assertEquals(1, s.step());
            assertTrue(nadam.state(second).isEmpty());
        }
    }

    // ---- the optimizer runs the kernel

    @Test
    void nadamOnFloat64KeepsAFloat32MuProductAndEqualsTheKernelByHand() {
        SplittableRandom r = new SplittableRandom(3);
        double[] p0 = TestData.gaussianDoubles(r, N, 1);
        double[] p = p0.clone(), m = new double[N], v = new double[N];
        NAdamConfig config = NAdamConfig.nadam().withWeightDecay(0.01);
        try (Tensor data = Tensor.ofDoubles(p0); Tensor grad = Tensor.allocate(DType.FLOAT64, N);
             NAdam nadam = new NAdam(config, SCALAR)) {
            Parameter w = Parameter.of("w", data);
            w.setGrad(grad);
            nadam.addParamGroup(List.of(w));
            float mp = 1f;
            for (long t = 1; t <= 5; t++) {
                double[] g = TestData.gaussianDoubles(r, N, 1);
                grad.copyFrom(g);
                nadam.step();
                NAdamCoefficients c = config.coefficients(t, mp);
                mp = c.muProduct();
                ScalarNAdamKernel.of(Numerics.EXACT).updateDoubles(c, MemorySegment.ofArray(p), MemorySegment.ofArray(g),
                        MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, N);
                NAdamState s = nadam.state(w).orElseThrow();
                Bits.assertSameBits("param step " + t, p, data.toDoubleArray());
                Bits.assertSameBits("exp_avg step " + t, m, s.expAvg().toDoubleArray());
                Bits.assertSameBits("exp_avg_sq step " + t, v, s.expAvgSq().toDoubleArray());
                assertEquals(Float.floatToRawIntBits(mp), Float.floatToRawIntBits(s.muProduct()));
                double exposed = s.scalars().get("mu_product");
                assertEquals((double) (float) exposed, exposed, "mu_product is a float32 value");
                assertEquals((double) mp, exposed);
                assertEquals(t, s.step());
            }
        }
    }

    @Test
    void aParameterWithoutGradKeepsItsStateAndMuProduct() {
        SplittableRandom r = new SplittableRandom(4);
        try (Tensor a = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             Tensor b = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             Tensor ga = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             Tensor gb = Tensor.ofFloats(TestData.gaussianFloats(r, N, 1));
             NAdam nadam = new NAdam(NAdamConfig.nadam(), SCALAR)) {
            Parameter pa = Parameter.of("a", a), pb = Parameter.of("b", b);
            pa.setGrad(ga);
            pb.setGrad(gb);
            nadam.addParamGroup(List.of(pa, pb));
            nadam.step();
            pb.setGrad(null);
            float mpB = nadam.state(pb).orElseThrow().muProduct();
            Snapshot b1 = new Snapshot().add("b", b).addAll("b", nadam.state(pb).orElseThrow().tensors().castToMap());
            nadam.step();
            b1.assertUnchanged();
            assertEquals(mpB, nadam.state(pb).orElseThrow().muProduct());
            assertEquals(1, nadam.state(pb).orElseThrow().step());
            assertEquals(2, nadam.state(pa).orElseThrow().step());
            assertFalse(nadam.state(pa).orElseThrow().muProduct() == mpB, "a's mu_product advanced");
        }
    }

    @Test
    void radamOptimizerEqualsTheKernelByHandAcrossTheRectificationSwitch() {
        SplittableRandom r = new SplittableRandom(5);
        float[] p0 = TestData.gaussianFloats(r, N, 1);
        float[] p = p0.clone(), m = new float[N], v = new float[N];
        RAdamConfig config = RAdamConfig.radam().withWeightDecay(0.01).withLr(1e-2);
        try (Tensor data = Tensor.ofFloats(p0); Tensor grad = Tensor.allocate(DType.FLOAT32, N);
             RAdam radam = new RAdam(config, SCALAR)) {
            Parameter w = Parameter.of("w", data);
            w.setGrad(grad);
            radam.addParamGroup(List.of(w));
            for (long t = 1; t <= 8; t++) {
                float[] g = TestData.gaussianFloats(r, N, 1);
                grad.copyFrom(g);
                radam.step();
                ScalarRAdamKernel.of(Numerics.EXACT).updateFloats(config.coefficients(t), MemorySegment.ofArray(p),
                        MemorySegment.ofArray(g), MemorySegment.ofArray(m), MemorySegment.ofArray(v), 0, N);
                RAdamState s = radam.state(w).orElseThrow();
                Bits.assertSameBits("param step " + t, p, data.toFloatArray());
                Bits.assertSameBits("exp_avg step " + t, m, s.expAvg().toFloatArray());
                Bits.assertSameBits("exp_avg_sq step " + t, v, s.expAvgSq().toFloatArray());
                assertTrue(s.scalars().isEmpty());
            }
        }
    }

    private static void assertRejected(Supplier<?> make, String what, double bad) {
        var e = assertThrows(IllegalArgumentException.class, make::get);
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertTrue(e.getMessage().contains(Double.toString(bad)), e.getMessage());
    }
}
