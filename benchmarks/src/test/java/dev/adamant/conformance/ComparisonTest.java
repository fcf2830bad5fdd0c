package dev.adamant.conformance;

import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The tolerance rules themselves, on hand-made values. */
class ComparisonTest {
    private static final double[] NAN = {Double.NaN};

    @Test
    void nanNeverMatchesInMustMatchFiles() {
        Comparison.Verdict v = new Comparison(Numerics.EXACT, false).compare(1, "param", DType.FLOAT32, NAN, NAN);
        assertNotNull(v.mismatch());
        assertNotNull(new Comparison(Numerics.FAST, false).compare(1, "param", DType.FLOAT32, NAN, NAN).mismatch());
    }

    @Test
    void nanMatchesNanInBehaviourFiles() {
        assertNull(new Comparison(Numerics.EXACT, true).compare(1, "param", DType.FLOAT32, NAN, NAN).mismatch());
        assertNull(new Comparison(Numerics.FAST, true).compare(1, "param", DType.FLOAT32, NAN, NAN).mismatch());
        assertNotNull(new Comparison(Numerics.EXACT, true).compare(1, "param", DType.FLOAT32, NAN, new double[] {1}).mismatch());
    }

    @Test
    void exactReportsOneUlpAndSignedZerosAreEqual() {
        float x = 0.1234f;
        Comparison exact = new Comparison(Numerics.EXACT, false);
        Comparison.Verdict v = exact.compare(3, "exp_avg", DType.FLOAT32, new double[] {0, x}, new double[] {-0.0, Math.nextUp(x)});
        assertEquals(1, v.score());
        assertEquals("step 3 exp_avg[1]: expected 0.1234 got 0.12340001 (1 ulp)", v.mismatch().describe());
    }

    @Test
    void fastBoundIsSixteenUlpOfTheLargestMagnitude() {
        Comparison fast = new Comparison(Numerics.FAST, false);
        double big = 1.0, ulp = Math.ulp(1.0f);
        // an element near zero may be off by many of its own ulps, as long as the tensor's norm is kept
        assertNull(fast.compare(1, "param", DType.FLOAT32, new double[] {big, 1e-6}, new double[] {big, 1e-6 + 16 * ulp}).mismatch());
        Comparison.Verdict v = fast.compare(1, "param", DType.FLOAT32, new double[] {big, 1e-6}, new double[] {big, 1e-6 + 17 * ulp});
        assertEquals(17, v.score(), 1e-3);
        assertNotNull(v.mismatch());
    }

    @Test
    void fastRequiresNonFiniteValuesToAgree() {
        Comparison fast = new Comparison(Numerics.FAST, false);
        assertNull(fast.compare(1, "v", DType.FLOAT64, new double[] {Double.POSITIVE_INFINITY, 1},
                new double[] {Double.POSITIVE_INFINITY, 1}).mismatch());
        assertNotNull(fast.compare(1, "v", DType.FLOAT64, new double[] {Double.POSITIVE_INFINITY, 1},
                new double[] {Double.MAX_VALUE, 1}).mismatch());
    }
}
