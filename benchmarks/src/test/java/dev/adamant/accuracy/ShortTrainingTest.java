package dev.adamant.accuracy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The accuracy problem shortened to 200 steps on 8192 training samples: fp32 learns, compact state ends within the claimed
 * margin of fp32, and bf16 parameters without a master copy or stochastic rounding end outside it
 * (so the margin is tight enough to see a real loss of precision). Runs on the default backend:
 * the vector kernels, or in the scalar-fallback suite the scalar reference. (That the mixed
 * kernel's fp32 layout is the fp32 kernel bit for bit is checked by {@link AccuracyCommandTest}.)
 */
class ShortTrainingTest {
    private static final int STEPS = 200;
    private static final long SEED = 1;
    private static Problem problem;
    private static TrainingRun.Result reference;

    @BeforeAll
    static void trainReference() {
        problem = Problem.withSamples(8192, 1024);
        reference = train(PrecisionVariant.FP32);
    }

    private static TrainingRun.Result train(PrecisionVariant v) {
        return TrainingRun.train(problem, v, SEED, TrainingRun.Settings.standard(STEPS));
    }

    @Test
    void fp32Learns() {
        float first = reference.batchLoss()[0];
        assertEquals(Math.log(10), first, 0.15, "an untrained 10-class model starts near ln 10");
        assertTrue(reference.train().loss() < 0.5 * first, "train loss " + reference.train().loss() + " from " + first);
        assertTrue(reference.heldOut().accuracy() > 0.5, "held-out accuracy " + reference.heldOut().accuracy());
    }

    /** The large weights get the compact format; biases and the 1280-element output weight stay fp32. */
    @Test
    void compactStateEndsWithinTheMarginOfFp32() {
        for (String layout : new String[] {"fp32/fp32/bf16", "fp32/fp32/8bit", "bf16+master/bf16/8bit"}) {
            TrainingRun.Result r = train(PrecisionVariant.mixed(layout));
            String state = layout.substring(layout.lastIndexOf('/') + 1);
            assertEquals(Arrays.asList(state, "fp32", state, "fp32", "fp32", "fp32"), r.stateFormats(), layout);
            double difference = r.train().loss() - reference.train().loss();
            assertTrue(Math.abs(difference) <= AccuracyCommand.CLAIMED_MARGIN, layout + ": final train loss "
                    + r.train().loss() + ", fp32 " + reference.train().loss());
            assertTrue(difference != 0, layout + " gave fp32's loss exactly: is the compact state in use?");
        }
    }

    @Test
    void bf16ParametersRoundedToNearestFallOutsideTheMargin() {
        TrainingRun.Result r = train(PrecisionVariant.mixed("bf16/bf16/bf16"));
        assertTrue(r.train().loss() - reference.train().loss() > AccuracyCommand.CLAIMED_MARGIN,
                "bf16 without master: " + r.train().loss() + ", fp32 " + reference.train().loss());
    }
}
