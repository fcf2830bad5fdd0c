package dev.adamant.schedule;

import java.util.Objects;
import java.util.function.LongToDoubleFunction;

/**
 * Schedule building blocks. Each factory validates its arguments and names the bad value; each
 * schedule follows the {@link Schedule} convention ({@code valueAt(t)} is the lr before the t-th
 * optimizer step; torch's {@code last_epoch} is {@code t - 1}).
 *
 * <p>Torch-named schedules reproduce torch 1.13's values bit for bit: {@link #lambda},
 * {@link #warmupCosine} and {@link OneCycle} evaluate the same closed forms as torch, and
 * {@link #cosineAnnealing}, {@link #stepDecay}, {@link #exponential} and {@link #linearLr} replay
 * torch's recursive (chainable) formulas, which differ from the closed forms in the last bits.
 * "Bit for bit" up to {@code Math.cos}: torch's Python uses the C library's {@code cos}, which can
 * be 1 ulp off where Java's is not (on the golden files, once: OneCycleLR's lr at step 154).
 */
public final class Schedules {
    private Schedules() {
    }

    /** The same value at every step. */
    public static Schedule constant(double value) {
        nonNegative("value", value);
        return step -> {
            checkStep(step);
            return value;
        };
    }

    /**
     * {@code baseLr × factor(t - 1)}, as torch's {@code LambdaLR(optimizer, lr_lambda)}: the factor
     * receives torch's {@code last_epoch}, which is 0 for the first step. A negative or non-finite
     * result is rejected by the optimizer config when the step uses it.
     */
    public static Schedule lambda(double baseLr, LongToDoubleFunction factor) {
        nonNegative("base lr", baseLr);
        Objects.requireNonNull(factor, "factor");
        return step -> {
            checkStep(step);
            return baseLr * factor.applyAsDouble(step - 1);
        };
    }

    /**
     * Linear warmup from 0 to {@code peak} over {@code warmupSteps} steps, then {@code peak}: step
     * t has {@code peak × min(t-1, warmup)/warmup}, so the first step runs with 0 (as the golden
     * files' LambdaLR warmup). {@code warmupSteps} 0 is the constant {@code peak}.
     */
    public static Schedule linearWarmup(double peak, long warmupSteps) {
        nonNegative("peak lr", peak);
        nonNegativeCount("warmup steps", warmupSteps);
        return lambda(peak, k -> k < warmupSteps ? (double) k / warmupSteps : 1.0);
    }

    /**
     * Linear warmup to {@code peak}, then half a cosine down to 0 at {@code totalSteps}: torch's
     * {@code LambdaLR} with {@code lr_lambda(k) = k/warmup if k < warmup else
     * 0.5*(1+cos(pi*((k-warmup)/(total-warmup))))}, evaluated in that order so the values are
     * torch's. From {@code k = totalSteps} on the value stays 0 (the lambda itself would rise again).
     *
     * @throws IllegalArgumentException if {@code totalSteps <= 0}, {@code warmupSteps < 0} or the
     *                                  warmup is not shorter than the run
     */
    public static Schedule warmupCosine(double peak, long warmupSteps, long totalSteps) {
        nonNegative("peak lr", peak);
        positiveCount("total steps", totalSteps);
        nonNegativeCount("warmup steps", warmupSteps);
        if (warmupSteps >= totalSteps) {
            throw new IllegalArgumentException("warmup of " + warmupSteps + " steps is not shorter than the run of "
                    + totalSteps + " total steps");
        }
        return lambda(peak, k -> {
            if (k < warmupSteps) {
                return (double) k / warmupSteps;
            }
            double progress = (double) (Math.min(k, totalSteps) - warmupSteps) / (totalSteps - warmupSteps);
            return 0.5 * (1 + Math.cos(Math.PI * progress));
        });
    }

    /**
     * Torch's {@code CosineAnnealingLR(T_max, eta_min)} from {@code baseLr}, by torch's recursive
     * formula (bit-identical to torch); past {@code T_max} it rises again, as torch's does.
     */
    public static Schedule cosineAnnealing(double baseLr, long tMax, double etaMin) {
        nonNegative("base lr", baseLr);
        positiveCount("T_max", tMax);
        nonNegative("eta_min", etaMin);
        return new Recurrence(baseLr, (lr, k) -> {
            if (Math.floorMod(k - 1 - tMax, 2 * tMax) == 0) {
                return lr + (baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
            }
            return (1 + Math.cos(Math.PI * k / tMax)) / (1 + Math.cos(Math.PI * (k - 1) / tMax)) * (lr - etaMin)
                    + etaMin;
        });
    }

    /** Torch's {@code StepLR(step_size, gamma)}: the lr is multiplied by gamma every {@code stepSize} steps. */
    public static Schedule stepDecay(double baseLr, long stepSize, double gamma) {
        nonNegative("base lr", baseLr);
        positiveCount("step_size", stepSize);
        nonNegative("gamma", gamma);
        return new Recurrence(baseLr, (lr, k) -> k % stepSize == 0 ? lr * gamma : lr);
    }

    /** Torch's {@code ExponentialLR(gamma)}: the lr is multiplied by gamma every step. */
    public static Schedule exponential(double baseLr, double gamma) {
        nonNegative("base lr", baseLr);
        nonNegative("gamma", gamma);
        return new Recurrence(baseLr, (lr, k) -> lr * gamma);
    }

    /**
     * Torch's {@code LinearLR(start_factor, end_factor, total_iters)}: the factor goes linearly
     * from {@code startFactor} to {@code endFactor} over {@code totalIters} steps, then stays.
     * As torch: {@code 0 < startFactor <= 1}, {@code 0 <= endFactor <= 1}.
     */
    public static Schedule linearLr(double baseLr, double startFactor, double endFactor, long totalIters) {
        nonNegative("base lr", baseLr);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("Invalid start_factor: " + startFactor + " (must be in (0, 1])");
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("Invalid end_factor: " + endFactor + " (must be in [0, 1])");
        }
        positiveCount("total_iters", totalIters);
        return new Recurrence(baseLr * startFactor, (lr, k) -> k > totalIters ? lr
                : lr * (1.0 + (endFactor - startFactor)
                        / (totalIters * startFactor + (k - 1) * (endFactor - startFactor))));
    }

    /**
     * {@code first} up to and including step {@code boundary}, then {@code then} started afresh:
     * step {@code boundary + 1} gets {@code then.valueAt(1)} (optax's {@code join_schedules}).
     */
    public static Schedule join(Schedule first, Schedule then, long boundary) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(then, "then");
        nonNegativeCount("boundary", boundary);
        return step -> {
            checkStep(step);
            return step <= boundary ? first.valueAt(step) : then.valueAt(step - boundary);
        };
    }

    /** The product of two schedules at every step, e.g. a base schedule times a warmup factor. */
    public static Schedule multiply(Schedule a, Schedule b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        return step -> a.valueAt(step) * b.valueAt(step);
    }

    static void checkStep(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("Invalid step: " + step + " (steps are counted from 1)");
        }
    }

    static double nonNegative(String what, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Invalid " + what + ": " + value + " (must be finite and >= 0)");
        }
        return value;
    }

    static void positiveCount(String what, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("Invalid " + what + ": " + value + " (must be > 0)");
        }
    }

    static void nonNegativeCount(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("Invalid " + what + ": " + value + " (must be >= 0)");
        }
    }
}
