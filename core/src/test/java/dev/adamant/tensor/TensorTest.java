package dev.adamant.tensor;

import dev.adamant.precision.Bf16;
import dev.adamant.precision.Fp16;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 1000, 4099})
    void allocatedMemoryIs64ByteAlignedZeroedAndOfTheRightSize(int n) {
        for (DType dtype : DType.values()) {
            // several tensors in a row: a lucky first address must not hide a missing alignment
            for (int k = 0; k < 4; k++) {
                try (Tensor t = Tensor.allocate(dtype, n)) {
                    assertEquals(0, t.segment().address() % 64, () -> "address of " + t);
                    assertEquals(n, t.size());
                    assertEquals(n * dtype.byteSize(), t.segment().byteSize());
                    assertEquals(-1, t.segment().mismatch(MemorySegment.ofArray(new byte[(int) (n * dtype.byteSize())])),
                            "freshly allocated memory must be zero");
                }
            }
        }
    }

    @Test
    void allocationFromACallerArenaIsAlignedAndZeroed() {
        try (Arena arena = Arena.ofConfined()) {
            arena.allocate(3); // disturb the arena's bump pointer
            Tensor t = Tensor.allocate(arena, DType.FLOAT64, 9);
            assertEquals(0, t.segment().address() % Tensor.ALIGNMENT);
            assertArrayEquals(new double[9], t.toDoubleArray());
        }
    }

    @Test
    void anEmptyTensorIsAllowed() {
        try (Tensor t = Tensor.allocate(DType.FLOAT32, 0)) {
            assertEquals(0, t.size());
            assertEquals(0, t.toFloatArray().length);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, -4096, Long.MIN_VALUE})
    void negativeSizesAreRejectedWithTheSizeInTheMessage(long size) {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(DType.FLOAT32, size));
        assertTrue(e.getMessage().contains(Long.toString(size)), e.getMessage());
    }

    @Test
    void sizesWhoseByteCountOverflowsALongAreRejected() {
        // the byte count of (MAX/8 + 1) doubles, or (MAX/4 + 1) floats, does not fit in a long
        long doubles = Long.MAX_VALUE / 8 + 1, floats = Long.MAX_VALUE / 4 + 1;
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(DType.FLOAT64, doubles));
        assertTrue(e.getMessage().contains(Long.toString(doubles)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(DType.FLOAT32, floats));
        assertTrue(e.getMessage().contains(Long.toString(floats)), e.getMessage());
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(arena, DType.FLOAT64, doubles));
        }
    }

    @Test
    void sizesBeyondTwoToThe31AreCountedInLongs() {
        // a view, never touched: no 8 GiB allocation
        long elements = (1L << 31) + 6;
        MemorySegment huge = MemorySegment.ofAddress(1L << 20).reinterpret(elements * Float.BYTES);
        Tensor t = Tensor.wrap(huge, DType.FLOAT32);
        assertEquals(elements, t.size());
        assertEquals((1L << 30) + 3, Tensor.wrap(huge, DType.FLOAT64).size());
        assertThrows(IndexOutOfBoundsException.class, () -> t.getFloat(elements));
    }

    @Test
    void wrappingAHeapSegmentChecksTheArrayType() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.wrap(MemorySegment.ofArray(new double[4]), DType.FLOAT32));
        assertTrue(e.getMessage().contains("double[]") && e.getMessage().contains("float32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.wrap(MemorySegment.ofArray(new float[4]), DType.FLOAT64));
        assertTrue(e.getMessage().contains("float[]") && e.getMessage().contains("float64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(MemorySegment.ofArray(new int[4]), DType.FLOAT32));

        float[] floats = {1.5f, -2f, 3.25f};
        Tensor view = Tensor.wrap(MemorySegment.ofArray(floats), DType.FLOAT32);
        assertEquals(3, view.size());
        view.setFloat(1, 7f);
        assertEquals(7f, floats[1], "a wrapped heap segment is a view, not a copy");
        double[] doubles = {0.5, 0.25};
        assertEquals(0.25, Tensor.wrap(MemorySegment.ofArray(doubles), DType.FLOAT64).getDouble(1));
    }

    @Test
    void wrappingChecksAlignmentToTheElementSize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment base = arena.allocate(64, 64);
            var e = assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(base.asSlice(2, 32), DType.FLOAT32));
            assertTrue(e.getMessage().contains("aligned") && e.getMessage().contains("4 bytes"), e.getMessage());
            // 4-byte aligned is enough for float32, not for float64
            assertEquals(8, Tensor.wrap(base.asSlice(4, 32), DType.FLOAT32).size());
            e = assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(base.asSlice(4, 32), DType.FLOAT64));
            assertTrue(e.getMessage().contains("8 bytes"), e.getMessage());
            // heap segments too: a float[] sliced at 2 bytes
            assertThrows(IllegalArgumentException.class,
                    () -> Tensor.wrap(MemorySegment.ofArray(new float[8]).asSlice(2, 16), DType.FLOAT32));
        }
    }

    @Test
    void wrappingRejectsAPartialElement() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(6, 8);
            var e = assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(s, DType.FLOAT32));
            assertTrue(e.getMessage().contains("6 bytes"), e.getMessage());
        }
    }

    @Test
    void closeFreesOwnedMemoryAndIsIdempotent() {
        Tensor t = Tensor.ofFloats(1, 2, 3);
        MemorySegment segment = t.segment();
        assertTrue(t.isAlive());
        t.close();
        assertFalse(t.isAlive());
        assertFalse(segment.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_FLOAT, 0));
        assertThrows(IllegalStateException.class, () -> t.getFloat(0));
        t.close(); // second close: no exception
        assertFalse(t.isAlive());
        assertTrue(t.toString().contains("closed"), t.toString());
    }

    @Test
    void closingAWrappedTensorLeavesTheCallersMemoryAlone() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, 4);
            s.setAtIndex(ValueLayout.JAVA_FLOAT, 2, 42f);
            Tensor view = Tensor.wrap(s, DType.FLOAT32);
            view.close();
            view.close();
            assertTrue(view.isAlive());
            assertEquals(42f, s.getAtIndex(ValueLayout.JAVA_FLOAT, 2));

            Tensor fromArena = Tensor.allocate(arena, DType.FLOAT32, 4);
            fromArena.close();
            assertTrue(fromArena.isAlive(), "a tensor allocated from the caller's arena is freed with the arena");
        }
        float[] heap = {1f};
        Tensor heapView = Tensor.wrap(MemorySegment.ofArray(heap), DType.FLOAT32);
        heapView.close();
        assertEquals(1f, heapView.getFloat(0));
    }

    @Test
    void closingTheCallersArenaKillsItsTensors() {
        Arena arena = Arena.ofShared();
        Tensor t = Tensor.allocate(arena, DType.FLOAT64, 4);
        arena.close();
        assertFalse(t.isAlive());
        assertThrows(IllegalStateException.class, () -> t.getDouble(0));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void elementAccessChecksTypeAndIndex(DType dtype) {
        try (Tensor t = Tensor.allocate(dtype, 5)) {
            if (dtype.isFloatLike()) {
                t.setFloat(4, -0f);
                assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(t.getFloat(4)));
                assertThrows(IllegalArgumentException.class, () -> t.getDouble(0));
                assertThrows(IndexOutOfBoundsException.class, () -> t.getFloat(5));
                assertThrows(IndexOutOfBoundsException.class, () -> t.getFloat(-1));
            } else if (dtype == DType.UINT8) {
                var e = assertThrows(IllegalArgumentException.class, () -> t.getFloat(0));
                assertEquals("tensor holds uint8, not float32, bfloat16 or float16", e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> t.getDouble(0));
                assertThrows(IllegalArgumentException.class, () -> t.toFloatArray());
                t.fill(255);
                assertEquals((byte) 255, t.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 4));
                assertThrows(IllegalArgumentException.class, () -> t.fill(0.5));
                assertThrows(IllegalArgumentException.class, () -> t.fill(256));
            } else {
                t.setDouble(4, -0d);
                assertEquals(Double.doubleToRawLongBits(-0d), Double.doubleToRawLongBits(t.getDouble(4)));
                assertThrows(IllegalArgumentException.class, () -> t.getFloat(0));
                assertThrows(IndexOutOfBoundsException.class, () -> t.getDouble(5));
            }
        }
    }

    /**
     * bfloat16 and float16 elements read as their exact float32 values and are written rounded to
     * nearest even (the conversions of {@link Bf16} and {@link Fp16}), one by one, by array, by fill.
     */
    @Test
    void sixteenBitElementsConvertToAndFromFloat() {
        float[] values = {1f, 1f + 0x1.0p-8f, 1f + 0x1.8p-8f, 65504f, 65520f, 1e-8f, -3.1415927f, Float.NaN,
                Float.NEGATIVE_INFINITY, 3e38f, Float.MIN_VALUE};
        for (DType dtype : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            try (Tensor t = Tensor.ofFloats(dtype, values); Tensor one = Tensor.allocate(dtype, values.length)) {
                assertEquals(2L * values.length, t.segment().byteSize());
                float[] back = t.toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    short bits = dtype == DType.BFLOAT16 ? Bf16.fromFloat(values[i]) : Fp16.fromFloat(values[i]);
                    float expected = dtype == DType.BFLOAT16 ? Bf16.toFloat(bits) : Fp16.toFloat(bits);
                    assertEquals(bits, t.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i), dtype + " bits of " + values[i]);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(back[i]), dtype + " value of " + values[i]);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(t.getFloat(i)));
                    one.setFloat(i, values[i]);
                }
                assertEquals(-1, one.segment().mismatch(t.segment()), "setFloat rounds as copyFrom");
                try (Tensor tie = Tensor.ofFloats(dtype, 1f + 0x1.0p-12f)) {
                    assertEquals(1f, tie.getFloat(0), "below half an ulp rounds down");
                }
                one.fill(0.1);
                assertEquals(dtype == DType.BFLOAT16 ? Bf16.toFloat(Bf16.fromFloat(0.1f)) : Fp16.toFloat(Fp16.fromFloat(0.1f)),
                        one.getFloat(3));
                var e = assertThrows(IllegalArgumentException.class, () -> t.copyFrom(new float[3]));
                assertTrue(e.getMessage().contains("size mismatch"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> t.getDouble(0));
            }
            // a view of caller memory: a short[] backs 16-bit elements, a float[] does not
            short[] raw = {0x3F80, 0x4000};
            Tensor view = Tensor.wrap(MemorySegment.ofArray(raw), dtype);
            assertEquals(dtype == DType.BFLOAT16 ? 1f : Fp16.toFloat((short) 0x3F80), view.getFloat(0));
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(MemorySegment.ofArray(new float[2]), dtype));
        }
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats(DType.FLOAT64, 1f));
    }

    @Test
    void copiesCheckLengthAndType() {
        try (Tensor a = Tensor.ofFloats(1, 2, 3); Tensor b = Tensor.allocate(DType.FLOAT32, 3);
             Tensor d = Tensor.allocate(DType.FLOAT64, 3)) {
            b.copyFrom(a);
            assertArrayEquals(new float[]{1, 2, 3}, b.toFloatArray());
            var e = assertThrows(IllegalArgumentException.class, () -> b.copyFrom(new float[]{1, 2}));
            assertTrue(e.getMessage().contains("size mismatch"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.copyFrom(a));
            assertArrayEquals(new float[]{1, 2, 3}, b.toFloatArray(), "a rejected copy must not write");
            b.zero();
            assertArrayEquals(new float[3], b.toFloatArray());
        }
    }

    @Test
    void ownedTensorsAreCountedUntilClosedOnce() {
        long count = Tensor.ownedCount(), bytes = Tensor.ownedBytes();
        Tensor t = Tensor.allocate(DType.FLOAT64, 5);
        assertEquals(count + 1, Tensor.ownedCount());
        assertEquals(bytes + 40, Tensor.ownedBytes());
        try (Arena arena = Arena.ofConfined()) {
            Tensor.allocate(arena, DType.FLOAT32, 7).close(); // the caller's memory: not counted
            assertEquals(count + 1, Tensor.ownedCount());
        }
        t.close();
        t.close();
        assertEquals(count, Tensor.ownedCount());
        assertEquals(bytes, Tensor.ownedBytes());
    }
}
