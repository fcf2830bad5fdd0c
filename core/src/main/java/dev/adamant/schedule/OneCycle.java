package dev.adamant.schedule;

/**
 * Torch's {@code OneCycleLR} (two phases, {@code three_phase=False}): the lr rises from
 * {@code maxLr/divFactor} to {@code maxLr} over the first {@code pctStart} of the run, then falls
 * to {@code initial/finalDivFactor}; with momentum cycling, the momentum (SGD's momentum, Adam's
 * beta1) falls from {@code maxMomentum} to {@code baseMomentum} and rises back. Same closed form,
 * same operation order as torch 1.13, so the values are torch's bit for bit.
 *
 * <pre>{@code
 * OneCycle cycle = OneCycle.of(0.01, 200);
 * group.setSchedule(cycle.lr());
 * group.addSchedule(cycle.momentum(), SgdConfig::withMomentum);   // cycle_momentum=True
 * }</pre>
 *
 * Like torch, the schedules reject steps past {@code totalSteps}.
 *
 * @param anneal cosine ({@code "cos"}) or linear annealing within each phase
 */
public record OneCycle(double maxLr, long totalSteps, double pctStart, Anneal anneal, double divFactor,
                       double finalDivFactor, double baseMomentum, double maxMomentum) {

    /** Torch's {@code anneal_strategy}. */
    public enum Anneal {
        COS, LINEAR;

        double apply(double start, double end, double pct) {
            return switch (this) {
                case COS -> end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
                case LINEAR -> (end - start) * pct + start;
            };
        }
    }

    public OneCycle {
        Schedules.nonNegative("max_lr", maxLr);
        Schedules.positiveCount("total_steps", totalSteps);
        if (!(pctStart >= 0 && pctStart <= 1)) {
            throw new IllegalArgumentException("Invalid pct_start: " + pctStart + " (must be in [0, 1])");
        }
        java.util.Objects.requireNonNull(anneal, "anneal");
        if (!(divFactor > 0) || Double.isInfinite(divFactor)) {
            throw new IllegalArgumentException("Invalid div_factor: " + divFactor + " (must be finite and > 0)");
        }
        if (!(finalDivFactor > 0) || Double.isInfinite(finalDivFactor)) {
            throw new IllegalArgumentException("Invalid final_div_factor: " + finalDivFactor + " (must be finite and > 0)");
        }
        Schedules.nonNegative("base_momentum", baseMomentum);
        Schedules.nonNegative("max_momentum", maxMomentum);
        double warmupEnd = pctStart * totalSteps - 1;
        // torch divides by each phase's length; a phase of length <= 0 would be 0/0 there
        if (!(warmupEnd > 0 && warmupEnd < totalSteps - 1)) {
            throw new IllegalArgumentException("pct_start " + pctStart + " of total_steps " + totalSteps
                    + " leaves a phase without steps (warm-up ends at step index " + warmupEnd + ")");
        }
    }

    /** Torch's defaults: pct_start 0.3, cos, div_factor 25, final_div_factor 1e4, momentum 0.85–0.95. */
    public static OneCycle of(double maxLr, long totalSteps) {
        return new OneCycle(maxLr, totalSteps, 0.3, Anneal.COS, 25, 1e4, 0.85, 0.95);
    }

    public OneCycle withPctStart(double pctStart) {
        return new OneCycle(maxLr, totalSteps, pctStart, anneal, divFactor, finalDivFactor, baseMomentum, maxMomentum);
    }

    public OneCycle withAnneal(Anneal anneal) {
        return new OneCycle(maxLr, totalSteps, pctStart, anneal, divFactor, finalDivFactor, baseMomentum, maxMomentum);
    }

    public OneCycle withDivFactors(double divFactor, double finalDivFactor) {
        return new OneCycle(maxLr, totalSteps, pctStart, anneal, divFactor, finalDivFactor, baseMomentum, maxMomentum);
    }

    public OneCycle withMomentum(double baseMomentum, double maxMomentum) {
        return new OneCycle(maxLr, totalSteps, pctStart, anneal, divFactor, finalDivFactor, baseMomentum, maxMomentum);
    }

    /** The lr schedule. */
    public Schedule lr() {
        double initial = maxLr / divFactor;
        double min = initial / finalDivFactor;
        return step -> phase(step, initial, maxLr, min);
    }

    /** The momentum (or beta1) schedule, torch's {@code cycle_momentum=True}. */
    public Schedule momentum() {
        return step -> phase(step, maxMomentum, baseMomentum, maxMomentum);
    }

    private double phase(long step, double start, double middle, double end) {
        Schedules.checkStep(step);
        long k = step - 1;
        if (k > totalSteps) {
            throw new IllegalArgumentException("Tried to step " + (k + 1) + " times. The specified number of total steps is "
                    + totalSteps);
        }
        double warmupEnd = pctStart * totalSteps - 1;
        if (k <= warmupEnd) {
            return anneal.apply(start, middle, k / warmupEnd);
        }
        return anneal.apply(middle, end, (k - warmupEnd) / (totalSteps - 1 - warmupEnd));
    }
}
