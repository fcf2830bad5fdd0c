package dev.adamant.tensor;

import java.lang.foreign.ValueLayout;

/**
 * Element type of a tensor: the floating-point types parameters, gradients and state are kept in,
 * and {@link #UINT8}, the codes of 8-bit blockwise optimizer state.
 *
 * <p>{@link #BFLOAT16} and {@link #FLOAT16} elements are 16-bit patterns ({@code short}s in native
 * order); {@link Tensor#getFloat} and {@link Tensor#setFloat} decode and round them (nearest even)
 * with {@link dev.adamant.precision.Bf16} and {@link dev.adamant.precision.Fp16}. Only Adam and
 * AdamW update 16-bit parameters (mixed precision); the other optimizers reject them.
 */
public enum DType {
    FLOAT32(ValueLayout.JAVA_FLOAT),
    FLOAT64(ValueLayout.JAVA_DOUBLE),
    BFLOAT16(ValueLayout.JAVA_SHORT),
    FLOAT16(ValueLayout.JAVA_SHORT),
    UINT8(ValueLayout.JAVA_BYTE);

    private final ValueLayout layout;

    DType(ValueLayout layout) {
        this.layout = layout;
    }

    /** Native-order layout of one element. */
    public ValueLayout layout() {
        return layout;
    }

    public long byteSize() {
        return layout.byteSize();
    }

    /** True for the types whose elements read as floats: float32, bfloat16 and float16. */
    public boolean isFloatLike() {
        return this == FLOAT32 || this == BFLOAT16 || this == FLOAT16;
    }

    /** True for bfloat16 and float16. */
    public boolean isHalf() {
        return this == BFLOAT16 || this == FLOAT16;
    }

    /** Lower-case name as torch spells it ({@code float32}, {@code bfloat16}, {@code uint8}). */
    public String torchName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
