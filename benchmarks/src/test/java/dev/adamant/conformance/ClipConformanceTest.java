package dev.adamant.conformance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamState;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * clip_grad_norm.json through {@code Optimizer.clipGradNorm} on every EXACT backend (total norm and
 * coefficient within 2 ulp, clipped gradients within 4), and a synthetic {@code clip_then_step} case:
 * torch's recipe (clip the gradients in place, then a plain AdamW step) written down by the scalar
 * reference, replayed with the coefficient fused into the kernels, which must give the same bits.
 */
class ClipConformanceTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Stream<Arguments> clipCases() {
        GoldenFile file = GoldenFiles.read("clip_grad_norm.json");
        return file.cases().stream().flatMap(c -> Backends.all(Numerics.EXACT).castToList().stream()
                .map(b -> Arguments.of(c.name() + " " + b, file, c, b)));
    }

    @Test
    void everyClipCaseIsSupported() {
        GoldenFile file = GoldenFiles.read("clip_grad_norm.json");
        assertEquals(7, file.cases().size());
        for (GoldenCase c : file.cases()) {
            assertEquals(Optional.empty(), Replayer.unsupportedReason(file, c), c.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clipCases")
    void clipCasePasses(String label, GoldenFile file, GoldenCase c, Backend backend) {
        CaseResult r = new Replayer(backend).replay(file, c);
        assertTrue(r.passed(), () -> label + ": " + r.firstMismatch().describe());
        assertTrue(r.maxUlp() <= ClipReplay.NORM_ULPS, () -> label + ": " + r.maxText());
    }

    private static ArrayNode array(float[] values) {
        ArrayNode a = MAPPER.createArrayNode();
        for (float v : values) a.add(v);
        return a;
    }

    /** A clip_then_step case as the golden README describes it, recorded with in-place clipping. */
    static GoldenFile syntheticClipThenStep(double normType) {
        Random r = new Random(11);
        int[] sizes = {12, 5, 33};
        double maxNorm = 0.5;
        ObjectNode c = MAPPER.createObjectNode();
        c.put("name", "synthetic_adamw_clip" + normType);
        c.put("optimizer", "adamw");
        c.put("dtype", "float32");
        ObjectNode hyper = c.putObject("hyper");
        hyper.put("lr", 0.01);
        hyper.putArray("betas").add(0.9).add(0.999);
        hyper.put("eps", 1e-8);
        hyper.put("weight_decay", 0.01);
        hyper.put("amsgrad", false);
        hyper.put("maximize", false);
        ObjectNode clip = c.putObject("clip");
        clip.put("max_norm", maxNorm);
        if (Double.isInfinite(normType)) clip.put("norm_type", "inf"); else clip.put("norm_type", normType);
        ArrayNode params = c.putArray("params");
        ArrayNode steps = c.putArray("steps");
        Tensor[] data = new Tensor[sizes.length], grads = new Tensor[sizes.length];
        try (AdamW opt = new AdamW(AdamConfig.adamW().withLr(0.01), Backends.scalar(Numerics.EXACT))) {
            Parameter[] ps = new Parameter[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                float[] init = new float[sizes[i]];
                for (int e = 0; e < init.length; e++) init[e] = (float) r.nextGaussian();
                data[i] = Tensor.ofFloats(init);
                grads[i] = Tensor.allocate(dev.adamant.tensor.DType.FLOAT32, sizes[i]);
                ps[i] = Parameter.of(data[i]);
                ps[i].setGrad(grads[i]);
                ObjectNode p = params.addObject();
                p.putArray("shape").add(sizes[i]);
                p.put("size", sizes[i]);
                p.set("initial_params", array(init));
            }
            opt.addParamGroup(List.of(ps));
            for (int step = 1; step <= 4; step++) {
                ObjectNode s = steps.addObject();
                s.put("step", step);
                ArrayNode raw = s.putArray("raw_grads"), clipped = s.putArray("clipped_grads");
                float[][] g = new float[sizes.length][];
                double acc = 0;
                for (int i = 0; i < sizes.length; i++) {
                    g[i] = new float[sizes[i]];
                    double sq = 0, max = 0;
                    for (int e = 0; e < sizes[i]; e++) {
                        g[i][e] = (float) (r.nextGaussian() * (step == 3 ? 1e-3 : 2));
                        sq += (double) g[i][e] * g[i][e];
                        max = Math.max(max, Math.abs(g[i][e]));
                    }
                    float norm = Double.isInfinite(normType) ? (float) max : (float) Math.sqrt(sq);
                    acc = Double.isInfinite(normType) ? Math.max(acc, norm) : acc + (double) norm * norm;
                    raw.add(array(g[i]));
                }
                float total = (float) (Double.isInfinite(normType) ? acc : Math.sqrt(acc));
                float coef = Math.min((1f / (total + 1e-6f)) * (float) maxNorm, 1f);
                s.put("total_norm", total);
                for (int i = 0; i < sizes.length; i++) {
                    for (int e = 0; e < sizes[i]; e++) g[i][e] *= coef;   // torch's in-place clip
                    grads[i].copyFrom(g[i]);
                    clipped.add(array(g[i]));
                }
                opt.step();
                ArrayNode after = s.putArray("params_after"), state = s.putArray("state_after");
                for (int i = 0; i < sizes.length; i++) {
                    after.add(array(data[i].toFloatArray()));
                    AdamState st = opt.state(ps[i]).orElseThrow();
                    ObjectNode o = state.addObject();
                    o.put("step", step);
                    o.set("exp_avg", array(st.expAvg().toFloatArray()));
                    o.set("exp_avg_sq", array(st.expAvgSq().toFloatArray()));
                }
            }
        } finally {
            for (int i = 0; i < sizes.length; i++) {
                data[i].close();
                grads[i].close();
            }
        }
        return new GoldenFile("synthetic_clip_then_step.json", ClipReplay.CLIP_THEN_STEP, "must-match",
                List.of(GoldenCase.parse(c)));
    }

    static Stream<Arguments> syntheticCases() {
        return Stream.of(2.0, Double.POSITIVE_INFINITY).flatMap(n -> Backends.all(Numerics.EXACT).castToList().stream()
                .map(b -> Arguments.of("norm " + n + " " + b, syntheticClipThenStep(n), b)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("syntheticCases")
    void clipThenStepFusedEqualsInPlaceClipping(String label, GoldenFile file, Backend backend) {
        GoldenCase c = file.cases().getFirst();
        assertEquals(Optional.empty(), Replayer.unsupportedReason(file, c));
        CaseResult r = new Replayer(backend).replay(file, c);
        assertTrue(r.passed(), () -> label + ": " + r.firstMismatch().describe());
        assertEquals(0, r.maxUlp(), () -> label + ": " + r.maxText());
    }
}
