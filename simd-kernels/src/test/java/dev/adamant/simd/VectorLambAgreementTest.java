package dev.adamant.simd;

import dev.adamant.kernel.LambCoefficients;
import dev.adamant.kernel.LambKernel;
import dev.adamant.optim.LambConfig;
import dev.adamant.testing.KernelAgreement;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

/**
 * LAMB's vector kernels against its scalar reference, bit for bit, both passes: the moments, the
 * norms (through the ratio they give) and the parameter update (see {@link KernelAgreement}).
 */
class VectorLambAgreementTest {
    private static final List<LambConfig> CONFIGS = List.of(
            LambConfig.defaults(),
            LambConfig.defaults().withWeightDecay(0).withAlwaysAdapt(true).withBetas(0.5, 0.75).withEps(1e-3),
            LambConfig.defaults().withWeightDecay(0).withBiasCorrection(false));

    @TestFactory
    Stream<DynamicNode> lambAgreesWithTheReference() {
        Simd.assumeSimd();
        return CONFIGS.stream().flatMap(config -> KernelAgreement.tests(LambKernel.KIND,
                List.of("param", "grad", "exp_avg", "exp_avg_sq"), (kernel, dtype, b, from, to, step) -> {
                    LambCoefficients c = config.coefficients(step);
                    switch (dtype) {
                        case FLOAT32 -> kernel.applyFloats(c, c.ratio(kernel.momentsFloats(c, b[0], b[1], b[2], b[3], from, to)),
                                b[0], b[2], b[3], from, to);
                        case FLOAT64 -> kernel.applyDoubles(c, c.ratio(kernel.momentsDoubles(c, b[0], b[1], b[2], b[3], from, to)),
                                b[0], b[2], b[3], from, to);
                    }
                }));
    }
}
