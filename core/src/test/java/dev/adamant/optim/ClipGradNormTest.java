package dev.adamant.optim;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Optimizer#clipGradNorm}: the norm, the coefficient, and its fusion into the next step only. */
class ClipGradNormTest {

    private static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * scale;
        return a;
    }

    @Test
    void badArgumentsAreRejectedWithTheValue() {
        try (Tensor w = Tensor.ofFloats(1, 2); Tensor g = Tensor.ofFloats(3, 4); Sgd sgd = new Sgd(SgdConfig.sgd())) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> sgd.clipGradNorm(-1, 2)).getMessage().contains("-1.0"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> sgd.clipGradNorm(Double.NaN, 2)).getMessage().contains("NaN"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> sgd.clipGradNorm(1, 1)).getMessage().contains("1.0"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> sgd.clipGradNorm(1, Double.NaN)).getMessage().contains("NaN"));
            assertEquals(1, sgd.pendingGradScale());
        }
    }

    @Test
    void normsAndCoefficientFollowTorch() {
        try (Tensor w = Tensor.ofFloats(1, 2); Tensor b = Tensor.ofFloats(0);
             Tensor gw = Tensor.ofFloats(3, -4); Tensor gb = Tensor.ofFloats(12);
             Sgd sgd = new Sgd(SgdConfig.sgd(), Backends.scalar(Numerics.EXACT))) {
            Parameter pw = Parameter.of(w), pb = Parameter.of(b);
            sgd.addParamGroup(List.of(pw, pb));
            assertEquals(0, sgd.clipGradNorm(1, 2), "no gradients");
            assertEquals(1, sgd.pendingGradScale());
            pw.setGrad(gw);
            pb.setGrad(gb);
            assertEquals(13f, sgd.clipGradNorm(1, 2));                       // norm of (5, 12)
            assertEquals(Math.min((1f / (13f + 1e-6f)) * 1f, 1f), (float) sgd.pendingGradScale());
            assertEquals(12f, sgd.clipGradNorm(24, Double.POSITIVE_INFINITY));
            assertEquals(1, sgd.pendingGradScale(), "inactive: clamped to 1");
            assertEquals(13f, sgd.clipGradNorm(Double.POSITIVE_INFINITY, 2));
            assertEquals(1, sgd.pendingGradScale());
        }
    }

    /** The fused coefficient equals torch's in-place multiply then step, bit for bit, and holds for one step. */
    @Test
    void theCoefficientScalesTheNextStepOnlyAndLeavesGradientsAlone() {
        Random r = new Random(7);
        float[] init = random(r, 37, 1), grad1 = random(r, 37, 10), grad2 = random(r, 37, 10);
        try (Tensor fusedW = Tensor.ofFloats(init); Tensor fusedG = Tensor.ofFloats(grad1);
             Tensor manualW = Tensor.ofFloats(init); Tensor manualG = Tensor.allocate(dev.adamant.tensor.DType.FLOAT32, 37);
             AdamW fused = new AdamW(AdamConfig.adamW().withLr(0.01), Backends.scalar(Numerics.EXACT));
             AdamW manual = new AdamW(AdamConfig.adamW().withLr(0.01), Backends.scalar(Numerics.EXACT))) {
            Parameter fp = Parameter.of(fusedW), mp = Parameter.of(manualW);
            fused.addParamGroup(List.of(fp));
            manual.addParamGroup(List.of(mp));
            fp.setGrad(fusedG);
            mp.setGrad(manualG);

            double total = fused.clipGradNorm(1, 2);
            float coef = (float) fused.pendingGradScale();
            assertTrue(total > 1 && coef < 1, "clipping is active: " + total);
            float[] clipped = new float[37];
            for (int i = 0; i < 37; i++) clipped[i] = grad1[i] * coef;
            manualG.copyFrom(clipped);
            fused.step();
            manual.step();
            assertArrayEquals(manualW.toFloatArray(), fusedW.toFloatArray());
            assertArrayEquals(grad1, fusedG.toFloatArray(), "gradients are not modified");
            assertEquals(1, fused.pendingGradScale(), "consumed by the step");

            fusedG.copyFrom(grad2);
            manualG.copyFrom(grad2);
            fused.step();
            manual.step();
            assertArrayEquals(manualW.toFloatArray(), fusedW.toFloatArray(), "the next step is not scaled");
        }
    }

    @Test
    void float64GradientsGiveADoubleNorm() {
        try (Tensor w = Tensor.ofDoubles(1, 2); Tensor g = Tensor.ofDoubles(0.1, 0.2);
             Sgd sgd = new Sgd(SgdConfig.sgd())) {
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            sgd.addParamGroup(List.of(p));
            double total = sgd.clipGradNorm(0.1, 2);
            assertEquals(Math.sqrt(0.1 * 0.1 + 0.2 * 0.2), total, 1e-16);
            assertEquals(Math.min((1 / (total + 1e-6)) * 0.1, 1), sgd.pendingGradScale());
        }
    }
}
