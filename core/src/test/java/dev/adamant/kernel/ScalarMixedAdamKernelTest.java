package dev.adamant.kernel;

import dev.adamant.optim.AdamConfig;
import dev.adamant.precision.Bf16;
import dev.adamant.precision.BlockCode;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.RoundingNoise;
import dev.adamant.precision.StateFormat;
import dev.adamant.tensor.DType;
import dev.adamant.testing.Bits;
import dev.adamant.testing.MixedFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mixed-precision reference against an independent composition of already-tested parts: decode
 * every input with the conversions, run the float32 {@link ScalarAdamKernel} on the decoded values,
 * then round every output with the conversions (per block for 8-bit state). Every layout, both
 * numerics, sizes with a partial last block.
 */
class ScalarMixedAdamKernelTest {
    private static final long[] STEPS = {1, 2, 3, 1_000_000};
    private static final List<AdamCoefficientsAt> CONFIGS = List.of(
            t -> AdamConfig.adam().withWeightDecay(0.1).withMaximize(true).coefficients(t).withGradScale(0.37),
            t -> AdamConfig.adamW().withLr(0.01).coefficients(t),
            t -> AdamConfig.adamW().withLr(0.01).withAmsgrad(true).coefficients(t));

    @FunctionalInterface
    interface AdamCoefficientsAt {
        AdamCoefficients at(long step);
    }

    /** Every layout: each parameter format (with and without master copy), gradient and state; and stochastic rounding. */
    static List<MixedLayout> layouts() {
        List<MixedLayout> all = new ArrayList<>();
        for (FloatFormat param : FloatFormat.values()) {
            for (FloatFormat grad : FloatFormat.values()) {
                for (StateFormat state : StateFormat.values()) {
                    MixedLayout plain = MixedLayout.of(param, grad, state);
                    all.add(plain);
                    if (param != FloatFormat.FP32) all.add(plain.withMaster());
                    if (param == FloatFormat.BF16) all.add(plain.withStochasticRounding());
                }
            }
        }
        return all;
    }

    @Test
    void everyCombinationIsListed() {
        assertEquals(3 * 3 * 3 + 2 * 3 * 3 + 3 * 3, layouts().size());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Numerics.class)
    void allFloat32IsAdamKernelBitForBit(Numerics numerics) {
        List<AdamCoefficientsAt> configs = List.of(
                t -> AdamConfig.adam().coefficients(t),
                t -> AdamConfig.adam().withWeightDecay(0.1).withMaximize(true).coefficients(t),
                t -> AdamConfig.adamW().coefficients(t),
                t -> AdamConfig.adamW().withLr(0.1).withWeightDecay(0.5).withMaximize(true).coefficients(t),
                t -> AdamConfig.adam().withWeightDecay(0.1).coefficients(t).withGradScale(0.37),
                t -> AdamConfig.adamW().withAmsgrad(true).coefficients(t),
                t -> AdamConfig.adam().withAmsgrad(true).withMaximize(true).coefficients(t));
        int n = 1000;
        for (int k = 0; k < configs.size(); k++) {
            for (int[] range : new int[][] {{0, n}, {13, 997}}) {
                SplittableRandom random = new SplittableRandom(k);
                try (Arena arena = Arena.ofConfined()) {
                    MixedFixture mixed = MixedFixture.allocate(arena, MixedLayout.fp32(), n);
                    mixed.fillParam(random, k % 2 == 1);
                    mixed.fillState(random);
                    MixedFixture plain = mixed.copy(arena);
                    for (long t : STEPS) {
                        mixed.fillGrad(random, t == 2 ? 1e-3 : 1, k % 2 == 1);
                        plain.grad.copyFrom(mixed.grad);
                        AdamCoefficients c = configs.get(k).at(t);
                        ScalarMixedAdamKernel.of(numerics).update(MixedLayout.fp32(), c, 0, mixed.buffers(c.amsgrad()),
                                range[0], range[1]);
                        ScalarAdamKernel.of(numerics).updateFloats(c, plain.param, plain.grad, plain.expAvg, plain.expAvgSq,
                                c.amsgrad() ? plain.maxExpAvgSq : null, range[0], range[1]);
                        String where = "config " + k + ", step " + t + ", range " + range[0] + ".." + range[1];
                        Bits.assertSameBits("param, " + where, plain.param, mixed.param, DType.FLOAT32);
                        Bits.assertSameBits("exp_avg, " + where, plain.expAvg, mixed.expAvg, DType.FLOAT32);
                        Bits.assertSameBits("exp_avg_sq, " + where, plain.expAvgSq, mixed.expAvgSq, DType.FLOAT32);
                        Bits.assertSameBits("max_exp_avg_sq, " + where, plain.maxExpAvgSq, mixed.maxExpAvgSq, DType.FLOAT32);
                    }
                }
            }
        }
    }

    static List<Object[]> layoutsAndNumerics() {
        List<Object[]> all = new ArrayList<>();
        for (MixedLayout layout : layouts()) {
            for (Numerics numerics : Numerics.values()) all.add(new Object[] {layout, numerics});
        }
        return all;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("layoutsAndNumerics")
    void isTheFloat32UpdateOnDecodedValuesThenRounded(MixedLayout layout, Numerics numerics) {
        int n = 700; // two full blocks and a partial one
        for (int k = 0; k < CONFIGS.size(); k++) {
            SplittableRandom random = new SplittableRandom(31 * k + layout.hashCode());
            boolean specials = k == 0;
            try (Arena arena = Arena.ofConfined()) {
                MixedFixture mixed = MixedFixture.allocate(arena, layout, n);
                mixed.fillParam(random, specials);
                mixed.fillState(random);
                for (long t : STEPS) {
                    mixed.fillGrad(random, t == 2 ? 1e-3 : 1, specials);
                    AdamCoefficients c = CONFIGS.get(k).at(t);
                    long key = RoundingNoise.stepKey(77, t);
                    MixedFixture expected = composed(arena, mixed, c, numerics, key);
                    ScalarMixedAdamKernel.of(numerics).update(layout, c, key, mixed.buffers(c.amsgrad()), 0, n);
                    MixedFixture.assertSameBits(layout + " " + numerics + ", config " + k + ", step " + t, expected, mixed);
                }
            }
        }
    }

    /** The expected buffers after one step: decode, ScalarAdamKernel in float32, round. */
    private static MixedFixture composed(Arena arena, MixedFixture before, AdamCoefficients c, Numerics numerics, long key) {
        MixedLayout layout = before.layout;
        int n = before.n;
        MemorySegment p = arena.allocate(4L * n), g = arena.allocate(4L * n), m = arena.allocate(4L * n), v = arena.allocate(4L * n);
        MemorySegment max = arena.allocate(4L * n);
        float[] max0 = MixedFixture.loadState(layout.state(), BlockCode.UNSIGNED, before.maxExpAvgSq, before.maxExpAvgSqScale, n);
        float[] m0 = MixedFixture.loadState(layout.state(), BlockCode.SIGNED, before.expAvg, before.expAvgScale, n);
        float[] v0 = MixedFixture.loadState(layout.state(), BlockCode.UNSIGNED, before.expAvgSq, before.expAvgSqScale, n);
        for (int i = 0; i < n; i++) {
            p.setAtIndex(ValueLayout.JAVA_FLOAT, i, layout.master()
                    ? before.master.getAtIndex(ValueLayout.JAVA_FLOAT, i) : layout.param().load(before.param, i));
            g.setAtIndex(ValueLayout.JAVA_FLOAT, i, layout.grad().load(before.grad, i));
            m.setAtIndex(ValueLayout.JAVA_FLOAT, i, m0[i]);
            v.setAtIndex(ValueLayout.JAVA_FLOAT, i, v0[i]);
            max.setAtIndex(ValueLayout.JAVA_FLOAT, i, max0[i]);
        }
        ScalarAdamKernel.of(numerics).updateFloats(c, p, g, m, v, c.amsgrad() ? max : null, 0, n);
        MixedFixture after = before.copy(arena);
        for (int i = 0; i < n; i++) {
            float newP = p.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (layout.master()) after.master.setAtIndex(ValueLayout.JAVA_FLOAT, i, newP);
            if (layout.stochasticRounding()) {
                after.param.setAtIndex(ValueLayout.JAVA_SHORT, i, Bf16.fromFloatStochastic(newP, RoundingNoise.bits(key, i)));
            } else {
                layout.param().store(after.param, i, newP);
            }
        }
        MixedFixture.storeState(layout.state(), BlockCode.SIGNED, m.toArray(ValueLayout.JAVA_FLOAT), after.expAvg, after.expAvgScale);
        MixedFixture.storeState(layout.state(), BlockCode.UNSIGNED, v.toArray(ValueLayout.JAVA_FLOAT), after.expAvgSq, after.expAvgSqScale);
        if (c.amsgrad()) {
            MixedFixture.storeState(layout.state(), BlockCode.UNSIGNED, max.toArray(ValueLayout.JAVA_FLOAT), after.maxExpAvgSq,
                    after.maxExpAvgSqScale);
        }
        return after;
    }

    /** The second moment never goes negative, and 8-bit codes of it never carry a sign. */
    @Test
    void quantizedSecondMomentStaysNonNegative() {
        MixedLayout layout = MixedLayout.of(FloatFormat.FP32, FloatFormat.FP32, StateFormat.BLOCKWISE_8BIT);
        int n = 512;
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = MixedFixture.allocate(arena, layout, n);
            SplittableRandom random = new SplittableRandom(5);
            f.fillParam(random, false);
            for (long t = 1; t <= 20; t++) {
                f.fillGrad(random, 1, false);
                ScalarMixedAdamKernel.of(Numerics.EXACT).update(layout, AdamConfig.adamW().coefficients(t), 0, f.buffers(), 0, n);
            }
            float[] v = MixedFixture.loadState(layout.state(), BlockCode.UNSIGNED, f.expAvgSq, f.expAvgSqScale, n);
            for (float x : v) assertTrue(x >= 0, "v = " + x);
            float[] m = MixedFixture.loadState(layout.state(), BlockCode.SIGNED, f.expAvg, f.expAvgScale, n);
            assertTrue(hasNegative(m), "the first moment keeps its sign");
        }
    }

    private static boolean hasNegative(float[] a) {
        for (float x : a) if (x < 0) return true;
        return false;
    }
}
