package dev.adamant.simd;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Makes one copy of a kernel class per lane width and numerics mode, as a hidden class whose class
 * data is its {@link Specialization}.
 *
 * <p>Why: the Vector API is only fast when the species is a compile-time constant for C2. A
 * kernel reads its species (and numerics mode) into {@code static final} fields from its class
 * data, so each copy has its own constants and its own JIT profile, while the source is written
 * once. (A species
 * passed as an argument or held in an instance field is not constant-folded, and the intrinsics
 * fall back to boxed Java code.)
 */
final class KernelCopies {
    private KernelCopies() {
    }

    /**
     * Defines a fresh copy of {@code template} (a class of this package) with {@code spec} as its
     * class data, and returns its no-argument constructor.
     */
    static MethodHandle define(Class<?> template, Specialization spec) {
        try {
            MethodHandles.Lookup copy = MethodHandles.lookup()
                    .defineHiddenClassWithClassData(bytesOf(template), spec, true);
            return copy.findConstructor(copy.lookupClass(), MethodType.methodType(void.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot define the " + spec + " copy of " + template.getName(), e);
        }
    }

    private static byte[] bytesOf(Class<?> template) {
        String resource = template.getSimpleName() + ".class";
        try (InputStream in = template.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("class file " + resource + " not found next to " + template.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
