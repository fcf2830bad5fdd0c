package dev.adamant.optim;

import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.eclipse.collections.api.factory.Lists;
import org.eclipse.collections.api.list.ImmutableList;
import org.eclipse.collections.api.list.MutableList;
import org.eclipse.collections.api.list.primitive.MutableLongList;
import org.eclipse.collections.api.factory.primitive.LongLists;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Flat storage: the parameters of a model in one contiguous, 64-byte aligned off-heap buffer and
 * their gradients in another, each {@link Parameter}'s data and gradient a view of its slice.
 *
 * <p>Registered as one param group ({@code opt.addParamGroup(flat.parameters())}, or any run of
 * consecutive parameters in order), the optimizer keeps each state slot of the group in one
 * buffer too, and a step is one pass over contiguous memory rather than one kernel call per
 * tensor. Parameters whose tensors the caller allocated elsewhere keep working beside it.
 *
 * <pre>{@code
 * try (FlatParameters model = FlatParameters.builder(DType.FLOAT32)
 *          .add("wte", 50257L * 768).add("wpe", 1024L * 768).build();
 *      AdamW opt = new AdamW(AdamConfig.adamW())) {
 *     opt.addParamGroup(model.parameters());
 *     // the backend writes model.grads() (or each parameter's grad view), then
 *     opt.step();
 * }
 * }</pre>
 *
 * <p>The views do not own memory: closing one frees nothing. {@link #close()} frees both buffers
 * once; the parameters are unusable afterwards.
 */
public final class FlatParameters implements AutoCloseable {
    private final DType dtype;
    private final Tensor params;
    private final Tensor grads;
    private final long[] offsets; // element offset of each parameter, and the total at the end
    private final ImmutableList<Parameter> parameters;
    private final Tensor[] gradViews;

    private FlatParameters(DType dtype, ImmutableList<String> names, long[] offsets) {
        this.dtype = dtype;
        this.offsets = offsets;
        long total = offsets[offsets.length - 1];
        Tensor p = Tensor.allocate(dtype, total);
        Tensor g;
        try {
            g = Tensor.allocate(dtype, total);
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
        this.params = p;
        this.grads = g;
        MutableList<Parameter> list = Lists.mutable.withInitialCapacity(names.size());
        this.gradViews = new Tensor[names.size()];
        for (int i = 0; i < names.size(); i++) {
            Parameter parameter = new Parameter(names.get(i), view(p, i), this, i);
            gradViews[i] = view(g, i);
            parameter.setGrad(gradViews[i]);
            list.add(parameter);
        }
        this.parameters = list.toImmutable();
    }

    private Tensor view(Tensor whole, int index) {
        long bytes = dtype.byteSize();
        return Tensor.wrap(whole.segment().asSlice(offsets[index] * bytes, size(index) * bytes), dtype);
    }

    /** A builder of a block of {@code dtype} parameters. */
    public static Builder builder(DType dtype) {
        return new Builder(dtype);
    }

    /** Collects named sizes in order; {@link #build()} allocates the block. */
    public static final class Builder {
        private final DType dtype;
        private final MutableList<String> names = Lists.mutable.empty();
        private final MutableLongList sizes = LongLists.mutable.empty();
        private long total;

        private Builder(DType dtype) {
            this.dtype = Objects.requireNonNull(dtype, "dtype");
        }

        /** Appends a parameter of {@code size} elements (0 allowed). */
        public Builder add(String name, long size) {
            Objects.requireNonNull(name, "name");
            if (size < 0 || size > Long.MAX_VALUE / dtype.byteSize() - total) {
                throw new IllegalArgumentException("Invalid size of parameter '" + name + "': " + size
                        + (size < 0 ? "" : " (the block would exceed the addressable size)"));
            }
            names.add(name);
            sizes.add(size);
            total += size;
            return this;
        }

        /** Allocates the zeroed parameter and gradient buffers. */
        public FlatParameters build() {
            if (names.isEmpty()) {
                throw new IllegalStateException("a flat parameter block needs at least one parameter");
            }
            long[] offsets = new long[sizes.size() + 1];
            for (int i = 0; i < sizes.size(); i++) {
                offsets[i + 1] = offsets[i] + sizes.get(i);
            }
            return new FlatParameters(dtype, names.toImmutable(), offsets);
        }
    }

    public DType dtype() {
        return dtype;
    }

    /** The parameters in block order; each one's data and initial grad are views of this block. */
    public ImmutableList<Parameter> parameters() {
        return parameters;
    }

    public Parameter parameter(int index) {
        return parameters.get(index);
    }

    /** Number of parameters. */
    public int count() {
        return parameters.size();
    }

    /** Total number of elements. */
    public long size() {
        return offsets[offsets.length - 1];
    }

    /** Element offset of parameter {@code index} in the block. */
    public long offset(int index) {
        return offsets[Objects.checkIndex(index, offsets.length - 1)];
    }

    /** Number of elements of parameter {@code index}. */
    public long size(int index) {
        return offsets[index + 1] - offsets[Objects.checkIndex(index, offsets.length - 1)];
    }

    /** All parameters as one tensor (a view: closing it frees nothing). */
    public Tensor params() {
        return Tensor.wrap(params.segment(), dtype);
    }

    /** All gradients as one tensor (a view), e.g. for a backend that writes them in one go. */
    public Tensor grads() {
        return Tensor.wrap(grads.segment(), dtype);
    }

    /** The block's gradient view of parameter {@code index} (what its grad is unless replaced). */
    Tensor gradView(int index) {
        return gradViews[index];
    }

    /** The gradient memory of parameters {@code [from, to)}. */
    MemorySegment gradSlice(int from, int to) {
        return slice(grads, from, to);
    }

    /** The parameter memory of parameters {@code [from, to)}. */
    MemorySegment paramSlice(int from, int to) {
        return slice(params, from, to);
    }

    private MemorySegment slice(Tensor whole, int from, int to) {
        long bytes = dtype.byteSize();
        return whole.segment().asSlice(offsets[from] * bytes, (offsets[to] - offsets[from]) * bytes);
    }

    /** Frees both buffers; idempotent. Every parameter of the block is unusable afterwards. */
    @Override
    public void close() {
        try {
            params.close();
        } finally {
            grads.close();
        }
    }

    @Override
    public String toString() {
        return "FlatParameters[" + dtype.torchName() + ", " + parameters.size() + " parameters, size=" + size() + "]";
    }
}
