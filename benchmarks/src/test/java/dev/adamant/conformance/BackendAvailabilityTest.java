package dev.adamant.conformance;

import dev.adamant.kernel.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Surefire runs this module twice, with and without the Vector API; this checks each run really
 * is what it claims to be, so the conformance suite above covers the backends we think it does.
 */
class BackendAvailabilityTest {

    @Test
    void backendsMatchTheSurefireRun() {
        if (Boolean.getBoolean("adamant.expect.scalarFallback")) {
            assertTrue(Backends.laneWidths().isEmpty(), "lane widths without the Vector API: " + Backends.laneWidths());
            assertTrue(Backends.defaultBackend().isScalar(), "default backend: " + Backends.defaultBackend());
            assertTrue(Backends.simdUnavailableReason().isPresent());
        } else {
            // this machine has AVX-512
            assertTrue(Backends.laneWidths().containsAll(128, 256, 512), "lane widths: " + Backends.laneWidths()
                    + (Backends.simdUnavailableReason().map(r -> " (" + r + ")").orElse("")));
            assertEquals(4, Backends.all(dev.adamant.kernel.Numerics.EXACT).size());
            assertTrue(Backends.simdUnavailableReason().isEmpty());
            assertTrue(!Backends.defaultBackend().isScalar(), "default backend: " + Backends.defaultBackend());
        }
    }
}
