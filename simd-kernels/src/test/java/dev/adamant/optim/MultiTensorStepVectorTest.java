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
 * {@link MultiTensorStepCheck} on the vector kernels: every lane width in exact numerics on
 * float32, and the preferred width in fast numerics and on float64. Skipped on the scalar-fallback run.
 */
class MultiTensorStepVectorTest extends MultiTensorStepCheck {

    static Stream<Arguments> casesOnVectorKernels() {
        if (Backends.laneWidths().isEmpty()) {
            return Stream.of(Arguments.of(cases().get(0), null, DType.FLOAT32)); // skipped below
        }
        int preferred = Backends.preferredLaneWidth();
        Stream<Arguments> floats = cases().stream().flatMap(c -> Backends.laneWidths().primitiveStream().mapToObj(bits ->
                Arguments.of(c, Backends.vector(bits, Numerics.EXACT).orElseThrow(), DType.FLOAT32)));
        Stream<Arguments> others = cases().stream().flatMap(c -> Stream.of(
                Arguments.of(c, Backends.vector(preferred, Numerics.FAST).orElseThrow(), DType.FLOAT32),
                Arguments.of(c, Backends.vector(preferred, Numerics.EXACT).orElseThrow(), DType.FLOAT64)));
        return Stream.concat(floats, others);
    }

    @ParameterizedTest(name = "{0} on {1}, {2}")
    @MethodSource("casesOnVectorKernels")
    void chunkedFlatAndThreadedStepsEqualThePerTensorReference(Case c, Backend backend, DType dtype) {
        assumeTrue(backend != null, () -> "no vector kernels: " + Backends.simdUnavailableReason().orElse("?"));
        checkAgainstReference(c, backend, dtype);
    }
}
