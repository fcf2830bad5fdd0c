package dev.adamant.optim;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GradScaler} and {@link Optimizer#unscale}: validation, skip on overflow, growth and backoff. */
class GradScalerTest {

    @Test
    void badArgumentsAreRejectedWithTheValue() {
        for (double bad : new double[]{0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e300, 1e-300}) {
            String msg = assertThrows(IllegalArgumentException.class, () -> new GradScaler(bad, 2, 0.5, 2000)).getMessage();
            assertTrue(msg.contains("initScale") && msg.contains(String.valueOf(bad)), msg);
        }
        for (double bad : new double[]{1, 0.5, -2, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new GradScaler(65536, bad, 0.5, 2000))
                    .getMessage().contains("growthFactor"));
        }
        for (double bad : new double[]{0, 1, 2, -0.5, Double.NaN}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new GradScaler(65536, 2, bad, 2000))
                    .getMessage().contains("backoffFactor"));
        }
        for (int bad : new int[]{0, -1}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new GradScaler(65536, 2, 0.5, bad))
                    .getMessage().contains("growthInterval"));
        }
        try (Sgd sgd = new Sgd()) {
            for (double bad : new double[]{0, -0.0, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-300, 1e300}) {
                String msg = assertThrows(IllegalArgumentException.class, () -> sgd.unscale(bad)).getMessage();
                assertTrue(msg.contains(String.valueOf(bad)), msg);
            }
            assertEquals(1, sgd.pendingGradScale());
        }
    }

    @Test
    void defaultsAreTorchs() {
        GradScaler s = new GradScaler();
        assertEquals(65536f, s.scale());
        assertEquals(0, s.growthTracker());
        for (int i = 1; i < 2000; i++) {
            assertEquals(65536f, s.update());
        }
        assertEquals(131072f, s.update(), "doubles after 2000 good steps");
        assertEquals(0, s.growthTracker());
    }

    /** The scale sequence against torch's _amp_update_scale_ rules, with overflow steps driven by real gradients. */
    @Test
    void growthAndBackoffSequence() {
        try (Tensor w = Tensor.ofFloats(1, 2, 3); Tensor g = Tensor.ofFloats(0.5f, -0.25f, 1);
             Sgd sgd = new Sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9), Backends.scalar(Numerics.EXACT))) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            GradScaler scaler = new GradScaler(8, 2, 0.5, 3);
            // G = good step, O = overflow
            String pattern = "GGGGGGOGGOOGGGG";
            List<Float> scales = new ArrayList<>();
            List<Boolean> stepped = new ArrayList<>();
            for (char c : pattern.toCharArray()) {
                g.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 1, c == 'O' ? Float.POSITIVE_INFINITY : -0.25f);
                stepped.add(scaler.step(sgd));
                scales.add(scaler.update());
            }
            assertEquals(List.of(8f, 8f, 16f, 16f, 16f, 32f, 16f, 16f, 16f, 8f, 4f, 4f, 4f, 8f, 8f), scales);
            assertEquals(pattern.chars().filter(ch -> ch == 'G').count(), sgd.stepCount());
            for (int i = 0; i < pattern.length(); i++) {
                assertEquals(pattern.charAt(i) == 'G', stepped.get(i), "step " + i);
            }
            // growth that would overflow float32 keeps the scale
            GradScaler huge = new GradScaler(0x1p127, 2, 0.5, 1);
            assertEquals(0x1p127f, huge.update());
        }
    }

    @Test
    void skipOnOverflowModifiesNothingAndConsumesTheUnscale() {
        try (Tensor w = Tensor.ofFloats(1, 2, 3); Tensor g = Tensor.ofFloats(0.5f, Float.NaN, 1);
             Adam adam = new Adam(AdamConfig.adam(), Backends.scalar(Numerics.EXACT))) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            adam.addParamGroup(List.of(p));
            Snapshot before = new Snapshot().add("w", w).add("g", g);
            GradScaler scaler = new GradScaler();
            assertFalse(scaler.step(adam), "PROPAGATE policy, but the scaler skips on overflow");
            assertTrue(adam.lastStepSkipped());
            assertTrue(adam.state(p).isEmpty());
            assertEquals(0, adam.stepCount());
            assertEquals(1, adam.pendingGradScale());
            before.assertUnchanged();
            assertEquals(32768f, scaler.update());
        }
    }

    @Test
    void unscaleOrderIsEnforced() {
        try (Tensor w = Tensor.ofFloats(1, 2); Tensor g = Tensor.ofFloats(3, 4); Sgd sgd = new Sgd()) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            GradScaler scaler = new GradScaler();
            scaler.unscale(sgd);
            assertThrows(IllegalStateException.class, () -> scaler.unscale(sgd));
            assertThrows(IllegalStateException.class, () -> sgd.unscale(4));
            assertTrue(scaler.step(sgd));
            assertThrows(IllegalStateException.class, () -> scaler.step(sgd), "one step per update");
            scaler.update();
            sgd.clipGradNorm(1, 2);
            assertThrows(IllegalStateException.class, () -> sgd.unscale(4), "unscale after clip");
        }
    }

    /** After unscale, clipGradNorm measures the unscaled gradients; the step equals torch's divide, clip, step. */
    @Test
    void clipAfterUnscaleEqualsDivideInPlaceThenClip() {
        float[] grad = {3e4f, -4e4f, 1.5e3f, 7, -0.125f};
        float scale = 1024;
        float[] divided = new float[grad.length];
        for (int i = 0; i < grad.length; i++) divided[i] = grad[i] / scale;
        for (double normType : new double[]{2, Double.POSITIVE_INFINITY}) {
            try (Tensor w1 = Tensor.ofFloats(1, 2, 3, 4, 5); Tensor g1 = Tensor.ofFloats(grad);
                 Tensor w2 = Tensor.ofFloats(1, 2, 3, 4, 5); Tensor g2 = Tensor.ofFloats(divided);
                 Adam fused = new Adam(AdamConfig.adam(), Backends.scalar(Numerics.EXACT));
                 Adam manual = new Adam(AdamConfig.adam(), Backends.scalar(Numerics.EXACT))) {
                Parameter p1 = Parameter.of(w1), p2 = Parameter.of(w2);
                p1.setGrad(g1);
                p2.setGrad(g2);
                fused.addParamGroup(List.of(p1));
                manual.addParamGroup(List.of(p2));
                fused.unscale(scale);
                double n1 = fused.clipGradNorm(1, normType);
                double n2 = manual.clipGradNorm(1, normType);
                assertEquals(n2, n1);
                assertTrue(n1 > 1, "clipping active");
                assertEquals(manual.pendingGradScale() / scale, fused.pendingGradScale());
                fused.step();
                manual.step();
                Bits.assertSameBits("param", w2, w1);
                Bits.assertSameBits("exp_avg", manual.state(p2).orElseThrow().tensors().get("exp_avg"),
                        fused.state(p1).orElseThrow().tensors().get("exp_avg"));
                assertEquals(1, fused.pendingGradScale(), "consumed");
            }
        }
    }
}
