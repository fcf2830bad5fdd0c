package dev.adamant.optim;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LAMB against the paper's equations worked by hand, and its layer-wise invariants. */
class LambTest {

    /** One step of a one-tensor LAMB from zero state on the scalar reference. */
    private static float[] oneStep(LambConfig config, float[] params, float[] grads) {
        try (Tensor p = Tensor.ofFloats(params.clone());
             Tensor g = Tensor.ofFloats(grads.clone());
             Lamb lamb = new Lamb(config, Backends.scalar(Numerics.EXACT))) {
            Parameter param = Parameter.of(p);
            param.setGrad(g);
            lamb.addParamGroup(List.of(param));
            lamb.step();
            return p.toFloatArray();
        }
    }

    @Test
    void firstStepWorkedByHand() {
        // step 1: m̂ = g and v̂ = g² (bias correction undoes 1-β), so u = g/(|g|+eps) + wd·p
        // p = (3, 4): ||p|| = 5; g = (1, -1), wd = 0.01: u ≈ (1.03, -0.96), ||u|| ≈ 1.408013
        float[] after = oneStep(LambConfig.defaults().withLr(0.1), new float[] {3f, 4f}, new float[] {1f, -1f});
        double u0 = 1 / (1 + 1e-6) + 0.03, u1 = -1 / (1 + 1e-6) + 0.04;
        double ratio = 0.1 * 5 / Math.hypot(u0, u1);
        assertEquals(3 - ratio * u0, after[0], 1e-6);
        assertEquals(4 - ratio * u1, after[1], 1e-6);
    }

    @Test
    void theTrustRatioMakesTheStepLengthLrTimesTheParameterNorm() {
        float[] p = {0.5f, -1.5f, 2f, 0.25f, -3f};
        float[] g = {1e-3f, 2e-3f, -5e-4f, 1e-3f, -2e-3f};
        LambConfig config = LambConfig.defaults().withLr(0.01).withEps(1e-12);
        float[] small = oneStep(config, p, g);
        float[] scaled = new float[g.length];
        for (int i = 0; i < g.length; i++) scaled[i] = g[i] * 1000;
        float[] large = oneStep(config, p, scaled);
        double step = 0, norm = 0;
        for (int i = 0; i < p.length; i++) {
            step += (small[i] - p[i]) * (double) (small[i] - p[i]);
            norm += p[i] * (double) p[i];
            assertEquals(small[i], large[i], 1e-6, "the update does not depend on the gradient's scale");
        }
        assertEquals(0.01 * Math.sqrt(norm), Math.sqrt(step), 1e-6);
    }

    @Test
    void withoutWeightDecayApexTakesAPlainStepUnlessAlwaysAdapt() {
        float[] p = {3f, 4f}, g = {1f, -1f};
        float[] plain = oneStep(LambConfig.defaults().withWeightDecay(0).withLr(0.1), p, g);
        // u = g/(|g|+eps), no trust ratio: p - 0.1·u
        assertEquals(3 - 0.1 / (1 + 1e-6), plain[0], 1e-6);
        assertEquals(4 + 0.1 / (1 + 1e-6), plain[1], 1e-6);
        float[] adapted = oneStep(LambConfig.defaults().withWeightDecay(0).withLr(0.1).withAlwaysAdapt(true), p, g);
        assertEquals(3 - 0.1 * 5 / Math.sqrt(2) / (1 + 1e-6), adapted[0], 1e-6);
    }

    @Test
    void aZeroParameterTakesTheUnscaledStep() {
        float[] after = oneStep(LambConfig.defaults().withLr(0.1), new float[] {0f, 0f}, new float[] {2f, -0.5f});
        assertArrayEquals(new float[] {(float) (-0.1 * (2 / (2 + 1e-6f))), (float) (0.1 * (0.5f / (0.5f + 1e-6f)))}, after, 1e-7f);
    }

    @Test
    void combineAddsPairwiseInAFixedOrder() {
        double[] a = new double[LambKernel.ACCUMULATORS];
        for (int k = 0; k < a.length; k++) a[k] = k == 0 ? 1e16 : 1;
        // ((1e16 + 1) + (1 + 1)) + ... : the pairwise tree, not a left-to-right sum
        double tree = (((1e16 + 1) + 2) + 4) + 8;
        assertEquals(tree, LambKernel.combine(a));
    }

    @Test
    void invalidHyperparametersNameTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> LambConfig.defaults().withEps(-1e-6));
        assertTrue(e.getMessage().contains("-1.0E-6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LambConfig.defaults().withBetas(Double.NaN, 0.9));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
}
