package dev.adamant.accuracy;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A multilayer perceptron classifier with ReLU hidden layers and a softmax cross-entropy loss, in
 * plain Java over {@code float[]}: forward and backward for a minibatch, and the loss and accuracy
 * over a whole data set. Its parameters are handed in on every call (as the model sees them: bf16
 * weights decoded to float32), in the order of {@link #tensorNames()}: {@code w1, b1, w2, b2, ...};
 * a weight {@code wK} is stored {@code [fanIn][fanOut]}, row-major, so that the inner loops of
 * both passes run along contiguous rows, which C2 vectorizes.
 *
 * <p>Arithmetic is float32; the loss is summed in double. Not thread-safe: each instance keeps its
 * activation buffers.
 */
final class Mlp {
    private final int[] widths;
    private final int layers;
    private final int maxBatch;
    // per layer: its input activations (layer 0: the batch), pre-activation gradients, a transposed weight
    private final float[][] activations;
    private final float[][] deltas;
    private final float[][] transposed;

    /** {@code widths}: inputs, each hidden layer, classes; e.g. {@code 64, 128, 128, 10}. */
    Mlp(int maxBatch, int... widths) {
        if (widths.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least inputs and classes, got " + Arrays.toString(widths));
        }
        for (int w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException("layer widths must be positive, got " + Arrays.toString(widths));
            }
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + maxBatch);
        }
        this.widths = widths.clone();
        this.layers = widths.length - 1;
        this.maxBatch = maxBatch;
        activations = new float[layers + 1][];
        deltas = new float[layers + 1][];
        transposed = new float[layers][];
        for (int l = 0; l <= layers; l++) {
            activations[l] = new float[maxBatch * widths[l]];
            deltas[l] = new float[maxBatch * widths[l]];
        }
        for (int l = 0; l < layers; l++) {
            transposed[l] = new float[widths[l] * widths[l + 1]];
        }
    }

    int inputs() {
        return widths[0];
    }

    int classes() {
        return widths[layers];
    }

    int[] widths() {
        return widths.clone();
    }

    /** {@code w1, b1, w2, b2, ...}. */
    String[] tensorNames() {
        String[] names = new String[2 * layers];
        for (int l = 0; l < layers; l++) {
            names[2 * l] = "w" + (l + 1);
            names[2 * l + 1] = "b" + (l + 1);
        }
        return names;
    }

    /** Elements of each tensor, in the order of {@link #tensorNames()}. */
    int[] tensorSizes() {
        int[] sizes = new int[2 * layers];
        for (int l = 0; l < layers; l++) {
            sizes[2 * l] = widths[l] * widths[l + 1];
            sizes[2 * l + 1] = widths[l + 1];
        }
        return sizes;
    }

    long parameterCount() {
        return Arrays.stream(tensorSizes()).asLongStream().sum();
    }

    /**
     * Torch's {@code nn.Linear} initialisation: weights and biases uniform in ±1/√fanIn (Kaiming
     * uniform with a = √5 gives exactly this bound for the weights).
     */
    float[][] initialParameters(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] sizes = tensorSizes();
        float[][] params = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            double bound = 1 / Math.sqrt(widths[t / 2]);
            params[t] = new float[sizes[t]];
            for (int i = 0; i < sizes[t]; i++) {
                params[t][i] = (float) random.nextDouble(-bound, bound);
            }
        }
        return params;
    }

    /**
     * The mean cross-entropy over the samples {@code batch} of {@code data}, and its gradient with
     * respect to every parameter, written into {@code grads} (overwritten, not accumulated).
     */
    double lossAndGradient(float[][] params, Dataset data, int[] batch, float[][] grads) {
        int n = batch.length;
        checkBatch(n);
        load(data, batch, 0, n);
        forward(params, n);
        double loss = softmaxCrossEntropy(data, batch, 0, n, deltas[layers], null);
        backward(params, n, grads);
        return loss / n;
    }

    /** Mean loss and accuracy over every sample of {@code data}, in batches; no gradient. */
    Evaluation evaluate(float[][] params, Dataset data) {
        int[] all = new int[data.size()];
        Arrays.setAll(all, i -> i);
        double loss = 0;
        int[] correct = new int[1];
        for (int from = 0; from < all.length; from += maxBatch) {
            int n = Math.min(maxBatch, all.length - from);
            load(data, all, from, n);
            forward(params, n);
            loss += softmaxCrossEntropy(data, all, from, n, null, correct);
        }
        return new Evaluation(loss / all.length, (double) correct[0] / all.length);
    }

    /** Mean cross-entropy and the fraction of samples whose largest logit is the label. */
    record Evaluation(double loss, double accuracy) {
    }

    private void checkBatch(int n) {
        if (n < 1 || n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " samples; this model takes 1 to " + maxBatch);
        }
    }

    private void load(Dataset data, int[] samples, int from, int n) {
        if (data.inputs() != widths[0] || data.classes() != widths[layers]) {
            throw new IllegalArgumentException("data set of " + data.inputs() + " inputs and " + data.classes()
                    + " classes; the model has " + widths[0] + " and " + widths[layers]);
        }
        int in = widths[0];
        for (int s = 0; s < n; s++) {
            System.arraycopy(data.features(), samples[from + s] * in, activations[0], s * in, in);
        }
    }

    private void forward(float[][] params, int n) {
        for (int l = 0; l < layers; l++) {
            float[] x = activations[l], z = activations[l + 1], w = params[2 * l], b = params[2 * l + 1];
            int fanIn = widths[l], fanOut = widths[l + 1];
            boolean hidden = l < layers - 1;
            for (int s = 0; s < n; s++) {
                int zo = s * fanOut;
                System.arraycopy(b, 0, z, zo, fanOut);
                for (int i = 0; i < fanIn; i++) {
                    float xi = x[s * fanIn + i];
                    if (xi == 0) {
                        continue; // after a ReLU about half the inputs are zero
                    }
                    int wo = i * fanOut;
                    for (int j = 0; j < fanOut; j++) {
                        z[zo + j] += xi * w[wo + j];
                    }
                }
                if (hidden) {
                    for (int j = 0; j < fanOut; j++) {
                        z[zo + j] = Math.max(z[zo + j], 0f);
                    }
                }
            }
        }
    }

    /**
     * Sums the cross-entropy of the logits in the last activation buffer; writes d(sum of losses / n)
     * / d(logits) into {@code dLogits} if given, and counts correct predictions into {@code correct[0]} if given.
     */
    private double softmaxCrossEntropy(Dataset data, int[] samples, int from, int n, float[] dLogits, int[] correct) {
        float[] logits = activations[layers];
        int c = widths[layers];
        double total = 0;
        for (int s = 0; s < n; s++) {
            int o = s * c, label = data.labels()[samples[from + s]];
            float max = logits[o];
            int argmax = 0;
            for (int j = 1; j < c; j++) {
                if (logits[o + j] > max) {
                    max = logits[o + j];
                    argmax = j;
                }
            }
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += Math.exp(logits[o + j] - max);
            }
            double logSumExp = max + Math.log(sum);
            total += logSumExp - logits[o + label];
            if (correct != null && argmax == label) {
                correct[0]++;
            }
            if (dLogits != null) {
                for (int j = 0; j < c; j++) {
                    double p = Math.exp(logits[o + j] - logSumExp);
                    dLogits[o + j] = (float) ((p - (j == label ? 1 : 0)) / n);
                }
            }
        }
        return total;
    }

    private void backward(float[][] params, int n, float[][] grads) {
        for (int l = layers - 1; l >= 0; l--) {
            float[] x = activations[l], dz = deltas[l + 1], w = params[2 * l];
            float[] dw = grads[2 * l], db = grads[2 * l + 1];
            int fanIn = widths[l], fanOut = widths[l + 1];
            Arrays.fill(dw, 0f);
            Arrays.fill(db, 0f);
            for (int s = 0; s < n; s++) {
                int zo = s * fanOut;
                for (int j = 0; j < fanOut; j++) {
                    db[j] += dz[zo + j];
                }
                for (int i = 0; i < fanIn; i++) {
                    float xi = x[s * fanIn + i];
                    if (xi == 0) {
                        continue;
                    }
                    int wo = i * fanOut;
                    for (int j = 0; j < fanOut; j++) {
                        dw[wo + j] += xi * dz[zo + j];
                    }
                }
            }
            if (l == 0) {
                break; // no gradient for the inputs
            }
            // dx = dz · wᵀ as row updates over a transposed copy (a dot product per element would not vectorize)
            float[] wt = transposed[l];
            for (int i = 0; i < fanIn; i++) {
                for (int j = 0; j < fanOut; j++) {
                    wt[j * fanIn + i] = w[i * fanOut + j];
                }
            }
            float[] dx = deltas[l];
            Arrays.fill(dx, 0, n * fanIn, 0f);
            for (int s = 0; s < n; s++) {
                int xo = s * fanIn;
                for (int j = 0; j < fanOut; j++) {
                    float dzj = dz[s * fanOut + j];
                    int to = j * fanIn;
                    for (int i = 0; i < fanIn; i++) {
                        dx[xo + i] += dzj * wt[to + i];
                    }
                }
                // through the ReLU: its output x is zero exactly where its input was not positive
                for (int i = 0; i < fanIn; i++) {
                    if (x[xo + i] == 0) {
                        dx[xo + i] = 0;
                    }
                }
            }
        }
    }
}
