package dev.adamant.optim;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lion against the paper's equations, worked by hand, and its invariants. */
class LionTest {

    @Test
    void twoStepsWorkedByHand() {
        // lr 0.1, betas (0.9, 0.99), wd 0; m starts at 0
        try (Tensor p = Tensor.ofFloats(1f, -1f, 0.25f, 2f);
             Tensor g = Tensor.ofFloats(0.5f, -2f, 0f, -0f);
             Lion lion = new Lion(LionConfig.defaults().withLr(0.1), Backends.scalar(Numerics.EXACT))) {
            Parameter param = Parameter.of(p);
            param.setGrad(g);
            lion.addParamGroup(List.of(param));

            lion.step();
            // c = 0.1·g = (0.05, -0.2, 0, -0): sign (1, -1, 0, -0); p -= 0.1·sign; m = 0.01·g
            assertArrayEquals(new float[] {1f - 0.1f, -1f + 0.1f, 0.25f, 2f}, p.toFloatArray());
            assertArrayEquals(new float[] {Math.fma(0.5f, 0.01f, 0f), Math.fma(-2f, 0.01f, 0f), 0f, 0f},
                    lion.state(param).orElseThrow().tensor("exp_avg").toFloatArray());

            g.copyFrom(new float[] {-0.01f, 1f, 3f, 0f});
            lion.step();
            // c = 0.9·m + 0.1·g = (0.0045-0.001, -0.018+0.1, 0.3, 0): sign (1, 1, 1, 0)
            float[] expected = {(1f - 0.1f) - 0.1f, (-1f + 0.1f) - 0.1f, 0.25f - 0.1f, 2f};
            assertArrayEquals(expected, p.toFloatArray());
            assertEquals(2, lion.state(param).orElseThrow().step());
        }
    }

    @Test
    void everyElementMovesByExactlyTheDecayThenLr() {
        LionConfig config = LionConfig.defaults().withLr(0.0625).withWeightDecay(0.5);
        float[] start = {3f, -5f, 0.5f, 1e-3f};
        try (Tensor p = Tensor.ofFloats(start.clone());
             Tensor g = Tensor.ofFloats(1f, 1f, -1f, -1f);
             Lion lion = new Lion(config, Backends.scalar(Numerics.EXACT))) {
            Parameter param = Parameter.of(p);
            param.setGrad(g);
            lion.addParamGroup(List.of(param));
            lion.step();
            float decay = (float) (1 - 0.0625 * 0.5);
            for (int i = 0; i < start.length; i++) {
                float sign = Math.signum(g.getFloat(i));
                assertEquals(Math.fma(sign, -0.0625f, start[i] * decay), p.getFloat(i), "element " + i);
            }
        }
    }

    @Test
    void invalidHyperparametersNameTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> LionConfig.defaults().withBetas(0.9, 1.0));
        assertTrue(e.getMessage().contains("1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LionConfig.defaults().withLr(Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LionConfig.defaults().withWeightDecay(-1));
        assertTrue(e.getMessage().contains("-1.0"), e.getMessage());
    }

    @Test
    void aRejectedStepModifiesNothing() {
        try (Tensor p1 = Tensor.ofFloats(1f, 2f);
             Tensor g1 = Tensor.ofFloats(0.1f, 0.2f);
             Tensor p2 = Tensor.ofFloats(1f, 2f, 3f);
             Tensor g2 = Tensor.ofFloats(1f, 2f, 3f);
             Lion lion = new Lion(LionConfig.defaults(), Backends.scalar(Numerics.EXACT))) {
            Parameter first = Parameter.of("first", p1), second = Parameter.of("second", p2);
            first.setGrad(g1);
            second.setGrad(g2);
            lion.addParamGroup(List.of(first, second));
            lion.step();
            Snapshot before = new Snapshot().add("first", p1).add("second", p2)
                    .addAll("first state", lion.state(first).orElseThrow().tensors().castToMap());
            g2.close();
            var e = assertThrows(IllegalStateException.class, lion::step);
            assertTrue(e.getMessage().contains("second"), e.getMessage());
            before.assertUnchanged();
            assertEquals(1, lion.state(first).orElseThrow().step());
        }
    }
}
