package dev.adamant.precision;

/**
 * How an optimizer keeps a moment buffer: float32, bfloat16 (rounded to nearest even on every
 * store), or 8 bits per element with one float32 scale per block of {@link BlockCode#BLOCK}
 * ({@link BlockCode}: signed for the first moment, unsigned for the second).
 */
public enum StateFormat {
    FP32(4),
    BF16(2),
    BLOCKWISE_8BIT(1);

    /**
     * Tensors with fewer elements stay in float32 whatever format was asked for, as in
     * bitsandbytes ({@code min_8bit_size = 4096}): their state is a negligible part of the memory,
     * biases and norms are among them and are the most sensitive to quantization error, and a
     * tensor under 16 blocks would spend a large share of its state bytes on scales.
     */
    public static final long SMALL_TENSOR_THRESHOLD = 4096;

    private final int byteSize;

    StateFormat(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element of one moment buffer, without the scales. */
    public int byteSize() {
        return byteSize;
    }

    /** Bytes per element of one moment buffer with its scales (4 bytes per block for 8-bit). */
    public double bytesPerElement() {
        return this == BLOCKWISE_8BIT ? 1 + 4.0 / BlockCode.BLOCK : byteSize;
    }

    /** The format a tensor of {@code elements} elements gets when {@code requested} is asked for. */
    public static StateFormat forTensor(StateFormat requested, long elements) {
        return elements < SMALL_TENSOR_THRESHOLD ? FP32 : requested;
    }
}
