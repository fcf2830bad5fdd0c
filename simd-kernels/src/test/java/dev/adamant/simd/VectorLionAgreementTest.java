package dev.adamant.simd;

import dev.adamant.kernel.LionKernel;
import dev.adamant.optim.LionConfig;
import dev.adamant.testing.KernelAgreement;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

/** Lion's vector kernels against its scalar reference, bit for bit (see {@link KernelAgreement}). */
class VectorLionAgreementTest {
    private static final List<LionConfig> CONFIGS = List.of(
            LionConfig.defaults(),
            LionConfig.defaults().withLr(0.01).withWeightDecay(0.1).withMaximize(true).withBetas(0.5, 0.9));

    @TestFactory
    Stream<DynamicNode> lionAgreesWithTheReference() {
        Simd.assumeSimd();
        return CONFIGS.stream().flatMap(config -> KernelAgreement.tests(LionKernel.KIND,
                List.of("param", "grad", "exp_avg"), (kernel, dtype, b, from, to, step) -> {
                    switch (dtype) {
                        case FLOAT32 -> kernel.updateFloats(config.coefficients(), b[0], b[1], b[2], from, to);
                        case FLOAT64 -> kernel.updateDoubles(config.coefficients(), b[0], b[1], b[2], from, to);
                    }
                }));
    }
}
