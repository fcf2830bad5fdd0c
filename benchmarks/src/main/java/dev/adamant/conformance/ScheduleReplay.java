package dev.adamant.conformance;

import dev.adamant.kernel.Backend;
import dev.adamant.optim.ParamGroup;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.schedule.OneCycle;
import dev.adamant.schedule.Schedule;
import dev.adamant.schedule.Schedules;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.tensor.Ulps;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Replays an lr_schedulers case through the engine: the case's scheduler as a {@link Schedule}
 * attached to the param group of a real SGD optimizer, which is stepped {@code num_steps} times
 * (one element, zero gradient); after each step the group's lr (and momentum, for OneCycleLR) is
 * what that step ran with, and is compared with torch's.
 *
 * <p>Tolerance: relative {@value #RELATIVE_TOLERANCE}, which the golden README allows for closed
 * forms. The engine's schedules replay torch's recursive formulas where torch uses them, so the
 * reported distance (in float64 ulps) is 0 on the golden files.
 */
public final class ScheduleReplay {
    public static final double RELATIVE_TOLERANCE = 1e-9;
    private static final String PREFIX = "torch.optim.lr_scheduler.";

    private ScheduleReplay() {
    }

    /** Why this case cannot be replayed, or empty. */
    public static Optional<String> unsupportedReason(GoldenCase c) {
        if (c.schedule() == null) {
            return Optional.of("case format not recognised (no lr_per_step)");
        }
        if (!c.optimizer().equals("sgd")) {
            return Optional.of("schedule over optimizer " + c.optimizer() + " not supported yet");
        }
        try {
            schedules(c.schedule());
            return Optional.empty();
        } catch (UnsupportedOperationException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The lr schedule and the momentum schedule (or null) torch's scheduler of {@code s} stands for. */
    public static Schedule[] schedules(GoldenCase.ScheduleCase s) {
        Hyper a = new Hyper(s.args());
        double base = new Hyper(s.optimizerHyper()).number("lr", Double.NaN);
        String name = s.scheduler().startsWith(PREFIX) ? s.scheduler().substring(PREFIX.length()) : s.scheduler();
        return switch (name) {
            case "LambdaLR" -> {
                String lambda = a.text("lr_lambda", "");
                if (!lambda.equals("warmup_cosine")) {
                    throw new UnsupportedOperationException("lr_lambda " + lambda + " not supported");
                }
                yield new Schedule[] {Schedules.warmupCosine(base, count(a, "warmup"), count(a, "total")), null};
            }
            case "CosineAnnealingLR" -> new Schedule[] {
                    Schedules.cosineAnnealing(base, count(a, "T_max"), a.number("eta_min", 0)), null};
            case "StepLR" -> new Schedule[] {
                    Schedules.stepDecay(base, count(a, "step_size"), a.number("gamma", 0.1)), null};
            case "ExponentialLR" -> new Schedule[] {Schedules.exponential(base, a.number("gamma", Double.NaN)), null};
            case "LinearLR" -> new Schedule[] {Schedules.linearLr(base, a.number("start_factor", 1.0 / 3),
                    a.number("end_factor", 1.0), count(a, "total_iters", 5)), null};
            case "OneCycleLR" -> {
                if (a.flag("three_phase", false)) {
                    throw new UnsupportedOperationException("OneCycleLR three_phase not supported yet");
                }
                OneCycle cycle = new OneCycle(a.number("max_lr", Double.NaN), count(a, "total_steps"),
                        a.number("pct_start", 0.3),
                        OneCycle.Anneal.valueOf(a.text("anneal_strategy", "cos").toUpperCase(Locale.ROOT)),
                        a.number("div_factor", 25), a.number("final_div_factor", 1e4),
                        a.number("base_momentum", 0.85), a.number("max_momentum", 0.95));
                yield new Schedule[] {cycle.lr(), a.flag("cycle_momentum", true) ? cycle.momentum() : null};
            }
            default -> throw new UnsupportedOperationException("scheduler " + s.scheduler() + " not supported yet");
        };
    }

    private static long count(Hyper a, String key) {
        return count(a, key, Double.NaN);
    }

    private static long count(Hyper a, String key, double absent) {
        double v = a.number(key, absent);
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException(key + " must be a whole number, found " + v);
        }
        return (long) v;
    }

    /** Replays {@code c} on {@code backend}; engine exceptions become a failed result. */
    public static CaseResult replay(GoldenFile file, GoldenCase c, Backend backend) {
        GoldenCase.ScheduleCase s = c.schedule();
        double maxUlp = 0;
        Mismatch first = null;
        int step = 0;
        try (Tensor data = Tensor.allocate(DType.FLOAT32, 1); Tensor grad = Tensor.allocate(DType.FLOAT32, 1)) {
            Parameter p = Parameter.of("param", data);
            p.setGrad(grad);
            Recipe<SgdConfig> recipe = sgdRecipe();
            Schedule[] schedules = schedules(s);
            try (Sgd sgd = new Sgd(recipe.configurer().config(new Hyper(s.optimizerHyper())), backend)) {
                ParamGroup<SgdConfig> group = sgd.addParamGroup(List.of(p));
                group.setSchedule(schedules[0]);
                if (schedules[1] != null) {
                    group.addSchedule(schedules[1], SgdConfig::withMomentum);
                }
                for (int i = 0; i < s.lr().length; i++) {
                    step = i + 1;
                    sgd.step();
                    double[] pair = {s.lr()[i], group.lr()};
                    maxUlp = Math.max(maxUlp, Ulps.distance(pair[0], pair[1]));
                    first = first != null ? first : check(step, "lr", pair[0], pair[1]);
                    if (s.momentum() != null) {
                        double e = s.momentum()[i], m = group.config().momentum();
                        maxUlp = Math.max(maxUlp, Ulps.distance(e, m));
                        first = first != null ? first : check(step, "momentum", e, m);
                    }
                }
            }
        } catch (RuntimeException e) {
            first = first != null ? first : Mismatch.structural(step, "engine", "threw " + e);
        }
        return new CaseResult(file.fileName(), c.name(), backend.name(), backend.numerics(), first == null, maxUlp, first);
    }

    private static Mismatch check(int step, String what, double expected, double actual) {
        double rel = expected == 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
        if (rel <= RELATIVE_TOLERANCE) {
            return null;
        }
        return new Mismatch(step, what, -1, Double.toString(expected), Double.toString(actual),
                "relative " + rel + " > " + RELATIVE_TOLERANCE);
    }

    @SuppressWarnings("unchecked")
    private static Recipe<SgdConfig> sgdRecipe() {
        return (Recipe<SgdConfig>) Recipe.forName("sgd").orElseThrow();
    }
}
