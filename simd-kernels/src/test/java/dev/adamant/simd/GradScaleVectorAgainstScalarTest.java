package dev.adamant.simd;

import dev.adamant.kernel.AdagradKernel;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.AdamaxKernel;
import dev.adamant.kernel.LambCoefficients;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.LionKernel;
import dev.adamant.kernel.NAdamKernel;
import dev.adamant.kernel.RAdamKernel;
import dev.adamant.kernel.RmsPropKernel;
import dev.adamant.kernel.SgdKernel;
import dev.adamant.optim.AdagradConfig;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamaxConfig;
import dev.adamant.optim.LambConfig;
import dev.adamant.optim.LionConfig;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.RAdamConfig;
import dev.adamant.optim.RmsPropConfig;
import dev.adamant.optim.SgdConfig;
import dev.adamant.testing.KernelAgreement;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.stream.Stream;

/**
 * Every optimizer's vector kernels against its scalar reference with a gradient scale (a clip
 * coefficient) other than 1, bit for bit (see {@link KernelAgreement}). 0.37 is not a power of
 * two, so the multiply rounds; 3e-5 pushes small gradients towards the subnormals.
 */
class GradScaleVectorAgainstScalarTest {
    private static final double[] SCALES = {0.37, 3e-5};

    @TestFactory
    Stream<DynamicNode> everyKernelAgreesWithAGradScale() {
        Simd.assumeSimd();
        return Stream.of(SCALES).flatMapToDouble(java.util.Arrays::stream).boxed()
                .map(s -> DynamicContainer.dynamicContainer("gradScale " + s, kernels(s)));
    }

    private static Stream<DynamicNode> kernels(double s) {
        AdamConfig adamW = AdamConfig.adamW().withAmsgrad(true).withMaximize(true);
        AdamConfig adam = AdamConfig.adam().withWeightDecay(0.1);
        SgdConfig sgd = SgdConfig.sgd().withMomentum(0.9).withNesterov(true).withWeightDecay(0.01).withMaximize(true);
        RmsPropConfig rms = RmsPropConfig.rmsprop().withCentered(true).withMomentum(0.9).withWeightDecay(0.01)
                .withMaximize(true);
        AdagradConfig adagrad = AdagradConfig.adagrad().withLrDecay(0.01).withWeightDecay(0.1).withMaximize(true);
        AdamaxConfig adamax = AdamaxConfig.adamax().withWeightDecay(0.1).withMaximize(true);
        NAdamConfig nadam = NAdamConfig.nadam().withWeightDecay(0.1);
        RAdamConfig radam = RAdamConfig.radam().withWeightDecay(0.1);
        LambConfig lamb = LambConfig.defaults().withWeightDecay(0.01);
        LionConfig lion = LionConfig.defaults().withWeightDecay(0.1).withMaximize(true);
        return Stream.of(
                KernelAgreement.tests(AdamKernel.KIND, List.of("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
                        (k, dtype, b, from, to, t) -> {
                            var c = adamW.coefficients(t).withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], b[4], from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], b[4], from, to);
                            }
                        }),
                KernelAgreement.tests(AdamKernel.KIND, List.of("param", "grad", "exp_avg", "exp_avg_sq"),
                        (k, dtype, b, from, to, t) -> {
                            var c = adam.coefficients(t).withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], null, from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], null, from, to);
                            }
                        }),
                KernelAgreement.tests(SgdKernel.KIND, List.of("param", "grad", "momentum_buffer"),
                        (k, dtype, b, from, to, t) -> {
                            var c = sgd.coefficients(t == 1).withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], from, to);
                            }
                        }),
                KernelAgreement.tests(RmsPropKernel.KIND,
                        List.of("param", "grad", "square_avg", "grad_avg", "momentum_buffer"),
                        (k, dtype, b, from, to, t) -> {
                            var c = rms.coefficients().withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], b[4], from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], b[4], from, to);
                            }
                        }),
                KernelAgreement.tests(AdagradKernel.KIND, List.of("param", "grad", "sum"),
                        (k, dtype, b, from, to, t) -> {
                            var c = adagrad.coefficients(t).withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], from, to);
                            }
                        }),
                KernelAgreement.tests(AdamaxKernel.KIND, List.of("param", "grad", "exp_avg", "exp_inf"),
                        (k, dtype, b, from, to, t) -> {
                            var c = adamax.coefficients(t).withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to);
                            }
                        }),
                KernelAgreement.tests(NAdamKernel.KIND, List.of("param", "grad", "exp_avg", "exp_avg_sq"),
                        (k, dtype, b, from, to, t) -> {
                            var c = nadam.coefficients(t, 0.9f).withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to);
                            }
                        }),
                KernelAgreement.tests(RAdamKernel.KIND, List.of("param", "grad", "exp_avg", "exp_avg_sq"),
                        (k, dtype, b, from, to, t) -> {
                            var c = radam.coefficients(t).withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to);
                            }
                        }),
                KernelAgreement.tests(LambKernel.KIND, List.of("param", "grad", "exp_avg", "exp_avg_sq"),
                        (k, dtype, b, from, to, t) -> {
                            LambCoefficients c = lamb.coefficients(t).withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.applyFloats(c, c.ratio(k.momentsFloats(c, b[0], b[1], b[2], b[3], from, to)),
                                        b[0], b[2], b[3], from, to);
                                case FLOAT64 -> k.applyDoubles(c, c.ratio(k.momentsDoubles(c, b[0], b[1], b[2], b[3], from, to)),
                                        b[0], b[2], b[3], from, to);
                            }
                        }),
                KernelAgreement.tests(LionKernel.KIND, List.of("param", "grad", "exp_avg"),
                        (k, dtype, b, from, to, t) -> {
                            var c = lion.coefficients().withGradScale(s);
                            switch (dtype) {
                                case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], from, to);
                                case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], from, to);
                            }
                        }))
                .flatMap(x -> x);
    }
}
