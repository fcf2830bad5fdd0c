package dev.adamant.simd;

import dev.adamant.kernel.AdagradKernel;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.AdamaxKernel;
import dev.adamant.kernel.GradNormKernel;
import dev.adamant.kernel.KernelKind;
import dev.adamant.kernel.KernelProvider;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.LionKernel;
import dev.adamant.kernel.MixedAdamKernel;
import dev.adamant.kernel.NAdamKernel;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.RAdamKernel;
import dev.adamant.kernel.RmsPropKernel;
import dev.adamant.kernel.SgdKernel;
import dev.adamant.kernel.StepStatsKernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import org.eclipse.collections.api.factory.primitive.IntLists;
import org.eclipse.collections.api.factory.Maps;
import org.eclipse.collections.api.list.primitive.ImmutableIntList;
import org.eclipse.collections.api.map.ImmutableMap;
import org.eclipse.collections.api.map.MutableMap;

import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The Vector API kernels, registered as a {@link KernelProvider} service. Each kernel kind has one
 * template class here; each lane width and numerics mode gets its own copy of it (see
 * {@link KernelCopies}), defined on first use and then shared.
 */
public final class VectorKernelProvider implements KernelProvider {
    /** Kernel kind name to its template; a kind missing here runs on its scalar reference. */
    private static final ImmutableMap<String, Class<?>> TEMPLATES = Maps.mutable.<String, Class<?>>empty()
            .withKeyValue(AdamKernel.KIND.name(), VectorAdamKernel.class)
            .withKeyValue(AdagradKernel.KIND.name(), VectorAdagradKernel.class)
            .withKeyValue(AdamaxKernel.KIND.name(), VectorAdamaxKernel.class)
            .withKeyValue(GradNormKernel.KIND.name(), VectorGradNormKernel.class)
            .withKeyValue(LambKernel.KIND.name(), VectorLambKernel.class)
            .withKeyValue(LionKernel.KIND.name(), VectorLionKernel.class)
            .withKeyValue(MixedAdamKernel.KIND.name(), VectorMixedAdamKernel.class)
            .withKeyValue(NAdamKernel.KIND.name(), VectorNAdamKernel.class)
            .withKeyValue(RAdamKernel.KIND.name(), VectorRAdamKernel.class)
            .withKeyValue(RmsPropKernel.KIND.name(), VectorRmsPropKernel.class)
            .withKeyValue(SgdKernel.KIND.name(), VectorSgdKernel.class)
            .withKeyValue(StepStatsKernel.KIND.name(), VectorStepStatsKernel.class)
            .toImmutable();

    private record CopyKey(Class<?> template, Specialization spec) {
    }

    private final ImmutableIntList laneWidths;
    private final int preferred;
    private final MutableMap<CopyKey, Object> copies = Maps.mutable.empty();

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
    public <K> Optional<K> kernel(KernelKind<K> kind, int laneBits, Numerics numerics) {
        if (!laneWidths.contains(laneBits)) {
            throw new IllegalArgumentException("lane width " + laneBits + " bits is not available here; available: "
                    + laneWidths.makeString(", "));
        }
        Class<?> template = TEMPLATES.get(kind.name());
        if (template == null) {
            return Optional.empty();
        }
        CopyKey key = new CopyKey(template, Specialization.of(laneBits, numerics));
        synchronized (copies) {
            return Optional.of(kind.type().cast(copies.getIfAbsentPut(key,
                    () -> newInstance(KernelCopies.define(key.template(), key.spec())))));
        }
    }

    private static Object newInstance(MethodHandle constructor) {
        try {
            return constructor.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
