package dev.adamant.kernel;

import java.util.Objects;
import java.util.function.Function;

/**
 * One optimizer's kernel contract: its interface and its scalar reference. A backend without a
 * vector kernel of this kind runs the reference, so a new optimizer works everywhere from the
 * moment its reference exists.
 *
 * @param name      the optimizer's torch name ({@code adam}, {@code sgd}, ...); providers key on it
 * @param type      the kernel interface
 * @param reference the scalar reference in a numerics mode
 */
public record KernelKind<K>(String name, Class<K> type, Function<Numerics, ? extends K> reference) {

    public KernelKind {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(reference, "reference");
    }

    public K scalar(Numerics numerics) {
        return reference.apply(numerics);
    }
}
