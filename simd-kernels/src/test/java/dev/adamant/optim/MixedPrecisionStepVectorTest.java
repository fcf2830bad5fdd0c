package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link MixedPrecisionStepCheck} on the vector kernels: every lane width in exact numerics, and the
 * preferred width in fast numerics. Skipped on the scalar-fallback run.
 */
class MixedPrecisionStepVectorTest extends MixedPrecisionStepCheck {

    static Stream<Arguments> vectorBackends() {
        if (Backends.laneWidths().isEmpty()) {
            return Stream.of(Arguments.of((Backend) null)); // skipped below
        }
        Stream<Arguments> exact = Backends.laneWidths().primitiveStream()
                .mapToObj(bits -> Arguments.of(Backends.vector(bits, Numerics.EXACT).orElseThrow()));
        return Stream.concat(exact, Stream.of(Arguments.of(Backends.vector(Backends.preferredLaneWidth(), Numerics.FAST).orElseThrow())));
    }

    private static Backend require(Backend backend) {
        assumeTrue(backend != null, () -> "no vector kernels: " + Backends.simdUnavailableReason().orElse("?"));
        return backend;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectorBackends")
    void aStepEqualsMixedAdamUpdatePerTensorForCallerOwnedTensors(Backend backend) {
        checkCallerOwned(require(backend));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectorBackends")
    void aStepEqualsMixedAdamUpdatePerTensorForFlatParameters(Backend backend) {
        checkFlat(require(backend));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectorBackends")
    void theChunkedStepEqualsThePerTensorReference(Backend backend) {
        checkPerTensorReference(require(backend));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectorBackends")
    void unscaleAndClipGradNormScaleTheGradient(Backend backend) {
        checkUnscaleAndClip(require(backend));
    }
}
