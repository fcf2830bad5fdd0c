package dev.adamant.optim;

import dev.adamant.tensor.DType;
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

    /**
     * Sets (or, with null, clears) the gradient. It must have the data's size, and the data's dtype
     * or, for mixed precision, a float32 gradient on a bfloat16/float16 parameter or a 16-bit
     * gradient on a float32 parameter (see {@link #gradDTypeFits}).
     */
    public void setGrad(Tensor grad) {
        if (grad != null) {
            checkGrad(grad);
        }
        this.grad = grad;
    }

    /**
     * The gradient dtypes a parameter may have: its own, or float32 with a 16-bit one on either side
     * (16-bit gradients of an fp32 model under autocast; fp32-accumulated gradients of a 16-bit
     * model). A bfloat16 gradient on a float16 parameter (or the reverse) is rejected: no training
     * setup produces it, so it is far more likely two tensors mixed up than a choice, and the two
     * 16-bit formats do not even share a range. float64 pairs only with float64.
     */
    static boolean gradDTypeFits(DType data, DType grad) {
        return data == grad || (data == DType.FLOAT32 && grad.isHalf()) || (data.isHalf() && grad == DType.FLOAT32);
    }

    void checkGrad(Tensor g) {
        if (!gradDTypeFits(data.dtype(), g.dtype())) {
            throw new IllegalArgumentException("grad of " + this + " is " + g.dtype().torchName()
                    + " but the parameter is " + data.dtype().torchName()
                    + " (a gradient has the parameter's dtype, or float32 beside a 16-bit one)");
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
