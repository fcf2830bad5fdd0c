package dev.adamant.simd;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Monitoring;
import dev.adamant.optim.MonitoringTest;
import dev.adamant.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/** Core's monitoring checks, on the vector kernels of every lane width. */
class MonitoringOnVectorBackendsTest {

    static Stream<Arguments> cases() {
        return MonitoringTest.cases().flatMap(c -> Stream.of(DType.FLOAT32, DType.FLOAT64).map(t -> Arguments.of(c, t)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void figuresMatchTheTensorsAtEveryWidth(MonitoringTest.Case c, DType dtype) {
        Simd.assumeSimd();
        for (int bits : Backends.laneWidths().toArray()) {
            Backend backend = Backends.vector(bits, Numerics.EXACT).orElseThrow();
            MonitoringTest.checkFigures(c, dtype, backend, Monitoring.PER_TENSOR);
            MonitoringTest.checkFigures(c, dtype, backend, Monitoring.PER_GROUP);
        }
    }

    /**
     * The fused kernels' figures, like the two-pass ones, combine per piece in plan order: any thread
     * count, the same bits (each run's JIT state differs, so a lane sum whose order C2 may change
     * fails here; the numerics modes share the statistics code, so exact only).
     */
    @ParameterizedTest
    @MethodSource("dev.adamant.optim.MonitoringTest#cases")
    void figuresDoNotDependOnThreadsAtEveryWidth(MonitoringTest.Case c) {
        Simd.assumeSimd();
        for (int bits : Backends.laneWidths().toArray()) {
            MonitoringTest.checkThreadIndependence(c, Backends.vector(bits, Numerics.EXACT).orElseThrow());
        }
    }
}
