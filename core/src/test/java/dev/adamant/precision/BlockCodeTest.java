package dev.adamant.precision;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class BlockCodeTest {

    /**
     * The nearest code by exhaustive search over every code's exact value; a tie to the larger code in
     * the normal range (away from zero), to the even code below it.
     */
    private static int nearestByScan(BlockCode code, float magnitude) {
        int best = 0;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int c = 0; c <= code.maxMagnitude(); c++) {
            double d = Math.abs(code.decodeMagnitude(c) - (double) magnitude);
            if (d < bestDistance || (d == bestDistance && (magnitude >= code.minNormal() || (c & 1) == 0))) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    @Test
    void codesAreIncreasingAndTopIsOne() {
        for (BlockCode code : BlockCode.values()) {
            assertEquals(1f, code.decodeMagnitude(code.maxMagnitude()));
            assertEquals(0f, code.decodeMagnitude(0));
            for (int c = 1; c <= code.maxMagnitude(); c++) {
                assertTrue(code.decodeMagnitude(c) > code.decodeMagnitude(c - 1), code + " code " + c);
            }
        }
        assertEquals(120, BlockCode.SIGNED.maxMagnitude());
        assertEquals(248, BlockCode.UNSIGNED.maxMagnitude());
        assertEquals(0x1.0p-14f, BlockCode.SIGNED.minNormal());
        assertEquals(0x1.0p-30f, BlockCode.UNSIGNED.minNormal());
    }

    @Test
    void everyCodeRoundTrips() {
        for (BlockCode code : BlockCode.values()) {
            for (int c = 0; c <= code.maxMagnitude(); c++) {
                assertEquals(c, code.encodeMagnitude(code.decodeMagnitude(c)), code + " code " + c);
            }
        }
    }

    /** Every midpoint between adjacent codes (a tie), its float neighbours, and a million random magnitudes. */
    @Test
    void encodingIsTheNearestCode() {
        SplittableRandom random = new SplittableRandom(8);
        for (BlockCode code : BlockCode.values()) {
            for (int c = 0; c < code.maxMagnitude(); c++) {
                float mid = (float) ((code.decodeMagnitude(c) + (double) code.decodeMagnitude(c + 1)) / 2);
                for (float f : new float[] {mid, Math.nextDown(mid), Math.nextUp(mid)}) {
                    check(code, f);
                }
            }
            for (int i = 0; i < 500_000; i++) {
                check(code, random.nextFloat());
                // log-uniform over the whole range of the code, subnormals included
                check(code, (float) Math.scalb(1 + random.nextDouble(), -random.nextInt(36)));
            }
            check(code, Math.nextUp(1f));  // a product slightly above 1 clamps to the top code
        }
    }

    private static void check(BlockCode code, float magnitude) {
        int expected = Math.min(nearestByScan(code, magnitude), code.maxMagnitude());
        int actual = code.encodeMagnitude(magnitude);
        if (expected != actual) {
            fail(code + " code of " + magnitude + ": expected " + expected + " but was " + actual);
        }
    }

    /**
     * The documented error bounds, measured: relative error at most 2^-4 in the normal range,
     * absolute error at most half a subnormal step below it; the measured maxima are close to the
     * bounds (they are attained, not loose).
     */
    @Test
    void quantizationErrorPerRange() {
        SplittableRandom random = new SplittableRandom(9);
        for (BlockCode code : BlockCode.values()) {
            double maxRelative = 0, maxAbsolute = 0;
            for (int i = 0; i < 1_000_000; i++) {
                float x = (float) Math.scalb(1 + random.nextDouble(), -1 - random.nextInt(36));
                double error = Math.abs(code.decodeMagnitude(code.encodeMagnitude(x)) - (double) x);
                if (x >= code.minNormal()) {
                    maxRelative = Math.max(maxRelative, error / x);
                } else {
                    maxAbsolute = Math.max(maxAbsolute, error);
                }
            }
            assertTrue(maxRelative <= 0x1.0p-4 && maxRelative > 0.9 * 0x1.0p-4, code + ": relative " + maxRelative);
            double halfStep = code.subnormalStep() / 2.0;
            assertTrue(maxAbsolute <= halfStep && maxAbsolute > 0.9 * halfStep, code + ": absolute " + maxAbsolute);
        }
    }

    @Test
    void blockScaleSignAndNonFiniteBlocks() {
        float scale = 3.5f, inverse = BlockCode.inverseOf(scale);
        assertEquals(scale, BlockCode.SIGNED.decode(BlockCode.SIGNED.encode(scale, inverse), scale), "the maximum is exact");
        assertEquals(-scale, BlockCode.SIGNED.decode(BlockCode.SIGNED.encode(-scale, inverse), scale));
        assertEquals(scale, BlockCode.UNSIGNED.decode(BlockCode.UNSIGNED.encode(scale, inverse), scale));
        assertEquals(-1.75f, BlockCode.SIGNED.decode(BlockCode.SIGNED.encode(-1.75f, inverse), scale), "0.5 of the scale");
        assertTrue(Float.isNaN(BlockCode.scaleOf(Float.POSITIVE_INFINITY)));
        assertTrue(Float.isNaN(BlockCode.scaleOf(Float.NaN)));
        assertEquals(0f, BlockCode.inverseOf(Float.NaN));
        assertEquals(0f, BlockCode.inverseOf(0f));
        assertEquals(0, BlockCode.SIGNED.encode(Float.NaN, 0f));
        assertTrue(Float.isNaN(BlockCode.UNSIGNED.decode((byte) 0, Float.NaN)), "a non-finite block decodes to NaN");
        // a block whose maximum is subnormal would overflow 1 / scale (0 × ∞ = NaN for its zeros): stored as zeros
        assertEquals(0f, BlockCode.scaleOf(1e-40f));
        assertEquals(0f, BlockCode.scaleOf(Math.nextDown(0x1.0p-100f)));
        assertEquals(0x1.0p-100f, BlockCode.scaleOf(0x1.0p-100f));
        assertTrue(Float.isFinite(BlockCode.inverseOf(0x1.0p-100f)));
        assertEquals(2, BlockCode.blocks(257));
        assertEquals(1, BlockCode.blocks(256));
        assertEquals(0, BlockCode.blocks(0));
    }
}
