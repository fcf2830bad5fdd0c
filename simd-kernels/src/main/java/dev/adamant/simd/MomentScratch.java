package dev.adamant.simd;

/**
 * Per-thread float32 scratch on the Java heap, where the 8-bit path of the mixed kernel keeps a
 * block's new moments until the block's new scales are known.
 *
 * <p>Why a {@code float[]} and not off-heap like {@link Scratch}: with the new moments stored into
 * an off-heap scratch segment (two or three vector stores per vector of the Adam loop, amid its
 * off-heap loads and stores) the whole 8-bit step took about 1.4 ns per element in cache in most
 * JVM runs, and 1.0 in a few; with an array it takes 1.0 in every run (measured interleaved in one
 * JVM, 512-bit, 65536 elements). The machine has no disassembler, so why C2's code for the
 * off-heap stores is slower is not established.
 */
final class MomentScratch extends ThreadLocal<float[]> {
    private final int floats;

    MomentScratch(int floats) {
        this.floats = floats;
    }

    @Override
    protected float[] initialValue() {
        return new float[floats];
    }
}
