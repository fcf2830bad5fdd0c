package dev.adamant.precision;

/**
 * bfloat16 (1 sign, 8 exponent, 7 mantissa bits): the upper half of a float32, so it has float32's
 * range, subnormals included, and 8 bits of precision. The scalar reference of every bf16
 * conversion; the vector kernels apply the same integer operations lane by lane.
 *
 * <p>Decoding is exact (a shift, NaN payloads kept). Encoding rounds to nearest, ties to even, on
 * the bit pattern: adding {@code 0x7FFF} plus the lowest kept bit, then truncating, carries into
 * the exponent exactly when IEEE rounding would, so subnormals round correctly and values above
 * the largest bf16 plus half an ulp overflow to infinity. NaN is handled first: it keeps its sign
 * and top payload bits and gets the quiet bit, so it can never round into an infinity.
 */
public final class Bf16 {
    /** The quiet bit of a bf16 NaN (the mantissa's top bit). */
    static final int QUIET = 0x0040;

    private Bf16() {
    }

    /** The float32 value of a bf16 bit pattern (its low 16 bits); exact. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** {@code value} rounded to the nearest bf16, ties to even; NaN becomes a quiet NaN of the same sign. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | QUIET);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * {@code value} rounded stochastically to one of its two bf16 neighbours: {@code randomBits}'s
     * low 16 bits are added below the kept bits before truncating, so the value rounds up with
     * probability (distance to the lower neighbour) / ulp, and its expectation is {@code value}.
     * Representable values (low 16 bits zero) never move. Infinities and NaN take the
     * round-to-nearest path (adding to their bits would turn an infinity into a NaN).
     */
    public static short fromFloatStochastic(float value, int randomBits) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7F80_0000) == 0x7F80_0000) {
            return fromFloat(value);
        }
        return (short) ((bits + (randomBits & 0xFFFF)) >>> 16);
    }
}
