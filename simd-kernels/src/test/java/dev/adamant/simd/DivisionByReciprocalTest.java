package dev.adamant.simd;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The identity the exact mixed kernel divides by sqrt(1 − β2^t) with: {@code x / c} equals
 * {@code q + (x − q·c)·y} with {@code y = 1/c} and {@code q = x·y}, each operation rounded to nearest
 * (two of them fused multiply-adds), for every x. Checked over every significand of x in [1, 2)
 * (scaling x by a power of two scales both sides exactly while nothing overflows or underflows) for
 * torch's divisors over the first steps at several β2, random divisors, and the divisors whose rounded
 * reciprocal is furthest from 1/c, where a single correction has the least room.
 */
class DivisionByReciprocalTest {

    @Test
    void oneCorrectionOfTheReciprocalProductIsTheCorrectlyRoundedQuotient() {
        List<Float> divisors = new ArrayList<>();
        for (double beta2 : new double[] {0.999, 0.99, 0.95}) {
            for (int t : new int[] {1, 2, 3, 4, 5, 10, 100, 1000, 5000}) {
                divisors.add((float) Math.sqrt(1 - Math.pow(beta2, t)));
            }
        }
        SplittableRandom random = new SplittableRandom(42);
        for (int k = 0; k < 20; k++) {
            divisors.add(Float.intBitsToFloat(0x3F00_0000 | random.nextInt(1 << 23)));
        }
        divisors.addAll(leastAccurateReciprocals(20));
        divisors.add(Math.nextDown(2f)); // the largest significand
        for (float c : divisors) {
            float y = 1f / c;
            long wrong = 0;
            for (int significand = 0; significand < 1 << 23; significand++) {
                float x = Float.intBitsToFloat(0x3F80_0000 | significand);
                float q = x * y;
                if (Math.fma(Math.fma(q, -c, x), y, q) != x / c) {
                    wrong++;
                }
            }
            assertEquals(0, wrong, "divisor " + c + " (reciprocal " + y + ")");
        }
    }

    /** Zero stays zero; an infinite x gives NaN, which is why the kernel divides such vectors. */
    @Test
    void zeroIsExactAndInfinityBecomesNan() {
        float c = (float) Math.sqrt(1 - Math.pow(0.999, 10)), y = 1f / c;
        float q = 0f * y;
        assertEquals(0f, Math.fma(Math.fma(q, -c, 0f), y, q));
        float inf = Float.POSITIVE_INFINITY, qInf = inf * y;
        assertTrue(Float.isNaN(Math.fma(Math.fma(qInf, -c, inf), y, qInf)));
    }

    /** Divisors in [1, 2) whose rounded reciprocal has the largest relative error, |c·RN(1/c) − 1| above 0.995 × 2^-24, spread over [1, 2). */
    private static List<Float> leastAccurateReciprocals(int count) {
        List<Float> all = new ArrayList<>();
        for (int significand = 0; significand < 1 << 23; significand++) {
            float c = Float.intBitsToFloat(0x3F80_0000 | significand);
            if (Math.abs((double) c * (1f / c) - 1) > 0.995 * 0x1p-24) {
                all.add(c);
            }
        }
        assertTrue(all.size() >= count, "only " + all.size() + " such divisors");
        List<Float> spread = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            spread.add(all.get(k * all.size() / count));
        }
        return spread;
    }
}
