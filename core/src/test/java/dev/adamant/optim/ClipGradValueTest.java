package dev.adamant.optim;

import dev.adamant.kernel.SgdCoefficients;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Optimizer#clipGradValue}: the clamp by hand (seen through SGD's first momentum buffer,
 * which is a copy of the clamped gradient), its validation, its life of one step and its order
 * with {@code unscale} and {@code clipGradNorm}. Every optimizer on every backend against
 * torch's in-place clamp then step: {@code ClipGradValueAgreementTest} in simd-kernels.
 */
class ClipGradValueTest {
    private static final float NAN = Float.NaN, INF = Float.POSITIVE_INFINITY;

    /** SGD with momentum: its first step copies the (clamped) gradient into the momentum buffer. */
    private static Sgd sgd() {
        return new Sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9));
    }

    /** The momentum buffer after one step on {@code grad} with {@code clipValue} recorded. */
    private static float[] clampedFloats(float[] grad, double clipValue) {
        try (Tensor w = Tensor.allocate(dev.adamant.tensor.DType.FLOAT32, grad.length); Tensor g = Tensor.ofFloats(grad);
             Sgd sgd = sgd()) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            sgd.clipGradValue(clipValue);
            sgd.step();
            assertArrayEquals(grad, g.toFloatArray(), "the gradient itself is not modified");
            return sgd.state(p).orElseThrow().momentumBuffer().toFloatArray();
        }
    }

    private static double[] clampedDoubles(double[] grad, double clipValue) {
        try (Tensor w = Tensor.allocate(dev.adamant.tensor.DType.FLOAT64, grad.length); Tensor g = Tensor.ofDoubles(grad);
             Sgd sgd = sgd()) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            sgd.clipGradValue(clipValue);
            sgd.step();
            return sgd.state(p).orElseThrow().momentumBuffer().toDoubleArray();
        }
    }

    @Test
    void clampsEveryElementAsTorchsClampDoes() {
        // NaN stays NaN; ±Inf go to the bounds; signed zeros inside the bounds keep their sign
        float[] grad = {3, -3, 0.25f, -0.25f, NAN, INF, -INF, -0f, 0f, 1, -1, 0.2f, -0.2f};
        Bits.assertSameBits("clip 1", new float[] {1, -1, 0.25f, -0.25f, NAN, 1, -1, -0f, 0f, 1, -1, 0.2f, -0.2f},
                clampedFloats(grad, 1));
        // the bound is rounded to float32 as torch's clamp_ does: f(0.1) = 0.1f
        Bits.assertSameBits("clip 0.1", new float[] {0.1f, -0.1f, 0.1f, -0.1f, NAN, 0.1f, -0.1f, -0f, 0f, 0.1f, -0.1f, 0.1f, -0.1f},
                clampedFloats(grad, 0.1));
        // clip 0: bounds [-0, +0], so negative values become -0 as in torch (std::min(std::max(a, -0.), 0.))
        Bits.assertSameBits("clip 0", new float[] {0f, -0f, 0f, -0f, NAN, 0f, -0f, -0f, 0f, 0f, -0f, 0f, -0f},
                clampedFloats(grad, 0));
        Bits.assertSameBits("clip -0.0 is clip 0", clampedFloats(grad, 0), clampedFloats(grad, -0.0));

        double[] grad64 = {3, -3, 0.25, Double.NaN, Double.NEGATIVE_INFINITY, -0.0, 0.2, Math.nextUp(0.1)};
        Bits.assertSameBits("float64 clip 0.1", new double[] {0.1, -0.1, 0.1, Double.NaN, -0.1, -0.0, 0.1, 0.1},
                clampedDoubles(grad64, 0.1));
        Bits.assertSameBits("float64, +Infinity clips nothing", grad64, clampedDoubles(grad64, Double.POSITIVE_INFINITY));
    }

    @Test
    void aFiniteClipBeyondFloat32RangeLeavesFloat32GradientsAlone() {
        float[] grad = {Float.MAX_VALUE, -INF, 1};
        // f(1e39) = +Inf: nothing is clamped (torch raises an overflow error on this bound instead)
        Bits.assertSameBits("clip 1e39", grad, clampedFloats(grad, 1e39));
    }

    @Test
    void theClampHoldsForTheNextStepOnlyAndEqualsClampingThenStepping() {
        float[] init = {0.5f, -1, 2, 0.25f}, grad1 = {5, -0.1f, -7, 0.3f}, grad2 = {4, -4, 0.1f, -0.2f};
        try (Tensor fw = Tensor.ofFloats(init); Tensor fg = Tensor.ofFloats(grad1);
             Tensor mw = Tensor.ofFloats(init); Tensor mg = Tensor.ofFloats(1, -0.1f, -1, 0.3f); // clamped by hand
             AdamW fused = new AdamW(AdamConfig.adamW().withLr(0.01)); AdamW manual = new AdamW(AdamConfig.adamW().withLr(0.01))) {
            Parameter fp = Parameter.of(fw), mp = Parameter.of(mw);
            fp.setGrad(fg);
            mp.setGrad(mg);
            fused.addParamGroup(List.of(fp));
            manual.addParamGroup(List.of(mp));

            fused.clipGradValue(1);
            assertEquals(1, fused.pendingClipValue());
            fused.step();
            manual.step();
            Bits.assertSameBits("step 1", mw, fw);
            assertArrayEquals(grad1, fg.toFloatArray(), "gradients are not modified");
            assertEquals(Double.POSITIVE_INFINITY, fused.pendingClipValue(), "consumed by the step");

            fg.copyFrom(grad2);
            mg.copyFrom(grad2);
            fused.step();
            manual.step();
            Bits.assertSameBits("step 2 is not clamped", mw, fw);
        }
    }

    @Test
    void aSecondCallClampsToTheSmallerBoundAsTwoInPlaceClampsWould() {
        try (Sgd sgd = sgd()) {
            sgd.clipGradValue(2);
            sgd.clipGradValue(0.5);
            sgd.clipGradValue(Double.POSITIVE_INFINITY);
            assertEquals(0.5, sgd.pendingClipValue());
        }
        assertArrayEquals(new float[] {0.5f, -0.5f}, clampedFloats(new float[] {3, -0.7f}, 0.5));
    }

    @Test
    void badValuesAreRejectedWithTheValueAndRecordNothing() {
        try (Sgd sgd = sgd()) {
            for (double bad : new double[] {Double.NaN, -1, -Double.MIN_VALUE, Double.NEGATIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sgd.clipGradValue(bad));
                assertTrue(e.getMessage().contains("clipValue: " + bad), e.getMessage());
                assertEquals(Double.POSITIVE_INFINITY, sgd.pendingClipValue());
            }
            sgd.clipGradValue(0.5);
            assertThrows(IllegalArgumentException.class, () -> sgd.clipGradValue(Double.NaN));
            assertEquals(0.5, sgd.pendingClipValue(), "a rejected call keeps the recorded bound");
        }
        SgdCoefficients c = SgdCoefficients.of(0.1, 0, 0, 0, false, false, true);
        assertEquals(Double.POSITIVE_INFINITY, c.clipValue());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.withClipValue(-2)).getMessage().contains("-2.0"));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(c.withClipValue(-0.0).clipValue()));
        Sgd closed = sgd();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.clipGradValue(1));
    }

    /** Torch's orders that fuse as scale-then-clamp are accepted; a norm measured on clamped gradients is not. */
    @Test
    void orderWithUnscaleAndClipGradNorm() {
        try (Tensor w = Tensor.ofFloats(1, 2); Tensor g = Tensor.ofFloats(30, -40); Sgd sgd = sgd()) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));

            sgd.unscale(8);
            sgd.clipGradNorm(1, 2);
            sgd.clipGradValue(0.05);
            assertEquals(0.05, sgd.pendingClipValue());
            sgd.step();

            sgd.clipGradValue(0.05);
            IllegalStateException norm = assertThrows(IllegalStateException.class, () -> sgd.clipGradNorm(1, 2));
            assertTrue(norm.getMessage().contains("clipGradNorm() after clipGradValue()"), norm.getMessage());
            IllegalStateException unscale = assertThrows(IllegalStateException.class, () -> sgd.unscale(8));
            assertTrue(unscale.getMessage().contains("unscale() after clipGradValue()"), unscale.getMessage());
            assertEquals(1, sgd.pendingGradScale(), "the rejected calls recorded nothing");
            assertEquals(0.05, sgd.pendingClipValue());
        }
    }

    /** The policy and GradScaler's overflow check see the gradient before the clamp, as torch's unscale_ does. */
    @Test
    void nonFiniteGradientsAreCheckedBeforeTheClamp() {
        try (Tensor w = Tensor.ofFloats(1, 2); Tensor g = Tensor.ofFloats(INF, 1); Sgd sgd = sgd()) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            Snapshot before = new Snapshot().add("w", w);

            sgd.unscale(2);
            sgd.clipGradValue(1);
            sgd.step();
            assertTrue(sgd.lastStepSkipped(), "overflow after unscale skips, clamp or not");
            before.assertUnchanged();
            assertEquals(Double.POSITIVE_INFINITY, sgd.pendingClipValue(), "a skipped step consumes the clamp too");

            sgd.setNonFinitePolicy(NonFinitePolicy.SKIP_STEP);
            sgd.clipGradValue(1);
            sgd.step();
            assertTrue(sgd.lastStepSkipped());
            before.assertUnchanged();

            // torch's default: the clamp turns +Inf into the bound and the step runs
            sgd.setNonFinitePolicy(NonFinitePolicy.PROPAGATE);
            sgd.clipGradValue(1);
            sgd.step();
            assertFalse(sgd.lastStepSkipped());
            assertArrayEquals(new float[] {1 - 0.1f, 2 - 0.1f}, w.toFloatArray());
        }
    }
}
