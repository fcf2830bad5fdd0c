package dev.adamant.tensor;

/**
 * Distances in units in the last place, as the golden files' README defines them: ±0 are equal,
 * and adjacent floats are 1 apart across the whole line, including across zero.
 */
public final class Ulps {
    private Ulps() {
    }

    /** Number of float32 values between {@code a} and {@code b}; NaN against a number is {@link Long#MAX_VALUE}, NaN against NaN is 0. */
    public static long distance(float a, float b) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.isNaN(a) && Float.isNaN(b) ? 0 : Long.MAX_VALUE;
        }
        return Math.abs(key(a) - key(b));
    }

    /** Number of float64 values between {@code a} and {@code b}; NaN against a number is {@link Long#MAX_VALUE}, NaN against NaN is 0. */
    public static long distance(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.isNaN(a) && Double.isNaN(b) ? 0 : Long.MAX_VALUE;
        }
        long ka = key(a), kb = key(b);
        // saturate: keys of opposite-signed extremes can differ by more than Long.MAX_VALUE
        long d = ka - kb;
        if (((ka ^ kb) & (ka ^ d)) < 0) {
            return Long.MAX_VALUE;
        }
        return Math.abs(d);
    }

    private static long key(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits < 0 ? (long) Integer.MIN_VALUE - bits : bits;
    }

    private static long key(double d) {
        long bits = Double.doubleToRawLongBits(d);
        return bits < 0 ? Long.MIN_VALUE - bits : bits;
    }
}
