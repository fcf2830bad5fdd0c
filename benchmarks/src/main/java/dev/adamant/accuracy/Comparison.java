package dev.adamant.accuracy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The runs of every variant and seed, compared with the float32 reference of the same seed: the
 * final losses and accuracies, their differences to the reference, and the smoothed loss curves.
 */
final class Comparison {
    /** Steps of the trailing mean that smooths a minibatch-loss curve. */
    static final int SMOOTHING_WINDOW = 100;

    private final Map<PrecisionVariant, List<TrainingRun.Result>> byVariant = new LinkedHashMap<>();
    private final List<Long> seeds;

    /** {@code results}: every variant with every seed, the reference among them. */
    Comparison(List<PrecisionVariant> variants, List<Long> seeds, List<TrainingRun.Result> results) {
        this.seeds = List.copyOf(seeds);
        for (PrecisionVariant v : variants) {
            List<TrainingRun.Result> runs = new ArrayList<>();
            for (long seed : seeds) {
                runs.add(results.stream().filter(r -> r.variant().equals(v) && r.seed() == seed).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("no run of " + v + " with seed " + seed)));
            }
            byVariant.put(v, runs);
        }
        if (!byVariant.containsKey(PrecisionVariant.FP32)) {
            throw new IllegalArgumentException("the float32 reference is not among the variants " + variants);
        }
    }

    List<PrecisionVariant> variants() {
        return List.copyOf(byVariant.keySet());
    }

    List<Long> seeds() {
        return seeds;
    }

    List<TrainingRun.Result> runs(PrecisionVariant v) {
        return byVariant.get(v);
    }

    /** A final metric of one variant: its mean over the seeds, and its difference to the reference per seed. */
    record Metric(double mean, double meanDifference, double largestDifference, double[] perSeed, double[] differences) {
    }

    static final ToDoubleFunction<TrainingRun.Result> TRAIN_LOSS = r -> r.train().loss();
    static final ToDoubleFunction<TrainingRun.Result> HELD_OUT_LOSS = r -> r.heldOut().loss();
    static final ToDoubleFunction<TrainingRun.Result> TRAIN_ACCURACY = r -> r.train().accuracy();
    static final ToDoubleFunction<TrainingRun.Result> HELD_OUT_ACCURACY = r -> r.heldOut().accuracy();

    /** {@code largestDifference} is the difference of largest magnitude, with its sign. */
    Metric metric(PrecisionVariant v, ToDoubleFunction<TrainingRun.Result> of) {
        List<TrainingRun.Result> runs = runs(v), reference = runs(PrecisionVariant.FP32);
        double[] values = new double[runs.size()], differences = new double[runs.size()];
        double sum = 0, sumDifference = 0, largest = 0;
        for (int s = 0; s < runs.size(); s++) {
            values[s] = of.applyAsDouble(runs.get(s));
            differences[s] = values[s] - of.applyAsDouble(reference.get(s));
            sum += values[s];
            sumDifference += differences[s];
            if (Math.abs(differences[s]) > Math.abs(largest)) {
                largest = differences[s];
            }
        }
        return new Metric(sum / runs.size(), sumDifference / runs.size(), largest, values, differences);
    }

    /** The reference's spread over seeds of a metric: largest minus smallest. */
    double referenceSpread(ToDoubleFunction<TrainingRun.Result> of) {
        double[] values = runs(PrecisionVariant.FP32).stream().mapToDouble(of).toArray();
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double x : values) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        return max - min;
    }

    /** True when every step's minibatch loss and every final figure equal the reference's, bit for bit, on every seed. */
    boolean identicalToReference(PrecisionVariant v) {
        List<TrainingRun.Result> runs = runs(v), reference = runs(PrecisionVariant.FP32);
        for (int s = 0; s < runs.size(); s++) {
            TrainingRun.Result a = runs.get(s), b = reference.get(s);
            if (!Arrays.equals(a.batchLoss(), b.batchLoss()) || !a.train().equals(b.train())
                    || !a.heldOut().equals(b.heldOut())) {
                return false;
            }
        }
        return true;
    }

    /** The minibatch loss of one variant, smoothed by a trailing mean and averaged over the seeds. */
    double[] smoothedLoss(PrecisionVariant v) {
        List<TrainingRun.Result> runs = runs(v);
        double[] mean = new double[runs.getFirst().batchLoss().length];
        for (TrainingRun.Result r : runs) {
            double[] s = smooth(r.batchLoss());
            for (int i = 0; i < mean.length; i++) {
                mean[i] += s[i] / runs.size();
            }
        }
        return mean;
    }

    /** Trailing mean over {@link #SMOOTHING_WINDOW} steps (fewer at the start). */
    static double[] smooth(float[] values) {
        double[] out = new double[values.length];
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            sum += values[i];
            if (i >= SMOOTHING_WINDOW) {
                sum -= values[i - SMOOTHING_WINDOW];
            }
            out[i] = sum / Math.min(i + 1, SMOOTHING_WINDOW);
        }
        return out;
    }
}
