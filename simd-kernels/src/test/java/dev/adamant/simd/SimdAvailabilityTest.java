package dev.adamant.simd;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import org.eclipse.collections.api.factory.primitive.IntLists;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Each of the two surefire runs checks that it really is the run it claims to be. */
class SimdAvailabilityTest {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    @Test
    void theScalarFallbackRunReallyFellBack() {
        assumeTrue(Simd.EXPECT_SCALAR_FALLBACK, "SIMD run");
        assertTrue(ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty(), "the incubator module must be absent");
        assertTrue(Backends.laneWidths().isEmpty(), () -> "lane widths " + Backends.laneWidths());
        String reason = Backends.simdUnavailableReason().orElseThrow();
        assertTrue(reason.contains("--add-modules=" + VECTOR_MODULE), reason);
        Backend b = Backends.defaultBackend();
        assertTrue(b.isScalar(), b::name);
        assertEquals(1, Backends.all(Numerics.EXACT).size());
        assertTrue(Backends.vector(256, Numerics.EXACT).isEmpty());
    }

    @Test
    void theSimdRunHasEveryWidthOfThisAvx512Machine() {
        assumeFalse(Simd.EXPECT_SCALAR_FALLBACK, "scalar-fallback run");
        assertTrue(ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent());
        assertFalse(Backends.simdUnavailableReason().isPresent(), () -> Backends.simdUnavailableReason().get());
        assertEquals(IntLists.immutable.of(128, 256, 512), Backends.laneWidths());
        assertEquals(512, Backends.preferredLaneWidth());
        Backend b = Backends.defaultBackend();
        assertEquals("vector-512/exact", b.name());
        assertEquals(4, Backends.all(Numerics.FAST).size());
        assertTrue(Backends.vector(1024, Numerics.EXACT).isEmpty());
        assertTrue(Backends.vector(64, Numerics.EXACT).isEmpty());
    }
}
