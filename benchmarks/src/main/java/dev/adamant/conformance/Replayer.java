package dev.adamant.conformance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.adamant.kernel.Backend;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.OptimizerConfig;
import dev.adamant.optim.ParamGroup;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.ParameterState;
import dev.adamant.schedule.Schedule;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Replays a golden case through the real engine, as torch ran it: one optimizer over the case's
 * param groups, a gradient set on each parameter (or none) before every {@code step()}, and the
 * parameters and every recorded state tensor compared after each checkpoint step.
 *
 * <p>It goes through the optimizer's public API (see {@link Recipe}) rather than calling a kernel directly, so the
 * conformance check also covers param groups, skipped parameters, per-parameter step counts and
 * config changes between steps.
 */
public final class Replayer {
    private static final Set<String> CLIP_FAMILIES = Set.of(ClipReplay.CLIP_GRAD_NORM, ClipReplay.CLIP_THEN_STEP);

    private static final String LR_SCHEDULERS = "lr_schedulers";

    private final Backend backend;

    public Replayer(Backend backend) {
        this.backend = backend;
    }

    /**
     * Why {@code c} cannot be replayed yet, or why its recipe declines it ({@link Recipe#declineReason}),
     * or empty when it can be replayed and must match.
     */
    public static Optional<String> unsupportedReason(GoldenFile file, GoldenCase c) {
        if (CLIP_FAMILIES.contains(file.family())) {
            return ClipReplay.unsupportedReason(file.family(), c);
        }
        if (file.family().equals(LR_SCHEDULERS)) {
            return ScheduleReplay.unsupportedReason(c);
        }
        Optional<Recipe<?>> recipe = Recipe.forName(c.optimizer());
        if (recipe.isEmpty()) {
            return Optional.of(c.optimizer().isEmpty() ? "not an optimizer case"
                    : "optimizer " + c.optimizer() + " not supported yet");
        }
        if (!c.dtype().equals("float32") && !c.dtype().equals("float64")) {
            return Optional.of("dtype " + c.dtype() + " not supported yet");
        }
        if (!c.isReplay()) {
            return Optional.of("case format not recognised (no initial_params/param_groups and steps)");
        }
        for (GoldenCase.Group g : c.groups()) {
            Optional<String> key = new Hyper(g.hyper()).unknownKey(recipe.get().keys());
            if (key.isPresent()) {
                return Optional.of("hyperparameter " + key.get() + " not supported yet");
            }
        }
        for (GoldenCase.Step s : c.steps()) {
            Optional<String> key = new Hyper(s.overrides()).unknownKey(recipe.get().keys());
            if (key.isPresent()) {
                return Optional.of("per-step " + key.get() + " not supported yet");
            }
        }
        // a case the engine deliberately differs from (e.g. a torch bug the engine does not reproduce)
        return recipe.get().declineReason(c);
    }

    /** Replays a case that {@link #unsupportedReason} accepts. Engine exceptions become a failed result. */
    public CaseResult replay(GoldenFile file, GoldenCase c) {
        unsupportedReason(file, c).ifPresent(reason -> {
            throw new IllegalArgumentException(c.name() + ": " + reason);
        });
        if (file.family().equals(LR_SCHEDULERS)) {
            return ScheduleReplay.replay(file, c, backend);
        }
        if (CLIP_FAMILIES.contains(file.family())) {
            return ClipReplay.replay(file, c, backend);
        }
        return replay(Recipe.forName(c.optimizer()).orElseThrow(), file, c, null);
    }

    /**
     * Replays an optimizer case with every group's lr driven by {@code lr} (attached with
     * {@code ParamGroup.setSchedule}) instead of the step records' {@code lr} fields, which are
     * ignored; any other per-step override still applies.
     */
    public CaseResult replay(GoldenFile file, GoldenCase c, Schedule lr) {
        Objects.requireNonNull(lr, "lr");
        unsupportedReason(file, c).ifPresent(reason -> {
            throw new IllegalArgumentException(c.name() + ": " + reason);
        });
        if (file.family().equals(LR_SCHEDULERS) || CLIP_FAMILIES.contains(file.family())) {
            throw new IllegalArgumentException(c.name() + ": not an optimizer case");
        }
        return replay(Recipe.forName(c.optimizer()).orElseThrow(), file, c, lr);
    }

    private <C extends OptimizerConfig<C>> CaseResult replay(Recipe<C> recipe, GoldenFile file, GoldenCase c,
                                                             Schedule lr) {
        Comparison comparison = new Comparison(backend.numerics(), file.nanMatchesNan());
        Score score = new Score();
        DType dtype = c.dtype().equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
        List<GoldenCase.GoldenTensor> specs = c.tensors();
        List<Tensor> owned = new ArrayList<>();
        int step = 0;
        try {
            List<Parameter> params = new ArrayList<>();
            List<Tensor> grads = new ArrayList<>();
            for (GoldenCase.GoldenTensor t : specs) {
                params.add(Parameter.of(t.name(), EngineTensors.own(owned, EngineTensors.tensor(dtype, t.initial()))));
                grads.add(EngineTensors.own(owned, Tensor.allocate(dtype, t.initial().length)));
            }
            List<Hyper> hypers = c.groups().stream().map(g -> new Hyper(g.hyper())).toList();
            try (Optimizer<C, ?> optimizer = recipe.factory().create(recipe.configurer().config(hypers.getFirst()), backend)) {
                List<ParamGroup<C>> groups = new ArrayList<>();
                int next = 0;
                for (int g = 0; g < c.groups().size(); g++) {
                    C config = recipe.configurer().config(hypers.get(g));
                    int n = c.groups().get(g).params().size();
                    ParamGroup<C> group = optimizer.addParamGroup(params.subList(next, next + n), unused -> config);
                    group.setSchedule(lr);
                    groups.add(group);
                    next += n;
                }
                long[] expectedSteps = new long[params.size()];
                for (GoldenCase.Step s : c.steps()) {
                    step = s.step();
                    for (int g = 0; g < groups.size(); g++) {
                        // an override holds for this step only: every step starts again from hyper
                        ObjectNode overrides = s.overrides();
                        if (lr != null) {
                            overrides = overrides.deepCopy();
                            overrides.remove("lr");
                        }
                        groups.get(g).setConfig(recipe.configurer().config(hypers.get(g).with(overrides)));
                    }
                    for (int i = 0; i < params.size(); i++) {
                        double[] grad = s.grads().get(i);
                        if (grad == null) {
                            params.get(i).setGrad(null);
                        } else {
                            EngineTensors.copy(grads.get(i), grad);
                            params.get(i).setGrad(grads.get(i));
                            expectedSteps[i]++;
                        }
                    }
                    optimizer.step();
                    if (s.paramsAfter() != null) {
                        check(comparison, score, s, dtype, optimizer, params, specs, expectedSteps);
                    }
                }
            }
        } catch (RuntimeException e) {
            score.fail(Mismatch.structural(step, "engine", "threw " + e));
        } finally {
            owned.forEach(Tensor::close);
        }
        return new CaseResult(file.fileName(), c.name(), backend.name(), backend.numerics(),
                score.first == null, score.max, score.first);
    }

    private static void check(Comparison comparison, Score score, GoldenCase.Step s, DType dtype, Optimizer<?, ?> optimizer,
                              List<Parameter> params, List<GoldenCase.GoldenTensor> specs, long[] expectedSteps) {
        boolean single = params.size() == 1;
        for (int i = 0; i < params.size(); i++) {
            String prefix = single ? "" : specs.get(i).name() + ".";
            String paramName = single ? "param" : specs.get(i).name();
            double[] expectedParam = s.paramsAfter().get(i);
            if (expectedParam != null) {
                score.add(comparison.compare(s.step(), paramName, dtype, expectedParam, EngineTensors.values(params.get(i).data())));
            }
            Map<String, double[]> expectedState = s.stateAfter() == null ? null : s.stateAfter().get(i);
            if (expectedState == null || expectedState.isEmpty()) {
                continue;
            }
            Optional<? extends ParameterState> state = optimizer.state(params.get(i));
            if (state.isEmpty()) {
                score.fail(Mismatch.structural(s.step(), paramName, "torch has state, the engine has none"));
                continue;
            }
            if (state.get().step() != expectedSteps[i]) {
                score.fail(new Mismatch(s.step(), prefix + "step", -1, Long.toString(expectedSteps[i]),
                        Long.toString(state.get().step()), "steps with a gradient"));
            }
            var tensors = state.get().tensors();
            var scalars = state.get().scalars();
            for (Map.Entry<String, double[]> field : expectedState.entrySet()) {
                String name = field.getKey();
                Tensor actual = tensors.get(name);
                if (actual != null) {
                    score.add(comparison.compare(s.step(), prefix + name, dtype, field.getValue(), EngineTensors.values(actual)));
                } else if (scalars.containsKey(name)) {
                    // torch keeps scalar state (nadam's mu_product) as a float32 0-dim tensor
                    score.add(comparison.compare(s.step(), prefix + name, DType.FLOAT32, field.getValue(),
                            new double[] {scalars.get(name)}));
                } else {
                    score.fail(Mismatch.structural(s.step(), prefix + name, "missing from the engine's state"));
                }
            }
        }
    }

    /** The worst score and the first mismatch over a whole replay. */
    private static final class Score {
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
