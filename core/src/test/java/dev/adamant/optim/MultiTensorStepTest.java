package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/** {@link MultiTensorStepCheck} on the scalar kernels, exact and fast, float32 and float64. */
class MultiTensorStepTest extends MultiTensorStepCheck {

    static Stream<Arguments> casesOnScalarKernels() {
        return cases().stream().flatMap(c -> Stream.of(Numerics.EXACT, Numerics.FAST).flatMap(n ->
                Stream.of(DType.FLOAT32, DType.FLOAT64).map(d -> Arguments.of(c, Backends.scalar(n), d))));
    }

    @ParameterizedTest(name = "{0} on {1}, {2}")
    @MethodSource("casesOnScalarKernels")
    void chunkedFlatAndThreadedStepsEqualThePerTensorReference(Case c, Backend backend, DType dtype) {
        checkAgainstReference(c, backend, dtype);
    }
}
