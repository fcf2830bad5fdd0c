package dev.adamant.simd;

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
import dev.adamant.optim.RAdam;
import dev.adamant.optim.RAdamConfig;
import dev.adamant.optim.RmsProp;
import dev.adamant.optim.RmsPropConfig;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import static dev.adamant.testing.TestData.gaussianDoubles;
import static dev.adamant.testing.TestData.gaussianFloats;
import static dev.adamant.testing.TestData.SPECIAL_DOUBLES;
import static dev.adamant.testing.TestData.SPECIAL_FLOATS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Optimizer#clipGradValue} for all ten optimizers on every backend (the scalar reference and
 * each lane width, both numerics), float32 and float64, on sizes that hit every vector tail: the
 * fused clamp equals torch's in-place {@code clip_grad_value_} followed by an unclipped step, bit
 * for bit, parameters and every state slot. The gradients carry NaN, ±Inf and signed zeros in some
 * runs, and the clamp is combined with {@code unscale} and {@code clipGradNorm} in torch's orders.
 */
class ClipGradValueAgreementTest {
    private static final int[] SIZES = {1, 7, 16, 17, 33, 63, 131, 1021};
    private static final int STEPS = 3;
    private static final double LOSS_SCALE = 1024; // GradScaler's scales are powers of two

    private record Named(String name, Function<Backend, Optimizer<?, ?>> factory) {
    }

    /** All ten, with the switches (maximize, weight decay, amsgrad, momentum) that move the clamp's neighbours. */
    private static final List<Named> OPTIMIZERS = List.of(
            new Named("adam", b -> new Adam(AdamConfig.adam().withWeightDecay(0.01).withAmsgrad(true), b)),
            new Named("adamw", b -> new AdamW(AdamConfig.adamW().withLr(0.01).withMaximize(true), b)),
            new Named("sgd", b -> new Sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withNesterov(true), b)),
            new Named("rmsprop", b -> new RmsProp(RmsPropConfig.rmsprop().withCentered(true).withMomentum(0.5), b)),
            new Named("adagrad", b -> new Adagrad(AdagradConfig.adagrad().withWeightDecay(0.1), b)),
            new Named("adamax", b -> new Adamax(AdamaxConfig.adamax().withMaximize(true), b)),
            new Named("nadam", b -> new NAdam(NAdamConfig.nadam().withWeightDecay(0.01), b)),
            new Named("radam", b -> new RAdam(RAdamConfig.radam(), b)),
            new Named("lamb", b -> new Lamb(LambConfig.defaults(), b)),
            new Named("lion", b -> new Lion(LionConfig.defaults().withWeightDecay(0.1), b)));

    /** What runs before the step, and how a torch user would have rewritten the gradients in place. */
    private enum Order {
        /** {@code clip_grad_value_(c)}: clamp(g). */
        VALUE,
        /** {@code unscale_}, then {@code clip_grad_value_}: clamp(g · inv). */
        UNSCALE_THEN_VALUE,
        /** {@code unscale_}, {@code clip_grad_norm_}, {@code clip_grad_value_}: clamp((g · inv) · coef). */
        UNSCALE_NORM_THEN_VALUE
    }

    private static List<Backend> backends() {
        if (!Simd.EXPECT_SCALAR_FALLBACK) {
            assertFalse(Backends.laneWidths().isEmpty(), "the SIMD run covers the vector kernels");
        }
        return Backends.all(Numerics.EXACT).newWithAll(Backends.all(Numerics.FAST)).castToList();
    }

    @Test
    void fusedClampEqualsTorchsInPlaceClampThenStep() {
        int checked = 0, normClipped = 0;
        for (Backend backend : backends()) {
            for (Named optimizer : OPTIMIZERS) {
                for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) { // the fp32/fp64 kernels
                    for (int n : SIZES) {
                        for (Order order : Order.values()) {
                            // clip 0 once per combination; specials only where unscale's overflow check would skip
                            double clipValue = n == 17 ? 0 : 0.3;
                            boolean specials = order == Order.VALUE && n % 2 == 1;
                            normClipped += check(backend, optimizer, dtype, n, order, clipValue, specials);
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(backends().size() * OPTIMIZERS.size() * 2 * SIZES.length * Order.values().length, checked);
        int normSteps = backends().size() * OPTIMIZERS.size() * 2 * SIZES.length * STEPS;
        assertTrue(normClipped > normSteps * 3 / 4, "the norm clip was active in " + normClipped + " of " + normSteps + " steps");
    }

    /** {@code +∞} clamps nothing, alone and after unscale (which then runs the kernels' scale without the clamp). */
    @Test
    void infinityClipsNothing() {
        for (Backend backend : backends()) {
            for (Named optimizer : OPTIMIZERS) {
                for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) { // the fp32/fp64 kernels
                    check(backend, optimizer, dtype, 131, Order.VALUE, Double.POSITIVE_INFINITY, true);
                    check(backend, optimizer, dtype, 131, Order.UNSCALE_THEN_VALUE, Double.POSITIVE_INFINITY, false);
                }
            }
        }
    }

    /** Returns the number of steps whose norm clip was active. */
    private static int check(Backend backend, Named named, DType dtype, int n, Order order, double clipValue,
                              boolean specials) {
        SplittableRandom r = new SplittableRandom(n * 31L + order.ordinal());
        String what = named.name() + " on " + backend + ", " + dtype + ", n=" + n + ", " + order + ", clip " + clipValue
                + (specials ? ", with NaN/Inf/signed zeros" : "");
        try (Tensor w1 = tensor(dtype, r, n, 1, false); Tensor g1 = Tensor.allocate(dtype, n);
             Tensor w2 = Tensor.allocate(dtype, n); Tensor g2 = Tensor.allocate(dtype, n);
             Optimizer<?, ?> fused = named.factory().apply(backend); Optimizer<?, ?> manual = named.factory().apply(backend)) {
            w2.copyFrom(w1);
            Parameter p1 = Parameter.of(w1), p2 = Parameter.of(w2);
            p1.setGrad(g1);
            p2.setGrad(g2);
            fused.addParamGroup(List.of(p1));
            manual.addParamGroup(List.of(p2));
            boolean unscaled = order != Order.VALUE;
            int normClipped = 0;
            for (int step = 1; step <= STEPS; step++) {
                // the loss scale's worth of gradient when unscaling, so the unscaled values straddle the bound
                try (Tensor g = tensor(dtype, r, n, unscaled ? LOSS_SCALE : 1, specials)) {
                    g1.copyFrom(g);
                }
                double coef = 1;
                if (unscaled) {
                    fused.unscale(LOSS_SCALE);
                }
                if (order == Order.UNSCALE_NORM_THEN_VALUE) {
                    fused.clipGradNorm(0.5 * Math.sqrt(n), 2);
                    coef = fused.pendingGradScale() / fused.pendingUnscale(); // exact: inv is a power of two
                    if (coef < 1) normClipped++;
                }
                fused.clipGradValue(clipValue);
                clampInPlace(g1, g2, dtype, n, unscaled ? fused.pendingUnscale() : 1, coef, clipValue);
                fused.step();
                manual.step();
                assertFalse(fused.lastStepSkipped(), what);
                Bits.assertSameBits(what + ", param after step " + step, w2, w1);
                var s1 = fused.state(p1).orElseThrow().tensors();
                var s2 = manual.state(p2).orElseThrow().tensors();
                assertEquals(s2.keysView().toSortedList(), s1.keysView().toSortedList(), what);
                for (String slot : s2.keysView()) {
                    Bits.assertSameBits(what + ", " + slot + " after step " + step, s2.get(slot), s1.get(slot));
                }
            }
            return normClipped;
        }
    }

    /**
     * What torch leaves in the gradient: {@code grad.mul_(inv)} (unscale_), {@code grad.mul_(coef)}
     * (clip_grad_norm_), then {@code grad.clamp_(-c, c)} with the bound rounded to the element type.
     */
    private static void clampInPlace(Tensor from, Tensor to, DType dtype, int n, double inv, double coef, double clip) {
        for (long i = 0; i < n; i++) {
            if (dtype == DType.FLOAT32) {
                float g = from.getFloat(i), c = (float) clip;
                if (inv != 1) g = g * (float) inv;
                if (coef != 1) g = g * (float) coef;
                to.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, Math.min(Math.max(g, -c), c));
            } else {
                double g = from.getDouble(i);
                if (inv != 1) g = g * inv;
                if (coef != 1) g = g * coef;
                to.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, i, Math.min(Math.max(g, -clip), clip));
            }
        }
    }

    /**
     * N(0, scale²) values; with {@code specials} every other element is one of {@link TestData}'s
     * special values (signed zeros, subnormals, huge, NaN, ±Inf) in turn, from a random start, so
     * each lands in vector bodies and in tails.
     */
    private static Tensor tensor(DType dtype, SplittableRandom r, int n, double scale, boolean specials) {
        int start = r.nextInt(SPECIAL_FLOATS.length);
        if (dtype == DType.FLOAT32) {
            float[] a = gaussianFloats(r, n, scale);
            for (int i = 0; specials && i < n; i += 2) a[i] = SPECIAL_FLOATS[(start + i / 2) % SPECIAL_FLOATS.length];
            return Tensor.ofFloats(a);
        }
        double[] a = gaussianDoubles(r, n, scale);
        for (int i = 0; specials && i < n; i += 2) a[i] = SPECIAL_DOUBLES[(start + i / 2) % SPECIAL_DOUBLES.length];
        return Tensor.ofDoubles(a);
    }
}
