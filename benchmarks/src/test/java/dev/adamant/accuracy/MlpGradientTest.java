package dev.adamant.accuracy;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model's backward pass against central finite differences of its own loss, and its bad input. */
class MlpGradientTest {
    private static final int[] WIDTHS = {5, 7, 6, 4};

    private static Dataset randomData(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n * WIDTHS[0]];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int s = 0; s < n; s++) {
            y[s] = random.nextInt(WIDTHS[WIDTHS.length - 1]);
        }
        return new Dataset(WIDTHS[0], WIDTHS[WIDTHS.length - 1], x, y);
    }

    /**
     * Every parameter of every tensor: the analytic gradient equals (L(θ + h) − L(θ − h)) / 2h. The
     * loss is float32 arithmetic, so h must not be tiny; but a pre-activation within h·|x| of zero puts
     * a ReLU kink inside the difference (at h = 1e-3 one of this data's does, for w1[14]). h = 3e-4 is
     * clear of every kink here, and the largest deviation is then about 1e-5, against a tolerance of
     * 1e-4 plus 0.5% and gradients of order 0.01-0.5.
     */
    @Test
    void backwardMatchesFiniteDifferences() {
        Mlp model = new Mlp(8, WIDTHS);
        Dataset data = randomData(8, 7);
        int[] batch = {0, 1, 2, 3, 4, 5, 6, 7};
        float[][] params = model.initialParameters(3);
        int[] sizes = model.tensorSizes();
        float[][] grads = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            grads[t] = new float[sizes[t]];
        }
        model.lossAndGradient(params, data, batch, grads);
        float[][] scratch = new float[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            scratch[t] = new float[sizes[t]];
        }
        double h = 3e-4, largest = 0;
        int checked = 0;
        for (int t = 0; t < sizes.length; t++) {
            for (int i = 0; i < sizes[t]; i++) {
                float saved = params[t][i];
                params[t][i] = (float) (saved + h);
                double up = model.lossAndGradient(params, data, batch, scratch);
                params[t][i] = (float) (saved - h);
                double down = model.lossAndGradient(params, data, batch, scratch);
                params[t][i] = saved;
                // the step as float32 represents it
                double numeric = (up - down) / ((double) (float) (saved + h) - (float) (saved - h));
                double analytic = grads[t][i];
                assertEquals(numeric, analytic, 1e-4 + 0.005 * Math.abs(numeric),
                        model.tensorNames()[t] + "[" + i + "]");
                largest = Math.max(largest, Math.abs(numeric));
                checked++;
            }
        }
        assertEquals(model.parameterCount(), checked);
        assertTrue(largest > 0.05, "the check saw no sizeable gradient: " + largest);
    }

    /** The gradient pass and the evaluation pass compute the same loss on the same samples. */
    @Test
    void evaluationAgreesWithTheTrainingLoss() {
        Mlp model = new Mlp(16, WIDTHS);
        Dataset data = randomData(16, 11);
        float[][] params = model.initialParameters(5);
        float[][] grads = new float[model.tensorSizes().length][];
        for (int t = 0; t < grads.length; t++) {
            grads[t] = new float[model.tensorSizes()[t]];
        }
        int[] all = new int[16];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        double loss = model.lossAndGradient(params, data, all, grads);
        Mlp.Evaluation e = model.evaluate(params, data);
        assertEquals(loss, e.loss(), 1e-12);
        assertTrue(loss > 0.5 && loss < 3, "an untrained 4-class model's loss is near ln 4: " + loss);
        assertTrue(e.accuracy() >= 0 && e.accuracy() <= 1);
    }

    @Test
    void badShapesNameTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Mlp(8, 5, 0, 3)).getMessage().contains("[5, 0, 3]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Mlp(0, 5, 3)).getMessage().contains("got 0"));
        Mlp model = new Mlp(4, WIDTHS);
        float[][] params = model.initialParameters(1);
        float[][] grads = params.clone();
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> model.lossAndGradient(params, randomData(8, 1), new int[] {0, 1, 2, 3, 4}, grads))
                .getMessage().contains("batch of 5"));
        Dataset wrong = new Dataset(3, 4, new float[6], new int[2]);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> model.lossAndGradient(params, wrong, new int[] {0, 1}, grads)).getMessage().contains("3 inputs"));
    }
}
