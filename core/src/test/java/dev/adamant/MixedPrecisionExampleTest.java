package dev.adamant;

import dev.adamant.optim.AdamState;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.FlatParameters;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the README's mixed-precision example ({@link MixedPrecisionExample}) and keeps the README's copy identical. */
class MixedPrecisionExampleTest {
    private static final String BEGIN = "// README:mixed-precision begin", END = "// README:mixed-precision end";

    /**
     * A quadratic pulling every parameter to a target ~ N(0, 1): loss = ½‖θ − target‖², so the
     * gradient is θ − target, written in bf16 as a backend would.
     */
    @Test
    void theLossFallsAndTheStateIsCompact() {
        int steps = 300;
        try (FlatParameters weights = FlatParameters.builder(DType.BFLOAT16).add("embed", 8192).add("proj", 1000).build();
             Tensor bias = Tensor.allocate(DType.FLOAT32, 64); Tensor biasGrad = Tensor.allocate(DType.BFLOAT16, 64)) {
            Parameter b = Parameter.of("bias", bias);
            b.setGrad(biasGrad);
            List<Parameter> all = List.of(weights.parameter(0), weights.parameter(1), b);
            SplittableRandom random = new SplittableRandom(8);
            float[][] targets = new float[all.size()][];
            for (int i = 0; i < all.size(); i++) {
                targets[i] = new float[(int) all.get(i).data().size()];
                for (int k = 0; k < targets[i].length; k++) targets[i][k] = (float) random.nextGaussian();
            }
            double before = loss(all, targets);
            try (AdamW opt = MixedPrecisionExample.newOptimizer(weights, b)) {
                MixedPrecisionExample.train(opt, steps, scale -> {
                    for (int i = 0; i < all.size(); i++) {
                        Tensor data = all.get(i).data(), grad = all.get(i).grad();
                        for (int k = 0; k < targets[i].length; k++) grad.setFloat(k, (data.getFloat(k) - targets[i][k]) * scale);
                    }
                });
                double after = loss(all, targets);
                assertTrue(after < before / 100, "the loss went from " + before + " to " + after);

                AdamState embed = opt.state(weights.parameter(0)).orElseThrow();
                assertEquals(DType.UINT8, embed.expAvg().dtype());
                assertEquals(8192 / 256, embed.expAvgScale().size());
                assertEquals(DType.FLOAT32, embed.masterParam().dtype());
                AdamState proj = opt.state(weights.parameter(1)).orElseThrow();
                assertEquals(DType.FLOAT32, proj.expAvg().dtype(), "1000 elements: fp32 state");
                AdamState biasState = opt.state(b).orElseThrow();
                assertEquals(DType.FLOAT32, biasState.expAvg().dtype());
                assertEquals(steps, biasState.step());
            }
        }
    }

    private static double loss(List<Parameter> params, float[][] targets) {
        double sum = 0;
        for (int i = 0; i < params.size(); i++) {
            Tensor data = params.get(i).data();
            for (int k = 0; k < targets[i].length; k++) {
                double d = data.getFloat(k) - targets[i][k];
                sum += 0.5 * d * d;
            }
        }
        return sum;
    }

    /** The README's code block is the example's code between the markers, byte for byte after de-indenting. */
    @Test
    void theReadmeShowsExactlyThisCode() throws IOException {
        List<String> source = Files.readAllLines(Path.of("src/test/java/dev/adamant/MixedPrecisionExample.java"));
        int begin = -1, end = -1;
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).strip().equals(BEGIN)) begin = i;
            if (source.get(i).strip().equals(END)) end = i;
        }
        assertTrue(begin >= 0 && end > begin, "markers in MixedPrecisionExample");
        StringBuilder block = new StringBuilder();
        for (String line : source.subList(begin + 1, end)) {
            block.append(line.startsWith("    ") ? line.substring(4) : line.strip()).append('\n');
        }
        String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(readme.contains(block), "README.md must contain MixedPrecisionExample's code between the markers,"
                + " de-indented by 4 spaces:\n" + block);
    }
}
