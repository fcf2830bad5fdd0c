package dev.adamant.precision;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The element format of a parameter or gradient buffer in mixed precision: arithmetic always
 * happens in float32, on the decoded value; stores round to nearest even.
 */
public enum FloatFormat {
    FP32(4),
    BF16(2),
    FP16(2);

    private final int byteSize;

    FloatFormat(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** Element {@code index} of {@code segment}, decoded exactly to float32. */
    public float load(MemorySegment segment, long index) {
        return switch (this) {
            case FP32 -> segment.getAtIndex(JAVA_FLOAT, index);
            case BF16 -> Bf16.toFloat(segment.getAtIndex(JAVA_SHORT, index));
            case FP16 -> Fp16.toFloat(segment.getAtIndex(JAVA_SHORT, index));
        };
    }

    /** Stores {@code value} rounded to this format (nearest even) at element {@code index}. */
    public void store(MemorySegment segment, long index, float value) {
        switch (this) {
            case FP32 -> segment.setAtIndex(JAVA_FLOAT, index, value);
            case BF16 -> segment.setAtIndex(JAVA_SHORT, index, Bf16.fromFloat(value));
            case FP16 -> segment.setAtIndex(JAVA_SHORT, index, Fp16.fromFloat(value));
        }
    }

    /** Lower-case name as torch spells the dtype ({@code float32}, {@code bfloat16}, {@code float16}). */
    public String torchName() {
        return switch (this) {
            case FP32 -> "float32";
            case BF16 -> "bfloat16";
            case FP16 -> "float16";
        };
    }
}
