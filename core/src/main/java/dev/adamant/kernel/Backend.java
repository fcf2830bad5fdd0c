package dev.adamant.kernel;

import java.util.Objects;

/**
 * One concrete way of running the kernels: the scalar reference, or the vector kernels at one lane
 * width, each in one {@link Numerics} mode. Obtain instances from {@link Backends}.
 */
public final class Backend {
    private final int laneBits;
    private final Numerics numerics;
    private final KernelProvider provider; // null for the scalar reference

    Backend(int laneBits, Numerics numerics, KernelProvider provider) {
        this.laneBits = laneBits;
        this.numerics = Objects.requireNonNull(numerics, "numerics");
        this.provider = provider;
    }

    /** Vector width in bits, or 0 for the scalar reference. */
    public int laneBits() {
        return laneBits;
    }

    public Numerics numerics() {
        return numerics;
    }

    public boolean isScalar() {
        return provider == null;
    }

    /**
     * This backend's kernel of {@code kind}: the vector kernel at this width, or the scalar
     * reference for the scalar backend and for kinds that have no vector kernel yet.
     */
    public <K> K kernel(KernelKind<K> kind) {
        return provider == null ? kind.scalar(numerics)
                : provider.kernel(kind, laneBits, numerics).orElseGet(() -> kind.scalar(numerics));
    }

    public AdamKernel adam() {
        return kernel(AdamKernel.KIND);
    }

    /** {@code scalar/exact}, {@code vector-512/fast}, ... */
    public String name() {
        return (isScalar() ? "scalar" : "vector-" + laneBits) + "/" + numerics.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Backend b && b.laneBits == laneBits && b.numerics == numerics && b.provider == provider;
    }

    @Override
    public int hashCode() {
        return Objects.hash(laneBits, numerics);
    }

    @Override
    public String toString() {
        return name();
    }
}
