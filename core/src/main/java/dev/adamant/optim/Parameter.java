package dev.adamant.optim;

import dev.adamant.tensor.Tensor;

import java.util.Objects;

/**
 * A trainable tensor and its gradient, as torch's {@code nn.Parameter} with {@code .grad}. Both
 * tensors belong to the caller; optimizers read the gradient and write the data.
 */
public final class Parameter {
    private final String name;
    private final Tensor data;
    private volatile Tensor grad;
    // the flat block whose view this is, and its index there; null for caller-owned tensors
    private final FlatParameters block;
    private final int blockIndex;

    public Parameter(String name, Tensor data) {
        this(name, data, null, -1);
    }

    Parameter(String name, Tensor data, FlatParameters block, int blockIndex) {
        this.name = Objects.requireNonNull(name, "name");
        this.data = Objects.requireNonNull(data, "data");
        this.block = block;
        this.blockIndex = blockIndex;
    }

    public static Parameter of(Tensor data) {
        return new Parameter("", data);
    }

    public static Parameter of(String name, Tensor data) {
        return new Parameter(name, data);
    }

    /** The flat block this parameter is a view of, or null. */
    FlatParameters block() {
        return block;
    }

    /** Index in {@link #block()}; -1 when there is none. */
    int blockIndex() {
        return blockIndex;
    }

    /** May be empty. */
    public String name() {
        return name;
    }

    public Tensor data() {
        return data;
    }

    /** The gradient for the next step, or null: a parameter without one is skipped, as in torch. */
    public Tensor grad() {
        return grad;
    }

    /** Sets (or, with null, clears) the gradient; it must match the data's type and size. */
    public void setGrad(Tensor grad) {
        if (grad != null) {
            checkGrad(grad);
        }
        this.grad = grad;
    }

    void checkGrad(Tensor g) {
        if (g.dtype() != data.dtype()) {
            throw new IllegalArgumentException("grad of " + this + " is " + g.dtype().torchName()
                    + " but the parameter is " + data.dtype().torchName());
        }
        if (g.size() != data.size()) {
            throw new IllegalArgumentException("size mismatch: grad of " + this + " has " + g.size()
                    + " elements, the parameter has " + data.size());
        }
    }

    @Override
    public String toString() {
        return name.isEmpty() ? "parameter(" + data.dtype().torchName() + ", size=" + data.size() + ")"
                : "parameter '" + name + "'";
    }
}
