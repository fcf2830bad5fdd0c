package dev.adamant.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Core's test JVM has neither the incubator module nor a SIMD provider: everything is scalar. */
class BackendsWithoutSimdTest {

    @Test
    void noLaneWidthsAndAReasonIsGiven() {
        assertTrue(Backends.laneWidths().isEmpty(), () -> "lane widths " + Backends.laneWidths());
        assertEquals(0, Backends.preferredLaneWidth());
        String reason = Backends.simdUnavailableReason().orElseThrow();
        assertTrue(reason.contains("jdk.incubator.vector") || reason.contains("adamant-simd-kernels"), reason);
    }

    @Test
    void theDefaultBackendIsTheExactScalarReference() {
        Backend b = Backends.defaultBackend();
        assertTrue(b.isScalar(), b::name);
        assertEquals("scalar/exact", b.name());
        assertInstanceOf(ScalarAdamKernel.class, b.adam());
        assertEquals(Numerics.EXACT, ((ScalarAdamKernel) b.adam()).numerics());
    }

    @Test
    void vectorBackendsAreAbsentAndAllIsJustScalar() {
        for (int bits : new int[]{128, 256, 512}) {
            assertTrue(Backends.vector(bits, Numerics.EXACT).isEmpty(), "vector " + bits);
        }
        for (Numerics n : Numerics.values()) {
            assertEquals(1, Backends.all(n).size());
            assertTrue(Backends.all(n).getFirst().isScalar());
            assertEquals(n, ((ScalarAdamKernel) Backends.all(n).getFirst().adam()).numerics());
        }
    }
}
