package dev.adamant.kernel;

import org.eclipse.collections.api.list.primitive.ImmutableIntList;

import java.util.Optional;

/**
 * Service interface of a SIMD kernel module, found with {@link java.util.ServiceLoader}. Core
 * never links against an implementation: the dispatcher ({@link Backends}) loads one only after
 * checking that the JVM can run it.
 */
public interface KernelProvider {

    /** Vector widths in bits this provider runs on this machine, ascending (e.g. 128, 256, 512). */
    ImmutableIntList laneWidths();

    /** The width the JVM prefers on this machine; one of {@link #laneWidths()}. */
    int preferredLaneWidth();

    /**
     * The vector kernel of {@code kind} at {@code laneBits} (one of {@link #laneWidths()}) with the
     * given numerics, or empty when this provider has none of that kind.
     */
    <K> Optional<K> kernel(KernelKind<K> kind, int laneBits, Numerics numerics);
}
