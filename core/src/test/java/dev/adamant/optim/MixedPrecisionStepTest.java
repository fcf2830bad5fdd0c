package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link MixedPrecisionStepCheck} on the scalar kernels, exact and fast numerics. */
class MixedPrecisionStepTest extends MixedPrecisionStepCheck {

    private static Backend scalar(Numerics numerics) {
        return Backends.scalar(numerics);
    }

    @ParameterizedTest
    @EnumSource(Numerics.class)
    void aStepEqualsMixedAdamUpdatePerTensorForCallerOwnedTensors(Numerics numerics) {
        checkCallerOwned(scalar(numerics));
    }

    @ParameterizedTest
    @EnumSource(Numerics.class)
    void aStepEqualsMixedAdamUpdatePerTensorForFlatParameters(Numerics numerics) {
        checkFlat(scalar(numerics));
    }

    @ParameterizedTest
    @EnumSource(Numerics.class)
    void theChunkedStepEqualsThePerTensorReference(Numerics numerics) {
        checkPerTensorReference(scalar(numerics));
    }

    @ParameterizedTest
    @EnumSource(Numerics.class)
    void aFloat32GroupWithoutOptionsRunsTorchsKernel(Numerics numerics) {
        checkFloat32WithoutOptions(scalar(numerics));
    }

    @ParameterizedTest
    @EnumSource(Numerics.class)
    void unscaleAndClipGradNormScaleTheGradient(Numerics numerics) {
        checkUnscaleAndClip(scalar(numerics));
    }
}
