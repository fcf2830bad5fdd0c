package dev.adamant.optim;

import dev.adamant.precision.BlockCode;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A state tensor an optimizer keeps per parameter, under torch's name, with the value torch
 * initialises it to (zeros, or Adagrad's {@code initial_accumulator_value}) and how it is stored
 * relative to its parameter ({@link Storage}: like the parameter for every fp32/fp64 optimizer;
 * mixed-precision Adam keeps other formats).
 */
public record Slot(String name, double initialValue, Storage storage) {

    /** The dtype and size of a slot's tensor for a given parameter, and how a new one starts. */
    public enum Storage {
        /** The parameter's dtype and size, filled with the initial value. */
        LIKE_PARAM,
        /** float32, the parameter's size (fp32 moments of a 16-bit parameter). */
        FLOAT32,
        /** bfloat16, the parameter's size (bf16 moments). */
        BFLOAT16,
        /** uint8 codes, the parameter's size ({@link BlockCode}: 8-bit blockwise moments). */
        CODES_8BIT,
        /** float32, one per block of {@link BlockCode#BLOCK} elements (the scales of 8-bit moments). */
        BLOCK_SCALES,
        /** float32, the parameter's size, starting as the parameter's value (an fp32 master copy). */
        MASTER_COPY;

        /** The dtype of this slot's tensor for a parameter of {@code param}'s dtype. */
        public DType dtype(DType param) {
            return switch (this) {
                case LIKE_PARAM -> param;
                case FLOAT32, BLOCK_SCALES, MASTER_COPY -> DType.FLOAT32;
                case BFLOAT16 -> DType.BFLOAT16;
                case CODES_8BIT -> DType.UINT8;
            };
        }

        /** The number of elements of this slot's tensor for a parameter of {@code elements} elements. */
        public long size(long elements) {
            return this == BLOCK_SCALES ? BlockCode.blocks(elements) : elements;
        }

        /** A short description for messages: {@code bfloat16}, {@code uint8 (8-bit codes)}. */
        String describe(DType param) {
            return switch (this) {
                case CODES_8BIT -> "uint8 (8-bit codes)";
                case BLOCK_SCALES -> "float32 (one scale per block of " + BlockCode.BLOCK + ")";
                default -> dtype(param).torchName();
            };
        }
    }

    public Slot(String name, double initialValue) {
        this(name, initialValue, Storage.LIKE_PARAM);
    }

    public static Slot zeros(String name) {
        return new Slot(name, 0);
    }

    public static Slot zeros(String name, Storage storage) {
        return new Slot(name, 0, storage);
    }

    /** True when {@code t} has the dtype and size this slot has for {@code param}. */
    boolean fits(Tensor t, Tensor param) {
        return t.dtype() == storage.dtype(param.dtype()) && t.size() == storage.size(param.size());
    }

    /** A new tensor of this slot for {@code param}, initialised; owned by the caller. */
    Tensor allocate(Tensor param) {
        Tensor t = Tensor.allocate(storage.dtype(param.dtype()), storage.size(param.size()));
        try {
            if (storage == Storage.MASTER_COPY) {
                copyDecoded(param, t);
            } else if (initialValue != 0) {
                t.fill(initialValue);
            }
        } catch (RuntimeException | Error e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** {@code to[i] = (float) from[i]}: a 16-bit (or float32) parameter decoded exactly into float32. */
    private static void copyDecoded(Tensor from, Tensor to) {
        if (from.dtype() == DType.FLOAT32) {
            to.copyFrom(from);
            return;
        }
        MemorySegment out = to.segment();
        for (long i = 0; i < from.size(); i++) {
            out.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, from.getFloat(i));
        }
    }
}
