package dev.adamant.kernel;

import java.util.Objects;

/**
 * One concrete way of running the kernels: the scalar reference, or the vector kernels at one lane
 * width, each in one {@link Numerics} mode. Obtain instances from {@link Backends}.
 *
 * @param laneBits vector width in bits, or 0 for the scalar reference
 */
public record Backend(int laneBits, Numerics numerics, AdamKernel adam) {

    public Backend {
        Objects.requireNonNull(numerics, "numerics");
        Objects.requireNonNull(adam, "adam");
    }

    public boolean isScalar() {
        return laneBits == 0;
    }

    /** {@code scalar/exact}, {@code vector-512/fast}, ... */
    public String name() {
        return (isScalar() ? "scalar" : "vector-" + laneBits) + "/" + numerics.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String toString() {
        return name();
    }
}
