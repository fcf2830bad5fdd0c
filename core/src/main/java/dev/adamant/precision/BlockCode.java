package dev.adamant.precision;

/**
 * The 8-bit code of blockwise-quantized optimizer state: each block of {@link #BLOCK} elements
 * stores one float32 scale, the block's absolute maximum, and per element a small floating-point
 * number relative to it: {@code value ≈ decode(code) × scale} with {@code decode(code) ∈ [0, 1]}.
 *
 * <p>Why a float code and not Dettmers et al.'s dynamic-tree map: both spend their 8 bits on an
 * exponent (dynamic range) and a few mantissa bits (precision), but encoding into the tree map is a
 * nearest-of-256 search, which a SIMD kernel can only do with about eight gathers per vector. A
 * float code is encoded with integer bit operations and one float addition per element, rounds to
 * nearest exactly, and decodes with a shift or a multiply, all lane-wise. Two variants:
 * <ul>
 *   <li>{@link #SIGNED}, for the first moment: sign, 4 exponent bits, 3 mantissa bits. Normal
 *       values span 2^-14 to 1 of the block maximum, subnormals step by 2^-17.</li>
 *   <li>{@link #UNSIGNED}, for the second moment, which is never negative: 5 exponent bits, 3
 *       mantissa bits. The second moment is of the order of the first squared, so it gets twice
 *       the binades: normals span 2^-30 to 1, subnormals step by 2^-33.</li>
 * </ul>
 * Both keep 3 mantissa bits: in the normal range the relative error is at most 2^-4 (6.25%) for
 * the moment and 2^-5 for the square root of the second moment, which is what the update divides
 * by; below the normal range the absolute error is at most half a subnormal step times the scale.
 * The top code is exactly 1.0 (exponent field all ones, mantissa zero), so the block maximum is
 * stored exactly; the 7 codes above it are never written.
 *
 * <p>A block whose maximum is not finite (a NaN or an infinity reached the moment) stores the
 * scale NaN and zero codes: the whole block decodes to NaN, as in bitsandbytes' 8-bit optimizers,
 * where one non-finite value spoils its block's absmax. A block of zeros, or whose maximum is below
 * 2^-100, stores scale 0 and zero codes.
 */
public enum BlockCode {
    SIGNED(4),
    UNSIGNED(5);

    /** Elements per block, each block with one float32 scale. */
    public static final int BLOCK = 256;
    /** Mantissa bits of both codes. */
    static final int MANTISSA_BITS = 3;
    static final int SIGN = 0x80;

    private final int bias;
    private final int maxMagnitude;
    private final float minNormal;
    private final float subnormalStep;
    private final float subnormalRounder;
    private final int rebias;

    BlockCode(int exponentBits) {
        bias = (1 << exponentBits) - 1;
        maxMagnitude = bias << MANTISSA_BITS;
        minNormal = Math.scalb(1f, 1 - bias);
        subnormalStep = Math.scalb(1f, 1 - bias - MANTISSA_BITS);
        // a float whose ulp is the subnormal step: adding it rounds to that step, to nearest even
        subnormalRounder = Math.scalb(1f, 1 - bias - MANTISSA_BITS + 23);
        rebias = (127 - bias) << 23;
    }

    /** The largest magnitude code: 1.0, the block maximum. */
    public int maxMagnitude() {
        return maxMagnitude;
    }

    /** Values below this (relative to the scale) are subnormal codes. */
    public float minNormal() {
        return minNormal;
    }

    /** The step between subnormal codes, relative to the scale. */
    public float subnormalStep() {
        return subnormalStep;
    }

    /** Float added to a subnormal magnitude to round it; see the constructor. */
    public float subnormalRounder() {
        return subnormalRounder;
    }

    /** Float32 exponent field minus the code's exponent field, at bit 23. */
    public int rebias() {
        return rebias;
    }

    /** The number of scales of a buffer of {@code elements} elements. */
    public static long blocks(long elements) {
        return (elements + BLOCK - 1) / BLOCK;
    }

    /**
     * The scale a block with absolute maximum {@code absMax} stores: itself; NaN when not finite; 0
     * below {@link #SMALLEST_SCALE}, where 1 / scale would overflow or lose precision (such a block
     * is stored as zeros: a moment under 2^-100 is nothing next to any epsilon).
     */
    public static float scaleOf(float absMax) {
        return !Float.isFinite(absMax) ? Float.NaN : absMax < SMALLEST_SCALE ? 0f : absMax;
    }

    /** Blocks whose maximum is below this are stored as zeros. */
    public static final float SMALLEST_SCALE = 0x1.0p-100f;

    /**
     * The multiplier that maps a block's values into [-1, 1]: 1 / scale, or 0 when the scale is 0
     * or NaN, so those blocks encode as all-zero codes.
     */
    public static float inverseOf(float scale) {
        return scale > 0 ? 1f / scale : 0f;
    }

    /**
     * The code of {@code value} in a block whose {@link #inverseOf inverse scale} is {@code inverse}.
     * SIGNED keeps the sign in bit 7; UNSIGNED takes the magnitude. Inverse 0 (a block of zeros or
     * a non-finite block) gives code 0.
     */
    public byte encode(float value, float inverse) {
        if (inverse == 0) {
            return 0;
        }
        float magnitude = Math.abs(value) * inverse;
        int code = encodeMagnitude(magnitude);
        if (this == SIGNED && Float.floatToRawIntBits(value) < 0) {
            code |= SIGN;
        }
        return (byte) code;
    }

    /** The value of {@code code} in a block of scale {@code scale}. */
    public float decode(byte code, float scale) {
        int c = code & 0xFF;
        float magnitude = decodeMagnitude(this == SIGNED ? c & ~SIGN : c);
        return (this == SIGNED && (c & SIGN) != 0 ? -magnitude : magnitude) * scale;
    }

    /**
     * The magnitude code of {@code magnitude ∈ [0, 1]} (a NaN never reaches here: it makes its block's
     * inverse 0), rounded to nearest and clamped to {@link #maxMagnitude}. Normal values round on
     * the float's bits (keep 3 mantissa bits, carry into the exponent), a tie away from zero: adding
     * half a code step and truncating is one integer addition fewer per element than ties to even, in a
     * kernel bound by its arithmetic, and a tie is one magnitude in 2^20 between adjacent codes, far
     * below the code's own error. Subnormal ones round in the float adder, a tie to even (see
     * {@code subnormalRounder}).
     */
    int encodeMagnitude(float magnitude) {
        int bits = Float.floatToRawIntBits(magnitude);
        int code;
        if (magnitude < minNormal) {
            code = Float.floatToRawIntBits(magnitude + subnormalRounder) - Float.floatToRawIntBits(subnormalRounder);
        } else {
            code = (bits + 0x8_0000 - rebias) >>> 20;
        }
        return Math.min(code, maxMagnitude);
    }

    /** The value in [0, 1] of a magnitude code; exact. */
    float decodeMagnitude(int code) {
        return code < (1 << MANTISSA_BITS)
                ? code * subnormalStep
                : Float.intBitsToFloat((code << 20) + rebias);
    }
}
