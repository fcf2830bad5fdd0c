package dev.adamant.simd;

import dev.adamant.kernel.AdagradCoefficients;
import dev.adamant.kernel.AdagradKernel;
import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.AdamaxCoefficients;
import dev.adamant.kernel.AdamaxKernel;
import dev.adamant.kernel.LambCoefficients;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.LionCoefficients;
import dev.adamant.kernel.LionKernel;
import dev.adamant.kernel.NAdamCoefficients;
import dev.adamant.kernel.NAdamKernel;
import dev.adamant.kernel.RAdamCoefficients;
import dev.adamant.kernel.RAdamKernel;
import dev.adamant.kernel.RmsPropCoefficients;
import dev.adamant.kernel.RmsPropKernel;
import dev.adamant.kernel.SgdCoefficients;
import dev.adamant.kernel.SgdKernel;
import dev.adamant.kernel.StepStatsSink;
import dev.adamant.optim.AdagradConfig;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamaxConfig;
import dev.adamant.optim.LambConfig;
import dev.adamant.optim.LionConfig;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.RAdamConfig;
import dev.adamant.optim.RmsPropConfig;
import dev.adamant.optim.SgdConfig;
import dev.adamant.tensor.DType;
import dev.adamant.testing.KernelAgreement;
import dev.adamant.testing.KernelAgreement.Coefficients;
import dev.adamant.testing.KernelAgreement.Reads;
import dev.adamant.testing.KernelAgreement.Steps;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every optimizer's vector kernels against its scalar reference, bit for bit, each a declaration on
 * the one harness {@link KernelAgreement} (sizes, unaligned ranges, steps, special values, initial
 * and random states, the hidden vector copies: see there). Each optimizer names its buffers, calls
 * its kernel, and lists configs that reach every switch of its kernel in as few configs as
 * possible (each config costs a C2 recompile per copy). One config per optimizer carries a
 * gradient scale (clipping, unscaling), the first operation of every kernel, followed by the value
 * clamp ({@code clip_grad_value_}), the second; each alone runs on every backend in
 * {@code UnscaleAgreementTest} and {@code ClipGradValueAgreementTest}.
 */
class VectorKernelAgreementTest {
    private static final String SIMD = "dev.adamant.simd.";
    private static final long[] ONE_TO_FIVE = {1, 2, 3, 4, 5, 1_000_000};
    /** A clip or unscale coefficient, applied by every kernel to the raw gradient first. */
    private static final double GRAD_SCALE = 0.37;
    /** A clip_grad_value_ bound, applied right after the scale: about 40 % of N(0, 1) · 0.37 exceeds it. */
    private static final double CLIP_VALUE = 0.3;

    @TestFactory
    Stream<DynamicNode> adam() {
        Simd.assumeSimd();
        return KernelAgreement.of(AdamKernel.KIND, SIMD + "VectorAdamKernel",
                        List.of("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"), VectorKernelAgreementTest::callAdam)
                .nonNegative("exp_avg_sq", "max_exp_avg_sq")
                .steps(new Steps(ONE_TO_FIVE, new long[] {1, 2, 1_000_000}, ONE_TO_FIVE))
                .config("adam", adam(AdamConfig.adam()))
                .config("adam L2", adam(AdamConfig.adam().withWeightDecay(0.1)))
                .config("adam amsgrad maximize", adam(AdamConfig.adam().withAmsgrad(true).withMaximize(true)))
                .config("adam L2 amsgrad maximize betas(0.5,0.6) eps 1e-3", adam(AdamConfig.adam().withWeightDecay(0.05)
                        .withAmsgrad(true).withMaximize(true).withBetas(0.5, 0.6).withEps(1e-3)))
                .config("adamw", adam(AdamConfig.adamW()))
                .config("adamw amsgrad lr 0.1 wd 0.5", adam(AdamConfig.adamW().withLr(0.1).withWeightDecay(0.5).withAmsgrad(true)))
                .config("adamw maximize", adam(AdamConfig.adamW().withMaximize(true)))
                .config("adam L2 amsgrad gradScale 0.37 clipValue 0.3", (t, previous) -> AdamConfig.adam().withWeightDecay(0.1)
                        .withAmsgrad(true).coefficients(t).withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE))
                .monitored(VectorKernelAgreementTest::callAdamMonitored,
                        c -> new Reads(2, c.amsgrad() ? 4 : 3, -1, c.gradScale(), c.clipValue()))
                .tests();
    }

    @TestFactory
    Stream<DynamicNode> sgd() {
        Simd.assumeSimd();
        return KernelAgreement.of(SgdKernel.KIND, SIMD + "VectorSgdKernel",
                        List.of("param", "grad", "momentum_buffer"), VectorKernelAgreementTest::callSgd)
                .config("sgd plain maximize", sgd(SgdConfig.sgd().withLr(0.1).withMaximize(true)))
                .config("sgd momentum dampening wd", sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withDampening(0.1)
                        .withWeightDecay(0.01)))
                .config("sgd nesterov wd maximize", sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withNesterov(true)
                        .withWeightDecay(1e-4).withMaximize(true)))
                .config("sgd momentum wd maximize gradScale 0.37 clipValue 0.3", (t, previous) -> SgdConfig.sgd().withLr(0.1).withMomentum(0.9)
                        .withWeightDecay(0.01).withMaximize(true).coefficients(previous == null).withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE))
                .monitored(VectorKernelAgreementTest::callSgdMonitored,
                        c -> new Reads(c.useMomentum() ? 2 : -1, -1, -1, c.gradScale(), c.clipValue()))
                .tests();
    }

    @TestFactory
    Stream<DynamicNode> rmsprop() {
        Simd.assumeSimd();
        return KernelAgreement.of(RmsPropKernel.KIND, SIMD + "VectorRmsPropKernel",
                        List.of("param", "grad", "square_avg", "grad_avg", "momentum_buffer"), VectorKernelAgreementTest::callRmsProp)
                .nonNegative("square_avg")
                .config("rmsprop defaults", rmsprop(RmsPropConfig.rmsprop()))
                .config("rmsprop centered momentum wd maximize alpha 0.9 eps 1e-3", rmsprop(RmsPropConfig.rmsprop()
                        .withCentered(true).withMomentum(0.5).withWeightDecay(0.1).withMaximize(true).withAlpha(0.9).withEps(1e-3)))
                .config("rmsprop centered wd gradScale 0.37 clipValue 0.3", (t, previous) -> RmsPropConfig.rmsprop().withCentered(true)
                        .withWeightDecay(0.1).coefficients().withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE))
                .monitored(VectorKernelAgreementTest::callRmsPropMonitored,
                        c -> new Reads(c.useMomentum() ? 4 : -1, 2, c.centered() ? 3 : -1, c.gradScale(), c.clipValue()))
                .tests();
    }

    @TestFactory
    Stream<DynamicNode> adagrad() {
        Simd.assumeSimd();
        var adagrad = KernelAgreement.of(AdagradKernel.KIND, SIMD + "VectorAdagradKernel",
                        List.of("param", "grad", "sum"), VectorKernelAgreementTest::callAdagrad)
                .nonNegative("sum")
                .monitored(VectorKernelAgreementTest::callAdagradMonitored, c -> new Reads(-1, 2, -1, c.gradScale(), c.clipValue()));
        for (var c : List.of(
                new Named<>("adagrad defaults", AdagradConfig.adagrad()),
                new Named<>("adagrad lr_decay 0.01 iav 0.1 wd 0.1", AdagradConfig.adagrad().withLrDecay(0.01)
                        .withInitialAccumulatorValue(0.1).withWeightDecay(0.1)),
                new Named<>("adagrad maximize eps 1e-6", AdagradConfig.adagrad().withMaximize(true).withEps(1e-6)))) {
            adagrad.config(c.name(), c.config().initialAccumulatorValue(), (t, previous) -> c.config().coefficients(t));
        }
        AdagradConfig scaled = AdagradConfig.adagrad().withWeightDecay(0.1).withMaximize(true);
        adagrad.config("adagrad wd maximize gradScale 0.37 clipValue 0.3", scaled.initialAccumulatorValue(),
                (t, previous) -> scaled.coefficients(t).withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE));
        return adagrad.tests();
    }

    /** A lane-wise max that drops NaN fails here: a third of the runs put NaN into the gradients. */
    @TestFactory
    Stream<DynamicNode> adamax() {
        Simd.assumeSimd();
        return KernelAgreement.of(AdamaxKernel.KIND, SIMD + "VectorAdamaxKernel",
                        List.of("param", "grad", "exp_avg", "exp_inf"), VectorKernelAgreementTest::callAdamax)
                .nonNegative("exp_inf")
                .config("adamax defaults", adamax(AdamaxConfig.adamax()))
                .config("adamax wd 0.01 maximize", adamax(AdamaxConfig.adamax().withWeightDecay(0.01).withMaximize(true)))
                .config("adamax betas (0.5, 0) eps 1e-3", adamax(AdamaxConfig.adamax().withBetas(0.5, 0).withEps(1e-3)))
                .config("adamax wd maximize gradScale 0.37 clipValue 0.3", (t, previous) -> AdamaxConfig.adamax().withWeightDecay(0.1)
                        .withMaximize(true).coefficients(t).withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE))
                .monitored(VectorKernelAgreementTest::callAdamaxMonitored,
                        c -> new Reads(2, 3, -1, c.gradScale(), c.clipValue()))
                .tests();
    }

    /** NAdam's float32 mu_product threads from each step's coefficients into the next's. */
    @TestFactory
    Stream<DynamicNode> nadam() {
        Simd.assumeSimd();
        return KernelAgreement.of(NAdamKernel.KIND, SIMD + "VectorNAdamKernel",
                        List.of("param", "grad", "exp_avg", "exp_avg_sq"), VectorKernelAgreementTest::callNAdam)
                .nonNegative("exp_avg_sq")
                .steps(RECTIFIED_AND_NOT)
                .config("nadam", nadam(NAdamConfig.nadam()))
                .config("nadam wd 0.1 betas(0.5,0.6) momentum_decay 0.01 eps 1e-3", nadam(NAdamConfig.nadam()
                        .withWeightDecay(0.1).withBetas(0.5, 0.6).withMomentumDecay(0.01).withEps(1e-3)))
                .config("nadam wd gradScale 0.37 clipValue 0.3", (t, previous) -> NAdamConfig.nadam().withWeightDecay(0.1)
                        .coefficients(t, previous == null ? 1f : previous.muProduct()).withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE))
                .monitored(VectorKernelAgreementTest::callNAdamMonitored,
                        c -> new Reads(2, 3, -1, c.gradScale(), c.clipValue()))
                .tests();
    }

    /** RAdam with the defaults is unrectified at steps 1-5, rectified from step 6: every run takes both. */
    private static final Steps RECTIFIED_AND_NOT = new Steps(new long[] {1, 2, 6, 1_000_000}, new long[] {1, 6, 1_000_000},
            new long[] {1, 2, 3, 4, 5, 6, 7, 1_000_000});

    @TestFactory
    Stream<DynamicNode> radam() {
        Simd.assumeSimd();
        return KernelAgreement.of(RAdamKernel.KIND, SIMD + "VectorRAdamKernel",
                        List.of("param", "grad", "exp_avg", "exp_avg_sq"), VectorKernelAgreementTest::callRAdam)
                .nonNegative("exp_avg_sq")
                .steps(RECTIFIED_AND_NOT)
                .config("radam", radam(RAdamConfig.radam()))
                .config("radam wd 0.05 lr 0.1 betas(0.8,0.99)", radam(RAdamConfig.radam().withWeightDecay(0.05).withLr(0.1)
                        .withBetas(0.8, 0.99)))
                .config("radam wd gradScale 0.37 clipValue 0.3", (t, previous) -> RAdamConfig.radam().withWeightDecay(0.1)
                        .coefficients(t).withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE))
                .monitored(VectorKernelAgreementTest::callRAdamMonitored,
                        c -> new Reads(2, 3, -1, c.gradScale(), c.clipValue()))
                .tests();
    }

    @TestFactory
    Stream<DynamicNode> lion() {
        Simd.assumeSimd();
        return KernelAgreement.of(LionKernel.KIND, SIMD + "VectorLionKernel",
                        List.of("param", "grad", "exp_avg"), VectorKernelAgreementTest::callLion)
                .config("lion defaults", lion(LionConfig.defaults()))
                .config("lion lr 0.01 wd 0.1 maximize betas(0.5,0.9)", lion(LionConfig.defaults().withLr(0.01)
                        .withWeightDecay(0.1).withMaximize(true).withBetas(0.5, 0.9)))
                .config("lion wd maximize gradScale 0.37 clipValue 0.3", (t, previous) -> LionConfig.defaults().withWeightDecay(0.1)
                        .withMaximize(true).coefficients().withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE))
                .monitored(VectorKernelAgreementTest::callLionMonitored,
                        c -> new Reads(2, -1, -1, c.gradScale(), c.clipValue()))
                .tests();
    }

    /** Both passes: the moments, the norms (through the ratio they give) and the parameter update. */
    @TestFactory
    Stream<DynamicNode> lamb() {
        Simd.assumeSimd();
        return KernelAgreement.of(LambKernel.KIND, SIMD + "VectorLambKernel",
                        List.of("param", "grad", "exp_avg", "exp_avg_sq"), VectorKernelAgreementTest::callLamb)
                .nonNegative("exp_avg_sq")
                .config("lamb defaults", lamb(LambConfig.defaults()))
                .config("lamb always_adapt betas(0.5,0.75) eps 1e-3", lamb(LambConfig.defaults().withWeightDecay(0)
                        .withAlwaysAdapt(true).withBetas(0.5, 0.75).withEps(1e-3)))
                .config("lamb no bias correction", lamb(LambConfig.defaults().withWeightDecay(0).withBiasCorrection(false)))
                .config("lamb gradScale 0.37 clipValue 0.3", (t, previous) -> LambConfig.defaults().coefficients(t).withGradScale(GRAD_SCALE).withClipValue(CLIP_VALUE))
                .tests();
    }

    private record Named<T>(String name, T config) {
    }

    private static Coefficients<AdamCoefficients> adam(AdamConfig config) {
        return (t, previous) -> config.coefficients(t);
    }

    /** The first step copies the direction into the momentum buffer. */
    private static Coefficients<SgdCoefficients> sgd(SgdConfig config) {
        return (t, previous) -> config.coefficients(previous == null);
    }

    private static Coefficients<RmsPropCoefficients> rmsprop(RmsPropConfig config) {
        RmsPropCoefficients c = config.coefficients();
        return (t, previous) -> c;
    }

    private static Coefficients<AdamaxCoefficients> adamax(AdamaxConfig config) {
        return (t, previous) -> config.coefficients(t);
    }

    private static Coefficients<NAdamCoefficients> nadam(NAdamConfig config) {
        return (t, previous) -> config.coefficients(t, previous == null ? 1f : previous.muProduct());
    }

    private static Coefficients<RAdamCoefficients> radam(RAdamConfig config) {
        return (t, previous) -> config.coefficients(t);
    }

    private static Coefficients<LionCoefficients> lion(LionConfig config) {
        return (t, previous) -> config.coefficients();
    }

    private static Coefficients<LambCoefficients> lamb(LambConfig config) {
        return (t, previous) -> config.coefficients(t);
    }

    static void callAdam(AdamKernel k, AdamCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        MemorySegment max = c.amsgrad() ? b[4] : null;
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], max, from, to);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], max, from, to);
        }
    }

    static void callAdamMonitored(AdamKernel k, AdamCoefficients c, DType dtype, MemorySegment[] b, long from, long to,
                                  StepStatsSink stats) {
        MemorySegment max = c.amsgrad() ? b[4] : null;
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], max, from, to, stats);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], max, from, to, stats);
        }
    }

    static void callSgd(SgdKernel k, SgdCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        MemorySegment buf = c.useMomentum() ? b[2] : null;
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], buf, from, to);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], buf, from, to);
        }
    }

    static void callSgdMonitored(SgdKernel k, SgdCoefficients c, DType dtype, MemorySegment[] b, long from, long to,
                                 StepStatsSink stats) {
        MemorySegment buf = c.useMomentum() ? b[2] : null;
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], buf, from, to, stats);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], buf, from, to, stats);
        }
    }

    static void callRmsProp(RmsPropKernel k, RmsPropCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        MemorySegment gradAvg = c.centered() ? b[3] : null, buf = c.useMomentum() ? b[4] : null;
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], gradAvg, buf, from, to);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], gradAvg, buf, from, to);
        }
    }

    static void callRmsPropMonitored(RmsPropKernel k, RmsPropCoefficients c, DType dtype, MemorySegment[] b, long from, long to,
                                     StepStatsSink stats) {
        MemorySegment gradAvg = c.centered() ? b[3] : null, buf = c.useMomentum() ? b[4] : null;
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], gradAvg, buf, from, to, stats);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], gradAvg, buf, from, to, stats);
        }
    }

    static void callAdagrad(AdagradKernel k, AdagradCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], from, to);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], from, to);
        }
    }

    static void callAdagradMonitored(AdagradKernel k, AdagradCoefficients c, DType dtype, MemorySegment[] b, long from, long to,
                                     StepStatsSink stats) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], from, to, stats);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], from, to, stats);
        }
    }

    static void callAdamax(AdamaxKernel k, AdamaxCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to);
        }
    }

    static void callAdamaxMonitored(AdamaxKernel k, AdamaxCoefficients c, DType dtype, MemorySegment[] b, long from, long to,
                                    StepStatsSink stats) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to, stats);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to, stats);
        }
    }

    static void callNAdam(NAdamKernel k, NAdamCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to);
        }
    }

    static void callNAdamMonitored(NAdamKernel k, NAdamCoefficients c, DType dtype, MemorySegment[] b, long from, long to,
                                   StepStatsSink stats) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to, stats);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to, stats);
        }
    }

    static void callRAdam(RAdamKernel k, RAdamCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to);
        }
    }

    static void callRAdamMonitored(RAdamKernel k, RAdamCoefficients c, DType dtype, MemorySegment[] b, long from, long to,
                                   StepStatsSink stats) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], b[3], from, to, stats);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], b[3], from, to, stats);
        }
    }

    static void callLion(LionKernel k, LionCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], from, to);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], from, to);
        }
    }

    static void callLionMonitored(LionKernel k, LionCoefficients c, DType dtype, MemorySegment[] b, long from, long to,
                                  StepStatsSink stats) {
        switch (dtype) {
            case FLOAT32 -> k.updateFloats(c, b[0], b[1], b[2], from, to, stats);
            case FLOAT64 -> k.updateDoubles(c, b[0], b[1], b[2], from, to, stats);
        }
    }

    static void callLamb(LambKernel k, LambCoefficients c, DType dtype, MemorySegment[] b, long from, long to) {
        switch (dtype) {
            case FLOAT32 -> k.applyFloats(c, c.ratio(k.momentsFloats(c, b[0], b[1], b[2], b[3], from, to)), b[0], b[2], b[3], from, to);
            case FLOAT64 -> k.applyDoubles(c, c.ratio(k.momentsDoubles(c, b[0], b[1], b[2], b[3], from, to)), b[0], b[2], b[3], from, to);
        }
    }
}
