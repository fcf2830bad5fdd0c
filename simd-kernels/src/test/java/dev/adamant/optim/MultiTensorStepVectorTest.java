package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link MultiTensorStepCheck} on the vector kernels: every lane width in both numerics on float32,
 * and the preferred width on float64. Skipped on the scalar-fallback run.
 */
class MultiTensorStepVectorTest extends MultiTensorStepCheck {

    static Stream<Arguments> casesOnVectorKernels() {
        if (Backends.laneWidths().isEmpty()) {
            return Stream.of(Arguments.of(cases().get(0), null, DType.FLOAT32)); // skipped below
        }
        Stream<Arguments> floats = cases().stream().flatMap(c -> Stream.of(Numerics.EXACT, Numerics.FAST).flatMap(n ->
                Backends.laneWidths().primitiveStream().mapToObj(bits -> Arguments.of(c,
                        Backends.vector(bits, n).orElseThrow(), DType.FLOAT32))));
        Stream<Arguments> doubles = cases().stream().map(c -> Arguments.of(c,
                Backends.vector(Backends.preferredLaneWidth(), Numerics.EXACT).orElseThrow(), DType.FLOAT64));
        return Stream.concat(floats, doubles);
    }

    @ParameterizedTest(name = "{0} on {1}, {2}")
    @MethodSource("casesOnVectorKernels")
    void chunkedFlatAndThreadedStepsEqualThePerTensorReference(Case c, Backend backend, DType dtype) {
        assumeTrue(backend != null, () -> "no vector kernels: " + Backends.simdUnavailableReason().orElse("?"));
        checkAgainstReference(c, backend, dtype);
    }
}
