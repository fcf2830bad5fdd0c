package dev.adamant.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UlpsTest {

    @Test
    void floatDistancesCountRepresentableValuesAcrossZero() {
        assertEquals(0, Ulps.distance(0f, -0f), "±0 are equal");
        assertEquals(1, Ulps.distance(1f, Math.nextUp(1f)));
        assertEquals(1, Ulps.distance(0f, Float.MIN_VALUE));
        assertEquals(2, Ulps.distance(-Float.MIN_VALUE, Float.MIN_VALUE));
        assertEquals(1, Ulps.distance(Float.MAX_VALUE, Float.POSITIVE_INFINITY));
        assertEquals(Ulps.distance(3f, -2f), Ulps.distance(-2f, 3f));
    }

    @Test
    void nanIsOnlyCloseToNan() {
        assertEquals(0, Ulps.distance(Float.NaN, Float.intBitsToFloat(0xffc00001)));
        assertEquals(Long.MAX_VALUE, Ulps.distance(Float.NaN, 1f));
        assertEquals(Long.MAX_VALUE, Ulps.distance(0d, Double.NaN));
        assertEquals(0, Ulps.distance(Double.NaN, Double.NaN));
    }

    @Test
    void doubleDistancesSaturateInsteadOfOverflowing() {
        assertEquals(0, Ulps.distance(0d, -0d));
        assertEquals(1, Ulps.distance(1d, Math.nextDown(1d)));
        assertEquals(2, Ulps.distance(-Double.MIN_VALUE, Double.MIN_VALUE));
        assertEquals(Long.MAX_VALUE, Ulps.distance(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        assertEquals(2 * Double.doubleToRawLongBits(1d), Ulps.distance(-1d, 1d));
    }
}
