package dev.adamant.internal;

import dev.adamant.tensor.DType;

import java.lang.foreign.MemorySegment;

/**
 * Argument checks shared by the public entry points. Each failure names the offending buffer and
 * value; none of them touches the memory it inspects.
 */
public final class Checks {
    private Checks() {
    }

    /** Rejects heap segments backed by the wrong array type and segments not aligned to the element size. */
    public static void elementType(String name, MemorySegment segment, DType dtype) {
        Object base = segment.heapBase().orElse(null);
        if (base != null) {
            boolean matches = switch (dtype) {
                case FLOAT32 -> base instanceof float[];
                case FLOAT64 -> base instanceof double[];
                case BFLOAT16, FLOAT16 -> base instanceof short[];
                case UINT8 -> base instanceof byte[];
            };
            if (!matches) {
                throw new IllegalArgumentException(name + " is backed by a " + base.getClass().getSimpleName()
                        + ", expected " + dtype.torchName() + " elements");
            }
        }
        if (segment.maxByteAlignment() < dtype.byteSize()) {
            throw new IllegalArgumentException(name + " at address 0x" + Long.toHexString(segment.address())
                    + " is not aligned to " + dtype.byteSize() + " bytes (" + dtype.torchName() + ")");
        }
    }

    /**
     * Rejects a {@code clip_grad_value_} bound that is NaN or negative (torch would clamp every
     * element to nonsense); {@code +∞} is accepted and clamps nothing. Returns it with {@code -0.0}
     * made {@code +0.0}, so the bounds are {@code [-0.0, +0.0]} as torch's for a clip value of 0.
     */
    public static double clipValue(double clipValue) {
        if (!(clipValue >= 0)) {
            throw new IllegalArgumentException("Invalid clipValue: " + clipValue + " (expected >= 0; +Infinity clips nothing)");
        }
        return clipValue + 0.0;
    }

    /** Rejects freed memory, and read-only memory where the call would write. */
    public static void usable(String name, MemorySegment segment, boolean written) {
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + " is closed: its memory has already been freed");
        }
        if (written && segment.isReadOnly()) {
            throw new IllegalArgumentException(name + " is read-only, but the update writes it");
        }
    }

    /** Rejects a range that reaches past the end of a buffer. */
    public static void covers(String name, MemorySegment segment, DType dtype, long to) {
        long elements = segment.byteSize() / dtype.byteSize();
        if (to > elements) {
            throw new IllegalArgumentException("size mismatch: range ends at element " + to + " but " + name
                    + " holds " + elements + " " + dtype.torchName() + " elements");
        }
    }

    /** Rejects two buffers that share any byte. */
    public static void disjoint(String nameA, MemorySegment a, String nameB, MemorySegment b) {
        if (a.asOverlappingSlice(b).isPresent()) {
            throw new IllegalArgumentException(nameA + " and " + nameB + " overlap in memory (" + describe(a)
                    + " and " + describe(b) + "); the update needs distinct buffers");
        }
    }

    private static String describe(MemorySegment s) {
        return s.isNative()
                ? "0x" + Long.toHexString(s.address()) + "+" + s.byteSize() + " bytes"
                : "heap offset " + s.address() + "+" + s.byteSize() + " bytes";
    }

    /** A finite, non-negative hyperparameter (lr, eps, weight_decay...). */
    public static double nonNegative(String what, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("Invalid " + what + ": " + value + " (must be finite and >= 0)");
        }
        return value;
    }

    /** A beta in [0, 1). */
    public static double beta(int index, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index " + index + ": " + value
                    + " (must be in [0, 1))");
        }
        return value;
    }
}
