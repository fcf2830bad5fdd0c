package dev.adamant.precision;

/**
 * IEEE 754 binary16 (1 sign, 5 exponent, 10 mantissa bits; largest finite 65504, subnormals down
 * to 2^-24). The scalar reference of every fp16 conversion, written with the integer and float
 * operations a vector kernel also has (no table, no {@code Float.floatToFloat16}, which is the
 * tests' independent oracle), so the vector kernels apply the same steps lane by lane.
 */
public final class Fp16 {
    // together ×4; in two steps so that values past fp16's range saturate to infinity first
    private static final float SCALE_TO_INF = 0x1.0p112f;
    private static final float SCALE_TO_ZERO = 0x1.0p-110f;
    /** The smallest float32 exponent field whose values are fp16 normals (2^-14). */
    static final int MIN_NORMAL_EXPONENT = 0x3880_0000;
    /** Added to a float32 exponent field 2^e, makes the rounding constant 2^(e+15) of {@link #fromFloat}. */
    static final int ROUNDING_EXPONENT_OFFSET = 0x0780_0000;
    /** The quiet bit of a float32 NaN. */
    static final int QUIET = 0x0040_0000;
    /** Rebias from fp16's exponent (bias 15) to float32's (bias 127), in place at bit 23. */
    static final int REBIAS = (127 - 15) << 23;

    private Fp16() {
    }

    /**
     * The float32 value of an fp16 bit pattern (its low 16 bits); exact. NaN keeps its sign and
     * payload and is made quiet, as x86's {@code vcvtph2ps} does.
     */
    public static float toFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int magnitude = h & 0x7FFF;
        int result;
        if (magnitude >= 0x7C00) {
            int payload = (magnitude & 0x03FF) << 13;
            result = 0x7F80_0000 | payload | (payload != 0 ? QUIET : 0);  // infinity or quiet NaN
        } else if (magnitude >= 0x0400) {
            result = (magnitude << 13) + REBIAS;                         // normal
        } else {
            result = Float.floatToRawIntBits(magnitude * 0x1.0p-24f);   // subnormal or zero; exact
        }
        return Float.intBitsToFloat(sign | result);
    }

    /**
     * {@code value} rounded to the nearest fp16, ties to even; from 65520 (65504 plus half an ulp) up
     * it overflows to infinity, below 2^-25 it flushes to a signed zero. NaN becomes the quiet NaN
     * {@code 0x7E00} with the input's sign.
     *
     * <p>The rounding is done by the float adder: with e the input's exponent (at least fp16's
     * minimum normal exponent -14), adding {@code 2^(e+15)} to {@code 4·|value|} leaves exactly
     * fp16's mantissa (and its implicit bit) in the sum's low 12 bits, rounded to nearest even by the
     * addition itself; fp16 subnormals use the constant of the minimum normal, which gives them their
     * fixed 2^-24 step. The ×4 is made of two scalings (×2^112, ×2^-110) so that values past fp16's
     * range become infinity first. (The method of M. Dukhan's FP16 library.)
     */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7FFF_FFFF;
        if (magnitude > 0x7F80_0000) {
            return (short) (sign | 0x7E00);
        }
        float base = (Math.abs(value) * SCALE_TO_INF) * SCALE_TO_ZERO;
        int exponent = Math.max(magnitude & 0x7F80_0000, MIN_NORMAL_EXPONENT);
        base = Float.intBitsToFloat(exponent + ROUNDING_EXPONENT_OFFSET) + base;
        int rounded = Float.floatToRawIntBits(base);
        return (short) (sign | (((rounded >>> 13) & 0x7C00) + (rounded & 0x0FFF)));
    }
}
