package dev.adamant.tensor;

import dev.adamant.internal.Checks;
import dev.adamant.precision.Bf16;
import dev.adamant.precision.Fp16;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A flat, off-heap array of float32, float64, bfloat16 or float16 elements (or uint8 codes of 8-bit
 * optimizer state). 16-bit elements are read and written as floats: {@link #getFloat} decodes them
 * exactly, {@link #setFloat} and {@link #copyFrom(float[])} round to nearest even.
 *
 * <p>Tensors made by {@link #allocate} own their memory: it is zeroed, shared between threads, freed
 * by {@link #close()}, and at least 64-byte aligned; from 2 MiB up it is a mapping of its own on
 * transparent huge pages where the platform allows ({@link #hugePagesUnavailableBecause()}). Tensors made by {@link #wrap} view memory the
 * caller owns and never free it. Sizes are {@code long}: a tensor may exceed 2^31 elements.
 */
public final class Tensor implements AutoCloseable {
    /** Alignment of owned tensors: one cache line, the width of an AVX-512 register. */
    public static final long ALIGNMENT = 64;

    private final MemorySegment segment;
    private final DType dtype;
    private final long size;
    private final Arena owner; // null when the memory belongs to the caller
    private final AtomicBoolean closing = new AtomicBoolean(); // close() may race; the arena closes once
    /** Owned tensors not closed yet, and their bytes: the engine's whole off-heap use (leak checks). */
    private static final AtomicLong OWNED_COUNT = new AtomicLong();
    private static final AtomicLong OWNED_BYTES = new AtomicLong();

    private Tensor(MemorySegment segment, DType dtype, Arena owner) {
        this.segment = segment;
        this.dtype = dtype;
        this.size = segment.byteSize() / dtype.byteSize();
        this.owner = owner;
    }

    /** A zeroed tensor of {@code size} elements in memory of its own, freed by {@link #close()}. */
    public static Tensor allocate(DType dtype, long size) {
        Objects.requireNonNull(dtype, "dtype");
        checkSize(dtype, size);
        Arena arena = Arena.ofShared();
        Tensor t;
        try {
            t = new Tensor(HugePages.allocate(arena, size * dtype.byteSize()), dtype, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        OWNED_COUNT.incrementAndGet();
        OWNED_BYTES.addAndGet(t.segment.byteSize());
        return t;
    }

    /**
     * Tensors allocated with {@link #allocate(DType, long)} (and the {@code of...} factories) that are
     * not closed yet. Every state tensor the engine creates is one, so this counts all its off-heap
     * memory; a number that grows over a long run is a leak.
     */
    public static long ownedCount() {
        return OWNED_COUNT.get();
    }

    /** The bytes of the tensors {@link #ownedCount()} counts. */
    public static long ownedBytes() {
        return OWNED_BYTES.get();
    }

    /**
     * Null when tensors of 2 MiB and more are allocated on transparent huge pages; otherwise why not
     * (not Linux, no {@code --enable-native-access}, THP switched off, or
     * {@code -Dadamant.hugePages=false}). At DRAM sizes huge pages make the step faster and its
     * speed steady from run to run.
     */
    public static String hugePagesUnavailableBecause() {
        return HugePages.unavailableBecause();
    }

    /** A zeroed tensor allocated from the caller's arena; closing the tensor leaves the arena alone. */
    public static Tensor allocate(Arena arena, DType dtype, long size) {
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(dtype, "dtype");
        checkSize(dtype, size);
        return new Tensor(HugePages.allocate(arena, size * dtype.byteSize()), dtype, null);
    }

    /** An owned float32 tensor holding a copy of {@code values}. */
    public static Tensor ofFloats(float... values) {
        Tensor t = allocate(DType.FLOAT32, values.length);
        MemorySegment.copy(values, 0, t.segment, ValueLayout.JAVA_FLOAT, 0, values.length);
        return t;
    }

    /**
     * An owned tensor of {@code dtype} (float32, bfloat16 or float16) holding {@code values}, rounded
     * to nearest even for the 16-bit types.
     */
    public static Tensor ofFloats(DType dtype, float... values) {
        Tensor t = allocate(dtype, values.length);
        try {
            t.copyFrom(values);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** An owned float64 tensor holding a copy of {@code values}. */
    public static Tensor ofDoubles(double... values) {
        Tensor t = allocate(DType.FLOAT64, values.length);
        MemorySegment.copy(values, 0, t.segment, ValueLayout.JAVA_DOUBLE, 0, values.length);
        return t;
    }

    /**
     * A view of caller-owned memory (off-heap, or a heap segment over a {@code float[]} /
     * {@code double[]}). The segment must be a whole number of elements, aligned to the element
     * size, and of the matching element type when it is backed by a Java array.
     */
    public static Tensor wrap(MemorySegment segment, DType dtype) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(dtype, "dtype");
        Checks.elementType("segment", segment, dtype);
        if (segment.byteSize() % dtype.byteSize() != 0) {
            throw new IllegalArgumentException("segment of " + segment.byteSize()
                    + " bytes is not a whole number of " + dtype.torchName() + " elements");
        }
        return new Tensor(segment, dtype, null);
    }

    private static void checkSize(DType dtype, long size) {
        if (size < 0 || size > Long.MAX_VALUE / dtype.byteSize()) {
            throw new IllegalArgumentException("Invalid tensor size: " + size);
        }
    }

    public MemorySegment segment() {
        return segment;
    }

    public DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public long size() {
        return size;
    }

    /** False once the memory has been freed (this tensor, or the caller's arena, closed). */
    public boolean isAlive() {
        return segment.scope().isAlive();
    }

    /** Element {@code index} of a float32, bfloat16 or float16 tensor, decoded exactly to float32. */
    public float getFloat(long index) {
        long i = checkFloatIndex(index);
        return switch (dtype) {
            case BFLOAT16 -> Bf16.toFloat(segment.getAtIndex(ValueLayout.JAVA_SHORT, i));
            case FLOAT16 -> Fp16.toFloat(segment.getAtIndex(ValueLayout.JAVA_SHORT, i));
            default -> segment.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        };
    }

    /** Sets element {@code index} of a float32, bfloat16 or float16 tensor, rounded to nearest even. */
    public void setFloat(long index, float value) {
        long i = checkFloatIndex(index);
        switch (dtype) {
            case BFLOAT16 -> segment.setAtIndex(ValueLayout.JAVA_SHORT, i, Bf16.fromFloat(value));
            case FLOAT16 -> segment.setAtIndex(ValueLayout.JAVA_SHORT, i, Fp16.fromFloat(value));
            default -> segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
        }
    }

    public double getDouble(long index) {
        return segment.getAtIndex(ValueLayout.JAVA_DOUBLE, checkIndex(index, DType.FLOAT64));
    }

    public void setDouble(long index, double value) {
        segment.setAtIndex(ValueLayout.JAVA_DOUBLE, checkIndex(index, DType.FLOAT64), value);
    }

    /**
     * Copies {@code values} over the whole tensor (float32, or bfloat16/float16 rounded to nearest
     * even); their count must equal {@link #size()}.
     */
    public void copyFrom(float[] values) {
        requireFloatLike();
        requireLength(values.length);
        if (dtype == DType.FLOAT32) {
            MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT, 0, values.length);
        } else {
            for (int i = 0; i < values.length; i++) {
                setFloat(i, values[i]);
            }
        }
    }

    public void copyFrom(double[] values) {
        requireType(DType.FLOAT64);
        requireLength(values.length);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_DOUBLE, 0, values.length);
    }

    /** Copies all elements from another tensor of the same type and size. */
    public void copyFrom(Tensor other) {
        requireType(other.dtype);
        requireLength(other.size);
        MemorySegment.copy(other.segment, 0, segment, 0, segment.byteSize());
    }

    /** The elements of a float32, bfloat16 or float16 tensor as floats (16-bit ones decoded exactly). */
    public float[] toFloatArray() {
        requireFloatLike();
        if (dtype == DType.FLOAT32) {
            return segment.toArray(ValueLayout.JAVA_FLOAT);
        }
        float[] values = new float[Math.toIntExact(size)];
        for (int i = 0; i < values.length; i++) {
            values[i] = getFloat(i);
        }
        return values;
    }

    public double[] toDoubleArray() {
        requireType(DType.FLOAT64);
        return segment.toArray(ValueLayout.JAVA_DOUBLE);
    }

    /**
     * Sets every element to {@code value}: rounded to float32 for a float32 tensor and to nearest even
     * for the 16-bit types; for uint8 it must be an integer in [0, 255].
     */
    public void fill(double value) {
        switch (dtype) {
            case FLOAT32 -> {
                float f = (float) value;
                for (long i = 0; i < size; i++) {
                    segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, f);
                }
            }
            case FLOAT64 -> {
                for (long i = 0; i < size; i++) {
                    segment.setAtIndex(ValueLayout.JAVA_DOUBLE, i, value);
                }
            }
            case BFLOAT16, FLOAT16 -> {
                float f = (float) value;
                short bits = dtype == DType.BFLOAT16 ? Bf16.fromFloat(f) : Fp16.fromFloat(f);
                for (long i = 0; i < size; i++) {
                    segment.setAtIndex(ValueLayout.JAVA_SHORT, i, bits);
                }
            }
            case UINT8 -> {
                if (!(value >= 0 && value <= 255 && value == Math.rint(value))) {
                    throw new IllegalArgumentException("cannot fill a uint8 tensor with " + value
                            + " (expected an integer in [0, 255])");
                }
                segment.fill((byte) value);
            }
        }
    }

    /** Sets every element to zero. */
    public void zero() {
        segment.fill((byte) 0);
    }

    /** Frees owned memory; a no-op for views of caller-owned memory. Idempotent. */
    @Override
    public void close() {
        if (owner != null && closing.compareAndSet(false, true)) {
            owner.close();
            OWNED_COUNT.decrementAndGet();
            OWNED_BYTES.addAndGet(-segment.byteSize());
        }
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype.torchName() + ", size=" + size + (isAlive() ? "" : ", closed") + "]";
    }

    private long checkIndex(long index, DType expected) {
        requireType(expected);
        return Objects.checkIndex(index, size);
    }

    private long checkFloatIndex(long index) {
        requireFloatLike();
        return Objects.checkIndex(index, size);
    }

    private void requireFloatLike() {
        if (!dtype.isFloatLike()) {
            throw new IllegalArgumentException("tensor holds " + dtype.torchName()
                    + ", not float32, bfloat16 or float16");
        }
    }

    private void requireType(DType expected) {
        if (dtype != expected) {
            throw new IllegalArgumentException("tensor holds " + dtype.torchName() + ", not " + expected.torchName());
        }
    }

    private void requireLength(long length) {
        if (length != size) {
            throw new IllegalArgumentException("size mismatch: tensor has " + size + " elements, source has " + length);
        }
    }
}
