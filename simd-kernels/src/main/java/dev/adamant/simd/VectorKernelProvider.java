package dev.adamant.simd;

import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.KernelProvider;
import dev.adamant.kernel.Numerics;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import org.eclipse.collections.api.factory.primitive.IntLists;
import org.eclipse.collections.api.factory.Maps;
import org.eclipse.collections.api.list.primitive.ImmutableIntList;
import org.eclipse.collections.api.map.MutableMap;

import java.lang.invoke.MethodHandle;

/**
 * The Vector API kernels, registered as a {@link KernelProvider} service. Each lane width and
 * numerics mode gets its own copy of each kernel class (see {@link KernelCopies}), defined on
 * first use and then shared.
 */
public final class VectorKernelProvider implements KernelProvider {
    private final ImmutableIntList laneWidths;
    private final int preferred;
    private final MutableMap<Specialization, AdamKernel> adam = Maps.mutable.empty();

    public VectorKernelProvider() {
        // widths above the machine's maximum would run emulated, far slower than scalar
        int max = FloatVector.SPECIES_MAX.vectorBitSize();
        laneWidths = IntLists.immutable.of(128, 256, 512).select(bits -> bits <= max);
        preferred = VectorShape.preferredShape().vectorBitSize();
    }

    @Override
    public ImmutableIntList laneWidths() {
        return laneWidths;
    }

    @Override
    public int preferredLaneWidth() {
        return preferred;
    }

    @Override
    public AdamKernel adam(int laneBits, Numerics numerics) {
        if (!laneWidths.contains(laneBits)) {
            throw new IllegalArgumentException("lane width " + laneBits + " bits is not available here; available: "
                    + laneWidths.makeString(", "));
        }
        Specialization spec = Specialization.of(laneBits, numerics);
        synchronized (adam) {
            return adam.getIfAbsentPut(spec, () -> newInstance(KernelCopies.define(VectorAdamKernel.class, spec)));
        }
    }

    private static AdamKernel newInstance(MethodHandle constructor) {
        try {
            return (AdamKernel) constructor.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
