package dev.adamant.precision;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Fp16 against the JDK's {@code Float.float16ToFloat} / {@code Float.floatToFloat16}. */
class Fp16Test {

    /**
     * Every non-NaN pattern exactly as the JDK decodes it; NaN keeps sign and payload and is quiet
     * (the JDK's own answer for a signalling NaN depends on whether its intrinsic ran).
     */
    @Test
    void everyPatternDecodesAsTheJdkDoes() {
        for (int h = 0; h < 0x10000; h++) {
            boolean nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
            int expected = nan ? (h & 0x8000) << 16 | 0x7FC0_0000 | (h & 0x3FF) << 13
                    : Float.floatToRawIntBits(Float.float16ToFloat((short) h));
            int actual = Float.floatToRawIntBits(Fp16.toFloat((short) h));
            if (expected != actual) {
                fail("fp16 0x" + Integer.toHexString(h) + ": expected 0x" + Integer.toHexString(expected)
                        + " but was 0x" + Integer.toHexString(actual));
            }
        }
    }

    @Test
    void everyNonNanPatternRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) continue;
            assertEquals((short) h, Fp16.fromFloat(Fp16.toFloat((short) h)), Integer.toHexString(h));
        }
    }

    /**
     * Every midpoint between adjacent fp16 values (the ties, each exactly a float) and its two float
     * neighbours, both signs, subnormals and the overflow threshold included; every float exponent
     * with dropped-bit classes around the tie; and two million random patterns.
     */
    @Test
    void encodingMatchesTheJdkEverywhere() {
        int checked = 0;
        for (int h = 0; h < 0x7C00; h++) {
            float a = Float.float16ToFloat((short) h);
            float b = h + 1 == 0x7C00 ? 65536f : Float.float16ToFloat((short) (h + 1));
            float mid = (float) (((double) a + b) / 2);
            assertEquals(((double) a + b) / 2, mid, 0, "a midpoint is a float");
            for (float f : new float[] {a, mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                check(f);
                check(-f);
                checked += 2;
            }
        }
        int[] dropped = {0, 1, 0x0FFF, 0x1000, 0x1001, 0x1FFF};
        for (int exponent = 0; exponent < 0xFF; exponent++) {
            for (int kept = 0; kept < 0x400; kept += 7) {
                for (int low : dropped) {
                    check(Float.intBitsToFloat(exponent << 23 | kept << 13 | low));
                    checked++;
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
        check(Float.POSITIVE_INFINITY);
        check(Float.NEGATIVE_INFINITY);
        assertTrue(checked > 2_400_000);
    }

    private static void check(float f) {
        short expected = Float.floatToFloat16(f);
        short actual = Fp16.fromFloat(f);
        if (expected != actual) {
            fail("fp16 of " + f + " (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + "): expected 0x"
                    + Integer.toHexString(expected & 0xFFFF) + " but was 0x" + Integer.toHexString(actual & 0xFFFF));
        }
    }

    @Test
    void limits() {
        assertEquals((short) 0x7BFF, Fp16.fromFloat(65519.99f), "below the tie: 65504");
        assertEquals((short) 0x7C00, Fp16.fromFloat(65520f), "the tie goes to even: +inf");
        assertEquals((short) 0x0001, Fp16.fromFloat(0x1.0p-24f), "smallest subnormal");
        assertEquals((short) 0x0000, Fp16.fromFloat(0x1.0p-25f), "half of it: ties to even zero");
        assertEquals((short) 0x8001, Fp16.fromFloat(Math.nextUp(0x1.0p-25f) * -1), "just above half, negative");
    }

    @Test
    void nanStaysAQuietNanWithItsSign() {
        int[] nans = {0x7FC0_0000, 0x7F80_0001, 0x7F80_2000, 0x7FBF_FFFF, 0xFF80_0001, 0xFFFF_FFFF};
        for (int bits : nans) {
            short h = Fp16.fromFloat(Float.intBitsToFloat(bits));
            assertTrue(Float.isNaN(Fp16.toFloat(h)), () -> Integer.toHexString(bits));
            assertEquals(bits >>> 31, (h >>> 15) & 1, "sign");
            assertEquals(0x0200, h & 0x0200, "quiet bit");
        }
    }
}
