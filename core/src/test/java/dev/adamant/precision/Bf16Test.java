package dev.adamant.precision;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class Bf16Test {

    /** The value of a bf16 pattern from its fields, in double: independent of the shift in Bf16. */
    private static double fieldValue(int h) {
        int sign = h >>> 15, exponent = (h >>> 7) & 0xFF, mantissa = h & 0x7F;
        double magnitude = exponent == 0 ? Math.scalb((double) mantissa, -126 - 7)
                : Math.scalb(1 + mantissa / 128.0, exponent - 127);
        return sign == 1 ? -magnitude : magnitude;
    }

    /**
     * The nearest bf16 of a finite float, ties to the even mantissa, by comparing exact distances
     * (floats and bf16 values are exact in double, and so are their differences); the value past
     * the largest bf16 is 2^128, as IEEE's overflow rule prescribes.
     */
    private static int nearestEven(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = bits & 0x8000_0000;
        int lower = (bits & 0x7FFF_FFFF) >>> 16;   // truncation: the neighbour towards zero
        double x = Math.abs((double) f);
        double below = fieldValue(lower);
        double above = lower + 1 == 0x7F80 ? 0x1.0p128 : fieldValue(lower + 1);
        int chosen;
        if (x - below < above - x) chosen = lower;
        else if (x - below > above - x) chosen = lower + 1;
        else chosen = (lower & 1) == 0 ? lower : lower + 1;
        return (sign >>> 16) | chosen;
    }

    @Test
    void everyPatternDecodesToItsFieldValue() {
        for (int pattern = 0; pattern < 0x10000; pattern++) {
            final int h = pattern;
            float f = Bf16.toFloat((short) h);
            int exponent = (h >>> 7) & 0xFF;
            if (exponent == 0xFF && (h & 0x7F) != 0) {
                assertTrue(Float.isNaN(f), () -> Integer.toHexString(h));
                assertEquals(h << 16, Float.floatToRawIntBits(f), "NaN payload kept");
            } else if (exponent == 0xFF) {
                assertEquals((h & 0x8000) != 0 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY, f);
            } else {
                assertEquals(fieldValue(h), (double) f, () -> Integer.toHexString(h));
                assertEquals(h >>> 15, Float.floatToRawIntBits(f) >>> 31, "sign, also of zero");
            }
        }
    }

    @Test
    void everyFinitePatternRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            if (((h >>> 7) & 0xFF) == 0xFF && (h & 0x7F) != 0) continue;
            assertEquals((short) h, Bf16.fromFloat(Bf16.toFloat((short) h)), Integer.toHexString(h));
        }
    }

    /**
     * Every exponent (subnormals and the overflowing top binade included), both signs, every kept
     * mantissa (even and odd, so ties go both ways, and 0x7F, which carries into the exponent),
     * with dropped bits at each tie class: exact, just above or below zero, below, at and above the
     * half, and the maximum; then two million random patterns.
     */
    @Test
    void encodingIsNearestEvenAgainstTheOracle() {
        int[] dropped = {0, 1, 0x3FFF, 0x7FFE, 0x7FFF, 0x8000, 0x8001, 0xC000, 0xFFFE, 0xFFFF};
        int checked = 0;
        for (int sign = 0; sign < 2; sign++) {
            for (int exponent = 0; exponent < 0xFF; exponent++) {
                for (int kept = 0; kept < 0x80; kept++) {
                    for (int low : dropped) {
                        int bits = sign << 31 | exponent << 23 | kept << 16 | low;
                        check(Float.intBitsToFloat(bits));
                        checked++;
                    }
                }
            }
        }
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 2_000_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (!Float.isNaN(f)) {
                check(f);
                checked++;
            }
        }
        assertTrue(checked > 2_500_000);
    }

    private static void check(float f) {
        int expected = Float.isInfinite(f) ? Float.floatToRawIntBits(f) >>> 16 : nearestEven(f);
        int actual = Bf16.fromFloat(f) & 0xFFFF;
        if (expected != actual) {
            fail("bf16 of " + f + " (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + "): expected 0x"
                    + Integer.toHexString(expected) + " but was 0x" + Integer.toHexString(actual));
        }
    }

    @Test
    void overflowAndLimits() {
        // the largest bf16 is 0x7F7F (odd); half an ulp above it is the tie, which goes to even: infinity
        assertEquals((short) 0x7F7F, Bf16.fromFloat(Float.intBitsToFloat(0x7F7F_7FFF)), "below the tie");
        assertEquals((short) 0x7F80, Bf16.fromFloat(Float.intBitsToFloat(0x7F7F_8000)), "the tie: +inf");
        assertEquals((short) 0x7F80, Bf16.fromFloat(Float.MAX_VALUE), "past the tie: +inf");
        assertEquals((short) 0xFF80, Bf16.fromFloat(-Float.MAX_VALUE), "past the tie: -inf");
        assertEquals((short) 0x8000, Bf16.fromFloat(-0f));
        assertEquals((short) 0x0000, Bf16.fromFloat(Float.MIN_VALUE), "smallest subnormal rounds to zero");
        assertEquals((short) 0x0001, Bf16.fromFloat(Float.intBitsToFloat(0x0000_8001)), "just above half: up");
    }

    @Test
    void nanStaysAQuietNanWithItsSign() {
        int[] nans = {0x7FC0_0000, 0x7F80_0001, 0x7F80_8000, 0x7FBF_FFFF, 0xFF80_0001, 0xFFFF_FFFF, 0x7FFF_0000};
        for (int bits : nans) {
            short h = Bf16.fromFloat(Float.intBitsToFloat(bits));
            float back = Bf16.toFloat(h);
            assertTrue(Float.isNaN(back), () -> Integer.toHexString(bits));
            assertEquals(bits >>> 31, (h >>> 15) & 1, "sign");
            assertEquals(Bf16.QUIET, h & Bf16.QUIET, "quiet bit");
        }
    }

    @Test
    void stochasticRoundingLeavesRepresentableValuesAlone() {
        SplittableRandom random = new SplittableRandom(3);
        for (int h = 0; h < 0x10000; h++) {
            if (((h >>> 7) & 0xFF) == 0xFF && (h & 0x7F) != 0) continue;
            float f = Bf16.toFloat((short) h);
            for (int k = 0; k < 4; k++) {
                int noise = k == 0 ? 0xFFFF_FFFF : random.nextInt();
                assertEquals((short) h, Bf16.fromFloatStochastic(f, noise), Integer.toHexString(h));
            }
        }
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloatStochastic(Float.NaN, 0xFFFF))));
    }

    /**
     * Between two neighbours a and a+ulp, at fraction q of the ulp, the value rounds up with
     * probability q: over 200 000 elements of the counter-based noise, the share rounded up and the
     * mean of the results must lie within 5 standard deviations (of a binomial) of q and the value.
     */
    @Test
    void stochasticRoundingIsUnbiased() {
        int n = 200_000;
        long key = RoundingNoise.stepKey(42, 7);
        int[] lowers = {0x3F80, 0xBF80, 0x0001, 0x4B12, 0x7F7E};  // 1, -1, a subnormal, ~9.6e6, near the top
        double[] fractions = {0.001, 0.1, 0.25, 0.5, 0.75, 0.97};
        for (int lower : lowers) {
            double a = fieldValue(lower), b = fieldValue(lower + 1);
            for (double q : fractions) {
                float x = (float) (a + q * (b - a));
                double exactQ = (Math.abs(x) - Math.abs(a)) / Math.abs(b - a);
                long up = 0;
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    short r = Bf16.fromFloatStochastic(x, RoundingNoise.bits(key, i));
                    if ((r & 0xFFFF) == lower + 1) up++;
                    else assertEquals(lower, r & 0xFFFF, "only the two neighbours");
                    sum += Bf16.toFloat(r);
                }
                double sigma = Math.sqrt(exactQ * (1 - exactQ) / n);
                double share = (double) up / n;
                String what = "x=" + x + " between " + a + " and " + b;
                assertTrue(Math.abs(share - exactQ) <= 5 * sigma + 1e-9, what + ": rounded up " + share + ", expected " + exactQ);
                double mean = sum / n;
                assertTrue(Math.abs(mean - x) <= 5 * sigma * Math.abs(b - a) + 1e-12 * Math.abs(x),
                        what + ": mean " + mean);
            }
        }
    }
}
