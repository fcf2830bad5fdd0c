package dev.adamant.testing;

import dev.adamant.precision.Bf16;
import dev.adamant.precision.Fp16;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bit-for-bit comparison of buffers: raw bit equality, except that any NaN equals any NaN (NaN
 * payloads and signs are not part of the contract); in 16-bit buffers too, uint8 codes byte for byte.
 */
public final class Bits {
    private Bits() {
    }

    public static boolean same(float a, float b) {
        return Float.floatToRawIntBits(a) == Float.floatToRawIntBits(b) || (Float.isNaN(a) && Float.isNaN(b));
    }

    public static boolean same(double a, double b) {
        return Double.doubleToRawLongBits(a) == Double.doubleToRawLongBits(b) || (Double.isNaN(a) && Double.isNaN(b));
    }

    /** Index of the first element where the two buffers differ by the rule above, or -1. */
    public static long firstDifference(MemorySegment expected, MemorySegment actual, DType dtype) {
        if (expected.byteSize() != actual.byteSize()) {
            throw new AssertionError("buffers of " + expected.byteSize() + " and " + actual.byteSize() + " bytes");
        }
        long from = 0;
        long n = expected.byteSize() / dtype.byteSize();
        while (true) {
            long byteMismatch = expected.asSlice(from * dtype.byteSize()).mismatch(actual.asSlice(from * dtype.byteSize()));
            if (byteMismatch < 0) {
                return -1;
            }
            long i = from + byteMismatch / dtype.byteSize();
            boolean same = switch (dtype) {
                case FLOAT32 -> same(expected.getAtIndex(ValueLayout.JAVA_FLOAT, i), actual.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                case FLOAT64 -> same(expected.getAtIndex(ValueLayout.JAVA_DOUBLE, i), actual.getAtIndex(ValueLayout.JAVA_DOUBLE, i));
                case BFLOAT16 -> same(Bf16.toFloat(expected.getAtIndex(ValueLayout.JAVA_SHORT, i)),
                        Bf16.toFloat(actual.getAtIndex(ValueLayout.JAVA_SHORT, i)));
                case FLOAT16 -> same(Fp16.toFloat(expected.getAtIndex(ValueLayout.JAVA_SHORT, i)),
                        Fp16.toFloat(actual.getAtIndex(ValueLayout.JAVA_SHORT, i)));
                case UINT8 -> false; // the bytes differ
            };
            if (!same) {
                return i;
            }
            from = i + 1;
            if (from == n) {
                return -1;
            }
        }
    }

    public static void assertSameBits(String what, MemorySegment expected, MemorySegment actual, DType dtype) {
        long i = firstDifference(expected, actual, dtype);
        if (i >= 0) {
            fail(what + " differs at element " + i + " of " + expected.byteSize() / dtype.byteSize()
                    + ": expected " + describe(expected, dtype, i) + " but was " + describe(actual, dtype, i));
        }
    }

    public static void assertSameBits(String what, Tensor expected, Tensor actual) {
        if (expected.dtype() != actual.dtype()) {
            fail(what + ": " + expected.dtype() + " vs " + actual.dtype());
        }
        assertSameBits(what, expected.segment(), actual.segment(), expected.dtype());
    }

    public static void assertSameBits(String what, float[] expected, float[] actual) {
        assertSameBits(what, MemorySegment.ofArray(expected), MemorySegment.ofArray(actual), DType.FLOAT32);
    }

    public static void assertSameBits(String what, double[] expected, double[] actual) {
        assertSameBits(what, MemorySegment.ofArray(expected), MemorySegment.ofArray(actual), DType.FLOAT64);
    }

    public static String describe(MemorySegment s, DType dtype, long i) {
        return switch (dtype) {
            case FLOAT32 -> {
                float f = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                yield f + " (0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")";
            }
            case FLOAT64 -> {
                double d = s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
                yield d + " (0x" + Long.toHexString(Double.doubleToRawLongBits(d)) + ")";
            }
            case BFLOAT16, FLOAT16 -> {
                short bits = s.getAtIndex(ValueLayout.JAVA_SHORT, i);
                float f = dtype == DType.BFLOAT16 ? Bf16.toFloat(bits) : Fp16.toFloat(bits);
                yield f + " (0x" + Integer.toHexString(bits & 0xFFFF) + ")";
            }
            case UINT8 -> "0x" + Integer.toHexString(s.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
        };
    }
}
