package dev.adamant.conformance;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.NAdam;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.NAdamState;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Evidence for the NAdam decision. Adamant implements torch ≥ 2.0's NAdam ({@code mu_product}
 * takes each μ once), which torch 1.13's foreach path also computes; those golden cases must match
 * bit for bit (see {@link GoldenConformanceTest}). The golden files' single-tensor cases come from
 * torch 1.13's default path, which multiplies μ into {@code mu_product_next} twice and divides
 * before the square root. This test shows that those cases are declined with the reason, and that
 * the difference is exactly that bug and nothing else: on every declined case the engine's
 * {@code mu_product} equals torch's bit for bit at every step, and so do {@code exp_avg} and
 * {@code exp_avg_sq} (at step 1 only with weight decay, whose gradient then sees the diverged
 * params), while a plain re-implementation of the 1.13 single-tensor formulas (README "NAdam
 * (single-tensor)") reproduces torch's parameters bit for bit and the engine's parameters differ.
 */
class NAdamGoldenDecisionTest {
    private static final List<String> FILES = List.of("nadam.json", "simd_sizes.json");

    private record Found(GoldenFile file, GoldenCase c) {
    }

    private static List<Found> nadamCases() {
        List<Found> out = new ArrayList<>();
        for (String f : FILES) {
            GoldenFile file = GoldenFiles.read(f);
            file.cases().stream().filter(c -> c.optimizer().equals("nadam")).forEach(c -> out.add(new Found(file, c)));
        }
        return out;
    }

    @Test
    void exactlyTheSingleTensorCasesAreDeclinedWithTheReason() {
        int declined = 0, foreach = 0;
        for (Found f : nadamCases()) {
            String label = f.file().fileName() + " " + f.c().name();
            if (f.c().torchPath().equals("foreach")) {
                foreach++;
                assertTrue(Replayer.unsupportedReason(f.file(), f.c()).isEmpty(), label + " must be replayed");
            } else {
                declined++;
                assertEquals("single_tensor", f.c().torchPath(), label);
                assertEquals(Recipe.NADAM_SINGLE_TENSOR_REASON, Replayer.unsupportedReason(f.file(), f.c()).orElse(""), label);
            }
        }
        // nadam.json: 7 single-tensor + 2 foreach; simd_sizes.json: 9 single-tensor (n = 1 ... 127)
        assertEquals(16, declined);
        assertEquals(2, foreach);
    }

    @Test
    void onDeclinedCasesTheStateMatchesTorchAndOnlyTheDoubleMuUpdateDiffers() {
        int cases = 0;
        for (Found f : nadamCases()) {
            if (f.c().torchPath().equals("foreach")) continue;
            cases++;
            checkDeclined(f.file().fileName() + " " + f.c().name(), f.c());
        }
        assertEquals(16, cases);
    }

    private static void checkDeclined(String label, GoldenCase c) {
        assertEquals("float32", c.dtype(), label);
        Hyper h = new Hyper(c.groups().getFirst().hyper());
        NAdamConfig config = Recipe.forName("nadam").map(r -> (NAdamConfig) r.configurer().config(h)).orElseThrow();
        double[] initial = c.tensors().getFirst().initial();
        int n = initial.length;
        float[] bp = toFloats(initial), bm = new float[n], bv = new float[n];
        float bugMuProduct = 1f;
        boolean paramsEverDiffer = false;
        try (Tensor data = Tensor.ofFloats(toFloats(initial)); Tensor grad = Tensor.allocate(dev.adamant.tensor.DType.FLOAT32, n);
             NAdam engine = new NAdam(config, Backends.scalar(Numerics.EXACT))) {
            Parameter p = Parameter.of("param", data);
            engine.addParamGroup(List.of(p));
            p.setGrad(grad);
            for (GoldenCase.Step s : c.steps()) {
                float[] g = toFloats(s.grads().getFirst());
                grad.copyFrom(g);
                engine.step();
                bugMuProduct = torch113SingleTensorStep(config, s.step(), bugMuProduct, bp, g, bm, bv);
                if (s.paramsAfter() == null) continue;
                String at = label + " step " + s.step();
                Map<String, double[]> state = s.stateAfter().getFirst();
                NAdamState st = engine.state(p).orElseThrow();
                // the moments do not depend on p unless weight decay feeds p into the gradient
                if (config.weightDecay() == 0 || s.step() == 1) {
                    assertBits(at + " exp_avg", state.get("exp_avg"), st.expAvg().toFloatArray());
                    assertBits(at + " exp_avg_sq", state.get("exp_avg_sq"), st.expAvgSq().toFloatArray());
                }
                assertBits(at + " mu_product", state.get("mu_product"), new float[] {st.muProduct()});
                assertBits(at + " exp_avg (1.13 single-tensor re-implementation)", state.get("exp_avg"), bm);
                assertBits(at + " exp_avg_sq (1.13 single-tensor re-implementation)", state.get("exp_avg_sq"), bv);
                assertEquals((double) st.muProduct(), st.scalars().get("mu_product"), at + " scalars()");
                // the 1.13 single-tensor formulas reproduce torch's params exactly ...
                assertBits(at + " params (1.13 single-tensor re-implementation)", s.paramsAfter().getFirst(), bp);
                // ... and the 1.13 mu_product agrees with the engine's: the bug is only in mu_product_next
                assertEquals(Float.floatToRawIntBits(bugMuProduct), Float.floatToRawIntBits(st.muProduct()), at);
                float[] engineParams = data.toFloatArray();
                for (int i = 0; i < n; i++) {
                    paramsEverDiffer |= Float.floatToRawIntBits(engineParams[i]) != Float.floatToRawIntBits(bp[i]);
                }
            }
        }
        assertTrue(paramsEverDiffer, label + ": the fixed semantics should move the params differently");
    }

    /**
     * One step of torch 1.13's {@code _single_tensor_nadam} as the golden README writes it; returns
     * the new mu_product.
     */
    private static float torch113SingleTensorStep(NAdamConfig h, long t, float muProduct, float[] p, float[] grad,
                                                  float[] m, float[] v) {
        double bc2 = 1 - Math.pow(h.beta2(), t);
        double mu = h.beta1() * (1. - 0.5 * Math.pow(0.96, t * h.momentumDecay()));
        double mu1 = h.beta1() * (1. - 0.5 * Math.pow(0.96, (t + 1) * h.momentumDecay()));
        muProduct = muProduct * (float) mu;                                // mu_product *= mu
        float muProductNext = (muProduct * (float) mu) * (float) mu1;     // mu_product * mu * mu_next: mu again
        float gradStep = (float) (-h.lr() * (1. - mu) / (1. - muProduct));
        float expAvgStep = (float) ((-h.lr() * mu1) / (1. - muProductNext));
        for (int i = 0; i < p.length; i++) {
            float g = grad[i];
            if (h.weightDecay() != 0) g = Math.fma(p[i], (float) h.weightDecay(), g);
            m[i] = Math.fma(g, (float) (1 - h.beta1()), m[i] * (float) h.beta1());
            v[i] = Math.fma((float) (1 - h.beta2()) * g, g, v[i] * (float) h.beta2());
            float denom = (float) Math.sqrt(v[i] / (float) bc2) + (float) h.eps();   // sqrt(v/bc2), not sqrt(v)/sqrt(bc2)
            p[i] = p[i] + (gradStep * g) / denom;
            p[i] = p[i] + (expAvgStep * m[i]) / denom;
        }
        return muProduct;
    }

    private static void assertBits(String what, double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToRawIntBits((float) expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + "[" + i + "]: expected " + (float) expected[i] + " but was " + actual[i]);
            }
        }
    }

    private static float[] toFloats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }
}
