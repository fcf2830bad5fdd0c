package dev.adamant;

import dev.adamant.checkpoint.Checkpoints;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the README's training loop ({@link TrainingLoopExample}) and keeps the README's copy of it identical. */
class TrainingLoopExampleTest {
    private static final int SAMPLES = 256, FEATURES = 8, STEPS = 300;
    private static final String BEGIN = "// README:training-loop begin", END = "// README:training-loop end";

    /** y = x·w* + 0.5 + noise, with x and w* ~ N(0, 1) and noise ~ N(0, 0.01²). */
    private static float[][] data() {
        SplittableRandom r = new SplittableRandom(42);
        float[] x = new float[SAMPLES * FEATURES], y = new float[SAMPLES], trueW = new float[FEATURES];
        for (int j = 0; j < FEATURES; j++) trueW[j] = (float) r.nextGaussian();
        for (int i = 0; i < SAMPLES; i++) {
            double yi = 0.5 + 0.01 * r.nextGaussian();
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = (float) r.nextGaussian();
                yi += x[i * FEATURES + j] * trueW[j];
            }
            y[i] = (float) yi;
        }
        return new float[][] {x, y};
    }

    @Test
    void theLossGoesDownAndTheCheckpointHoldsTheTrainedModel(@TempDir Path dir) throws IOException {
        float[][] d = data();
        Path checkpoint = dir.resolve("optim.safetensors");
        float[] losses = TrainingLoopExample.train(d[0], d[1], FEATURES, STEPS, checkpoint);

        float first = losses[0], last = losses[STEPS - 1];
        assertTrue(first > 1, "the untrained model is far off: " + first);
        assertTrue(last < first / 1000, "the loss went from " + first + " to " + last);
        assertTrue(losses[STEPS / 2] < first / 10, "half way: " + losses[STEPS / 2]);

        // resume: the same parameters and groups, then the checkpoint of step 300
        try (Tensor w = Tensor.allocate(DType.FLOAT32, FEATURES); Tensor b = Tensor.allocate(DType.FLOAT32, 1);
             Tensor gw = Tensor.allocate(DType.FLOAT32, FEATURES); Tensor gb = Tensor.allocate(DType.FLOAT32, 1)) {
            Parameter weight = Parameter.of("weight", w), bias = Parameter.of("bias", b);
            try (AdamW resumed = TrainingLoopExample.newOptimizer(weight, bias, STEPS)) {
                Checkpoints.load(resumed, checkpoint);
                assertEquals(STEPS, resumed.stepCount());
                assertTrue(resumed.state(weight).isPresent());
            }
            float restored = TrainingLoopExample.lossAndGrads(d[0], d[1], w, b, gw, gb, 1);
            assertTrue(restored < first / 1000, "the checkpoint holds the trained model: loss " + restored);
        }
    }

    /** The README's code block is the example's code between the markers, byte for byte after de-indenting. */
    @Test
    void theReadmeShowsExactlyThisCode() throws IOException {
        List<String> source = Files.readAllLines(Path.of("src/test/java/dev/adamant/TrainingLoopExample.java"));
        int begin = -1, end = -1;
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).strip().equals(BEGIN)) begin = i;
            if (source.get(i).strip().equals(END)) end = i;
        }
        assertTrue(begin >= 0 && end > begin, "markers in TrainingLoopExample");
        StringBuilder block = new StringBuilder();
        for (String line : source.subList(begin + 1, end)) {
            block.append(line.startsWith("    ") ? line.substring(4) : line.strip()).append('\n');
        }
        String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(readme.contains(block), "README.md must contain TrainingLoopExample's code between the markers,"
                + " de-indented by 4 spaces:\n" + block);
    }
}
