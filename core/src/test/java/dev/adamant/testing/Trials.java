package dev.adamant.testing;

import java.util.SplittableRandom;

/**
 * A seeded property check: {@code tries} trials, each with its own {@link SplittableRandom} derived
 * from the seed and the trial number, so a failure names the one trial to replay. The runs are
 * deterministic: the same seed and tries give the same inputs on every machine.
 *
 * <p>Replay one trial with {@code -Dadamant.trial=N} (only that trial runs).
 */
public final class Trials {
    private Trials() {
    }

    /** One trial: check the property on inputs drawn from {@code random}. */
    @FunctionalInterface
    public interface Trial {
        void run(SplittableRandom random, int trial) throws Exception;
    }

    public static void check(String property, long seed, int tries, Trial trial) {
        String only = System.getProperty("adamant.trial");
        for (int t = 0; t < tries; t++) {
            if (only != null && Integer.parseInt(only) != t) {
                continue;
            }
            try {
                trial.run(random(seed, t), t);
            } catch (Throwable e) {
                throw new AssertionError(property + ": trial " + t + " (seed " + seed + ") failed; replay it alone with "
                        + "-Dadamant.trial=" + t + ": " + e, e);
            }
        }
    }

    /** Trial {@code t}'s generator: independent of every other trial's. */
    public static SplittableRandom random(long seed, int t) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (t + 1)));
    }
}
