package dev.adamant.optim;

/**
 * Thrown by {@link Optimizer#step()} under {@link NonFinitePolicy#RAISE} when a gradient holds a NaN
 * or ±Inf element. Nothing was modified.
 */
public final class NonFiniteGradientException extends ArithmeticException {
    private final String tensor;
    private final long index;

    public NonFiniteGradientException(String tensor, long index, double value) {
        super("non-finite gradient of " + tensor + ": element " + index + " is " + value);
        this.tensor = tensor;
        this.index = index;
    }

    /** The label of the offending parameter, e.g. {@code parameter #1 'bias'}. */
    public String tensor() {
        return tensor;
    }

    /** The index of the first non-finite element of that gradient (flat, row-major). */
    public long index() {
        return index;
    }
}
