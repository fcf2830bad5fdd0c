package dev.adamant.tensor;

import java.lang.foreign.ValueLayout;

/** Element type of a tensor. */
public enum DType {
    FLOAT32(ValueLayout.JAVA_FLOAT),
    FLOAT64(ValueLayout.JAVA_DOUBLE);

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

    /** Lower-case name as torch spells it ({@code float32}). */
    public String torchName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
