package dev.adamant.kernel;

import org.eclipse.collections.api.factory.Lists;
import org.eclipse.collections.api.factory.primitive.IntLists;
import org.eclipse.collections.api.list.ImmutableList;
import org.eclipse.collections.api.list.MutableList;
import org.eclipse.collections.api.list.primitive.ImmutableIntList;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The dispatcher. It decides once per JVM whether SIMD kernels can run (the incubator module is
 * readable and a {@link KernelProvider} is on the class path), and which backend is the default.
 *
 * <p>System properties, read once:
 * <ul>
 *   <li>{@code adamant.kernel}: {@code auto} (default: vector when available, else scalar),
 *       {@code vector} (fail if SIMD is unavailable) or {@code scalar};</li>
 *   <li>{@code adamant.vector.bits}: {@code 128}, {@code 256} or {@code 512}; default the JVM's
 *       preferred width;</li>
 *   <li>{@code adamant.numerics}: {@code exact} (default) or {@code fast}.</li>
 * </ul>
 */
public final class Backends {
    public static final String KERNEL_PROPERTY = "adamant.kernel";
    public static final String BITS_PROPERTY = "adamant.vector.bits";
    public static final String NUMERICS_PROPERTY = "adamant.numerics";

    private static final System.Logger LOG = System.getLogger("dev.adamant");
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private Backends() {
    }

    /** The scalar reference in the given mode; always available. */
    public static Backend scalar(Numerics numerics) {
        return new Backend(0, Objects.requireNonNull(numerics, "numerics"), null);
    }

    /** The vector kernels at {@code laneBits}, if SIMD is available here at that width. */
    public static Optional<Backend> vector(int laneBits, Numerics numerics) {
        KernelProvider p = Simd.PROVIDER;
        if (p == null || !p.laneWidths().contains(laneBits)) {
            return Optional.empty();
        }
        return Optional.of(new Backend(laneBits, Objects.requireNonNull(numerics, "numerics"), p));
    }

    /** Vector widths available here, ascending; empty without SIMD. */
    public static ImmutableIntList laneWidths() {
        return Simd.PROVIDER == null ? IntLists.immutable.empty() : Simd.PROVIDER.laneWidths();
    }

    /** The JVM's preferred vector width in bits, or 0 without SIMD. */
    public static int preferredLaneWidth() {
        return Simd.PROVIDER == null ? 0 : Simd.PROVIDER.preferredLaneWidth();
    }

    /** Why SIMD is unavailable, or empty when it is available. */
    public static Optional<String> simdUnavailableReason() {
        return Optional.ofNullable(Simd.UNAVAILABLE);
    }

    /** The scalar reference followed by the vector kernels at every available width. */
    public static ImmutableList<Backend> all(Numerics numerics) {
        MutableList<Backend> all = Lists.mutable.of(scalar(numerics));
        laneWidths().forEach(bits -> all.add(vector(bits, numerics).orElseThrow()));
        return all.toImmutable();
    }

    /** The backend chosen once for this JVM from the system properties above. */
    public static Backend defaultBackend() {
        return Default.BACKEND;
    }

    private static final class Simd {
        static final String UNAVAILABLE;
        static final KernelProvider PROVIDER;

        static {
            String reason = null;
            KernelProvider provider = null;
            if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
                reason = "the JVM was started without the Vector API; add --add-modules=" + VECTOR_MODULE;
            } else {
                try {
                    provider = ServiceLoader.load(KernelProvider.class, Backends.class.getClassLoader())
                            .findFirst().orElse(null);
                    if (provider == null) {
                        reason = "no SIMD kernels on the class path; add the adamant-simd-kernels jar";
                    }
                } catch (ServiceConfigurationError | LinkageError e) {
                    reason = "the SIMD kernels failed to load (" + e + ")";
                }
            }
            if (reason != null) {
                LOG.log(System.Logger.Level.INFO,
                        "Adamant runs on its scalar kernels: " + reason + " to enable SIMD.");
            }
            UNAVAILABLE = reason;
            PROVIDER = provider;
        }
    }

    private static final class Default {
        static final Backend BACKEND = choose();

        private static Backend choose() {
            Numerics numerics = parse(NUMERICS_PROPERTY, "exact", Numerics.class);
            String kernel = System.getProperty(KERNEL_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
            String bitsText = System.getProperty(BITS_PROPERTY);
            return switch (kernel) {
                case "scalar" -> scalar(numerics);
                case "auto", "vector" -> {
                    if (Simd.PROVIDER == null) {
                        if (kernel.equals("vector")) {
                            throw new IllegalStateException("-D" + KERNEL_PROPERTY + "=vector, but " + Simd.UNAVAILABLE);
                        }
                        yield scalar(numerics);
                    }
                    int bits = bitsText == null ? preferredLaneWidth() : parseBits(bitsText);
                    yield vector(bits, numerics).orElseThrow(() -> new IllegalStateException(
                            "-D" + BITS_PROPERTY + "=" + bitsText + " is not available here; available widths: "
                                    + laneWidths().makeString(", ")));
                }
                default -> throw new IllegalStateException("Invalid -D" + KERNEL_PROPERTY + "=" + kernel
                        + " (expected auto, vector or scalar)");
            };
        }

        private static int parseBits(String text) {
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException("Invalid -D" + BITS_PROPERTY + "=" + text + " (expected 128, 256 or 512)");
            }
        }

        private static <E extends Enum<E>> E parse(String property, String fallback, Class<E> type) {
            String text = System.getProperty(property, fallback).trim();
            try {
                return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Invalid -D" + property + "=" + text);
            }
        }
    }
}
