package dev.adamant.accuracy;

import java.util.Arrays;

/**
 * The small training problem of the accuracy report: a generated data set and the shape of the
 * MLP that learns it.
 *
 * @param widths the model's inputs, hidden widths and classes
 */
record Problem(Dataset.Split data, int[] widths) {

    /**
     * 64 Gaussian inputs labelled by a random 64-32-10 tanh teacher with label noise; 32768
     * training and 4096 held-out samples; a 64-128-128-10 ReLU student of 26,122 parameters, whose
     * two large weights (8192 and 16384 elements) are above {@code StateFormat}'s small-tensor
     * threshold, so they get the compact state and the rest stays float32.
     */
    static Problem standard() {
        return withSamples(32768, 4096);
    }

    /** The standard problem with fewer samples (the same teacher and model), for short runs in tests. */
    static Problem withSamples(int train, int heldOut) {
        return new Problem(Dataset.teacher(20261123L, 64, 32, 10, 0.1, train, heldOut), new int[] {64, 128, 128, 10});
    }

    Mlp model(int batch) {
        return new Mlp(batch, widths);
    }

    String describe() {
        return "MLP " + String.join("-", Arrays.stream(widths).mapToObj(String::valueOf).toList()) + " (ReLU), "
                + model(1).parameterCount() + " parameters; " + data.train().size() + " training and "
                + data.heldOut().size() + " held-out samples";
    }
}
