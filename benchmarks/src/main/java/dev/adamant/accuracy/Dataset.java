package dev.adamant.accuracy;

import java.util.SplittableRandom;

/**
 * A classification data set: {@code size()} samples of {@code inputs} float features (row-major)
 * with labels in {@code [0, classes)}.
 */
record Dataset(int inputs, int classes, float[] features, int[] labels) {

    Dataset {
        if (features.length != (long) labels.length * inputs) {
            throw new IllegalArgumentException(features.length + " features for " + labels.length + " samples of "
                    + inputs + " inputs");
        }
        for (int y : labels) {
            if (y < 0 || y >= classes) {
                throw new IllegalArgumentException("label " + y + " outside [0, " + classes + ")");
            }
        }
    }

    int size() {
        return labels.length;
    }

    /** The train and held-out halves of one generated problem. */
    record Split(Dataset train, Dataset heldOut) {
    }

    /**
     * The accuracy problem: inputs drawn from a standard normal, labelled by a fixed random teacher
     * network ({@code inputs → teacherHidden tanh → classes}, weights N(0, 1/fanIn)) as the class
     * whose logit is largest after Gumbel noise of scale {@code labelNoise}, i.e. a sample of
     * softmax(logits / labelNoise). The noise makes the best achievable loss positive, so that
     * train and held-out loss can both be compared, and the task is not separable by a shortcut.
     * Everything follows from {@code seed}; the held-out samples come from the same teacher.
     */
    static Split teacher(long seed, int inputs, int teacherHidden, int classes, double labelNoise, int trainSize,
                         int heldOutSize) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] w1 = gaussian(random, inputs * teacherHidden, 1 / Math.sqrt(inputs));
        double[] w2 = gaussian(random, teacherHidden * classes, 3 / Math.sqrt(teacherHidden));
        return new Split(sample(random, trainSize, inputs, teacherHidden, classes, labelNoise, w1, w2),
                sample(random, heldOutSize, inputs, teacherHidden, classes, labelNoise, w1, w2));
    }

    private static Dataset sample(SplittableRandom random, int n, int inputs, int hidden, int classes, double noise,
                                  double[] w1, double[] w2) {
        float[] x = new float[n * inputs];
        int[] y = new int[n];
        double[] h = new double[hidden];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < inputs; i++) {
                x[s * inputs + i] = (float) random.nextGaussian();
            }
            for (int j = 0; j < hidden; j++) {
                double sum = 0;
                for (int i = 0; i < inputs; i++) {
                    sum += x[s * inputs + i] * w1[i * hidden + j];
                }
                h[j] = Math.tanh(sum);
            }
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double logit = 0;
                for (int j = 0; j < hidden; j++) {
                    logit += h[j] * w2[j * classes + c];
                }
                // Gumbel-max: argmax(logit + noise·G) samples softmax(logit / noise)
                double score = logit - noise * Math.log(-Math.log(random.nextDouble(Double.MIN_NORMAL, 1)));
                if (score > best) {
                    best = score;
                    y[s] = c;
                }
            }
        }
        return new Dataset(inputs, classes, x, y);
    }

    private static double[] gaussian(SplittableRandom random, int n, double std) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextGaussian() * std;
        }
        return values;
    }
}
