package dev.adamant.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adamant.kernel.Backend;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.OptimizerConfig;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.ParameterState;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.tensor.Ulps;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Replays the two clipping families through {@link Optimizer#clipGradNorm}:
 * <ul>
 *   <li>{@code clip_grad_norm}: the total norm and the clip coefficient within
 *       {@value #NORM_ULPS} ulp of torch's (a reduction, whose order differs), and the clipped
 *       gradients within {@value #GRAD_ULPS} ulp. The engine never rewrites gradients, so the clipped
 *       ones are read from the fused kernel: an SGD step with lr 1 and maximize on a parameter of
 *       {@code -0.0} leaves exactly {@code grad * coef} in the parameter.</li>
 *   <li>{@code clip_then_step}: per step, raw gradients, {@code clipGradNorm}, then the optimizer's
 *       step; the total norm within {@value #NORM_ULPS} ulp, the parameters and state compared as
 *       in every optimizer case.</li>
 * </ul>
 */
public final class ClipReplay {
    public static final String CLIP_GRAD_NORM = "clip_grad_norm";
    public static final String CLIP_THEN_STEP = "clip_then_step";
    public static final long NORM_ULPS = 2;
    public static final long GRAD_ULPS = 4;

    private ClipReplay() {
    }

    /** Why {@code c} of family {@code family} cannot be replayed, or empty. */
    public static Optional<String> unsupportedReason(String family, GoldenCase c) {
        JsonNode j = c.source();
        if (!c.dtype().equals("float32") && !c.dtype().equals("float64")) {
            return Optional.of("dtype " + c.dtype() + " not supported yet");
        }
        JsonNode normType = family.equals(CLIP_THEN_STEP) ? j.path("clip").path("norm_type") : j.path("norm_type");
        if (!normType.isNumber() && !normType.asText().equals("inf")) {
            return Optional.of("norm_type " + normType + " not supported");
        }
        if (normType.isNumber() && normType.asDouble() != 2) {
            return Optional.of("norm_type " + normType + " not supported yet");
        }
        if (family.equals(CLIP_GRAD_NORM)) {
            return j.has("tensors") && j.has("total_norm") && j.has("max_norm") ? Optional.empty()
                    : Optional.of("case format not recognised (no tensors/max_norm/total_norm)");
        }
        Optional<Recipe<?>> recipe = Recipe.forName(c.optimizer());
        if (recipe.isEmpty()) {
            return Optional.of("optimizer " + c.optimizer() + " not supported yet");
        }
        if (!j.has("params") || !j.has("steps") || !j.path("clip").has("max_norm")) {
            return Optional.of("case format not recognised (no params/steps/clip)");
        }
        return new Hyper((ObjectNode) j.path("hyper")).unknownKey(recipe.get().keys())
                .map(k -> "hyperparameter " + k + " not supported yet");
    }

    static double normType(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.POSITIVE_INFINITY;
    }

    /** Replays an accepted case; engine exceptions become a failed result. */
    public static CaseResult replay(GoldenFile file, GoldenCase c, Backend backend) {
        Score score = new Score();
        try {
            if (file.family().equals(CLIP_GRAD_NORM)) {
                clipOnly(c, backend, score);
            } else {
                clipThenStep(Recipe.forName(c.optimizer()).orElseThrow(), file, c, backend, score);
            }
        } catch (RuntimeException e) {
            score.fail(Mismatch.structural(score.step, "engine", "threw " + e));
        }
        return new CaseResult(file.fileName(), c.name(), backend.name(), backend.numerics(), score.first == null,
                score.max, score.first);
    }

    private static void clipOnly(GoldenCase c, Backend backend, Score score) {
        JsonNode j = c.source();
        DType dtype = dtype(c);
        List<Tensor> owned = new ArrayList<>();
        score.step = 1;
        try (Sgd sgd = new Sgd(SgdConfig.sgd().withLr(1).withMaximize(true), backend)) {
            List<Parameter> params = new ArrayList<>();
            int k = 0;
            for (JsonNode t : j.get("tensors")) {
                double[] grad = values(t.get("grad"));
                Tensor data = EngineTensors.own(owned, Tensor.allocate(dtype, grad.length));
                data.fill(-0.0);
                Parameter p = Parameter.of("t" + k++, data);
                p.setGrad(EngineTensors.own(owned, EngineTensors.tensor(dtype, grad)));
                params.add(p);
            }
            sgd.addParamGroup(params);
            double total = sgd.clipGradNorm(j.get("max_norm").asDouble(), normType(j.get("norm_type")));
            scalar(score, "total_norm", dtype, j.get("total_norm").asDouble(), total, NORM_ULPS);
            scalar(score, "clip_coef", dtype, j.get("clip_coef").asDouble(), sgd.pendingGradScale(), NORM_ULPS);
            sgd.step();
            JsonNode after = j.get("grads_after");
            for (int i = 0; i < params.size(); i++) {
                tensor(score, "grads_after[" + i + "]", dtype, values(after.get(i)), EngineTensors.values(params.get(i).data()),
                        GRAD_ULPS);
            }
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    private static <C extends OptimizerConfig<C>> void clipThenStep(Recipe<C> recipe, GoldenFile file, GoldenCase c,
                                                                     Backend backend, Score score) {
        JsonNode j = c.source();
        DType dtype = dtype(c);
        double maxNorm = j.path("clip").get("max_norm").asDouble();
        double normType = normType(j.path("clip").path("norm_type"));
        Comparison comparison = new Comparison(backend.numerics(), file.nanMatchesNan());
        List<Tensor> owned = new ArrayList<>();
        C config = recipe.configurer().config(new Hyper((ObjectNode) j.get("hyper")));
        try (Optimizer<C, ?> optimizer = recipe.factory().create(config, backend)) {
            List<Parameter> params = new ArrayList<>();
            List<Tensor> grads = new ArrayList<>();
            int k = 0;
            for (JsonNode p : j.get("params")) {
                double[] initial = values(p.get("initial_params"));
                params.add(Parameter.of("t" + k++, EngineTensors.own(owned, EngineTensors.tensor(dtype, initial))));
                grads.add(EngineTensors.own(owned, Tensor.allocate(dtype, initial.length)));
            }
            optimizer.addParamGroup(params);
            for (JsonNode s : j.get("steps")) {
                score.step = s.path("step").asInt(-1);
                for (int i = 0; i < params.size(); i++) {
                    EngineTensors.copy(grads.get(i), values(s.get("raw_grads").get(i)));
                    params.get(i).setGrad(grads.get(i));
                }
                double total = optimizer.clipGradNorm(maxNorm, normType);
                if (s.has("total_norm")) {
                    scalar(score, "total_norm", dtype, s.get("total_norm").asDouble(), total, NORM_ULPS);
                }
                double coef = optimizer.pendingGradScale();
                JsonNode clipped = s.get("clipped_grads");
                for (int i = 0; clipped != null && i < params.size(); i++) {
                    double[] raw = values(s.get("raw_grads").get(i)), scaled = new double[raw.length];
                    for (int e = 0; e < raw.length; e++) {
                        scaled[e] = dtype == DType.FLOAT32 ? (float) raw[e] * (float) coef : raw[e] * coef;
                    }
                    tensor(score, "clipped_grads[" + i + "]", dtype, values(clipped.get(i)), scaled, GRAD_ULPS);
                }
                optimizer.step();
                for (int i = 0; i < params.size(); i++) {
                    String name = params.get(i).name();
                    if (s.has("params_after")) {
                        score.add(comparison.compare(score.step, name, dtype, values(s.get("params_after").get(i)),
                                EngineTensors.values(params.get(i).data())));
                    }
                    JsonNode state = s.path("state_after").path(i);
                    if (!state.isObject()) {
                        continue;
                    }
                    ParameterState st = optimizer.state(params.get(i)).orElseThrow();
                    for (Map.Entry<String, JsonNode> field : state.properties()) {
                        if (!field.getValue().isArray()) {
                            continue; // the step count
                        }
                        Tensor actual = st.tensors().get(field.getKey());
                        if (actual == null) {
                            score.fail(Mismatch.structural(score.step, name + "." + field.getKey(),
                                    "missing from the engine's state"));
                        } else {
                            score.add(comparison.compare(score.step, name + "." + field.getKey(), dtype,
                                    values(field.getValue()), EngineTensors.values(actual)));
                        }
                    }
                }
            }
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    private static DType dtype(GoldenCase c) {
        return c.dtype().equals("float64") ? DType.FLOAT64 : DType.FLOAT32;
    }

    private static void scalar(Score score, String what, DType dtype, double expected, double actual, long bound) {
        tensor(score, what, dtype, new double[] {expected}, new double[] {actual}, bound);
    }

    private static void tensor(Score score, String what, DType dtype, double[] expected, double[] actual, long bound) {
        if (expected.length != actual.length) {
            score.fail(Mismatch.structural(score.step, what, "size " + actual.length + ", torch has " + expected.length));
            return;
        }
        for (int i = 0; i < expected.length; i++) {
            long d = dtype == DType.FLOAT32 ? Ulps.distance((float) expected[i], (float) actual[i])
                    : Ulps.distance(expected[i], actual[i]);
            score.max = Math.max(score.max, d);
            if (d > bound) {
                String e = dtype == DType.FLOAT32 ? Float.toString((float) expected[i]) : Double.toString(expected[i]);
                String a = dtype == DType.FLOAT32 ? Float.toString((float) actual[i]) : Double.toString(actual[i]);
                score.fail(new Mismatch(score.step, what, expected.length == 1 ? -1 : i, e, a,
                        d + " ulp > " + bound));
            }
        }
    }

    private static double[] values(JsonNode array) {
        double[] v = new double[array.size()];
        for (int i = 0; i < v.length; i++) {
            JsonNode n = array.get(i);
            v[i] = n.isNumber() ? n.asDouble() : Double.parseDouble(n.asText());
        }
        return v;
    }

    /** The worst distance and the first mismatch over a whole replay. */
    private static final class Score {
        int step;
        double max;
        Mismatch first;

        void add(Comparison.Verdict v) {
            max = Math.max(max, v.score());
            if (v.mismatch() != null) {
                fail(v.mismatch());
            }
        }

        void fail(Mismatch m) {
            if (first == null) {
                first = m;
            }
        }
    }
}
