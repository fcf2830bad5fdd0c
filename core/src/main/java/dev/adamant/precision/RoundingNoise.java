package dev.adamant.precision;

/**
 * The random source of stochastic rounding: counter-based, so the bits of an element depend only on
 * (seed, step, element index), never on the order or the lane width in which elements are
 * processed. The scalar reference and every vector kernel therefore round identically, and a run
 * is reproducible from its seed.
 *
 * <p>{@link #stepKey} mixes seed and step once per step (SplitMix64); {@link #bits} then hashes the
 * element index with two rounds of MurmurHash3's 32-bit finaliser (a bijection with full
 * avalanche), first over the index's low word, then over its high word, each xor-ed with one half
 * of the step key. Only 32-bit integer multiplies, shifts and xors, which every vector width has.
 */
public final class RoundingNoise {
    private RoundingNoise() {
    }

    /** The key of one step: a SplitMix64 mix of {@code seed} and {@code step}. */
    public static long stepKey(long seed, long step) {
        long z = seed + step * 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** 32 random bits for element {@code index} under {@code stepKey}. */
    public static int bits(long stepKey, long index) {
        int h = fmix32((int) index ^ (int) stepKey);
        return fmix32(h ^ (int) (index >>> 32) ^ (int) (stepKey >>> 32));
    }

    /** MurmurHash3's finaliser. */
    static int fmix32(int h) {
        h ^= h >>> 16;
        h *= 0x85EB_CA6B;
        h ^= h >>> 13;
        h *= 0xC2B2_AE35;
        return h ^ (h >>> 16);
    }
}
