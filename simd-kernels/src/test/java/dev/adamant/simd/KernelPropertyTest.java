package dev.adamant.simd;

import dev.adamant.kernel.AdagradKernel;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.AdamaxKernel;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.KernelKind;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.LionKernel;
import dev.adamant.kernel.NAdamKernel;
import dev.adamant.kernel.Numerics;
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
import dev.adamant.tensor.DType;
import dev.adamant.testing.KernelAgreement;
import dev.adamant.testing.KernelAgreement.Coefficients;
import dev.adamant.testing.Trials;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Property: for every optimizer kernel, any valid hyperparameters, any step numbers, any size and any
 * element range, the vector kernel at every lane width equals the scalar reference of the same
 * numerics bit for bit, in exact and fast numerics, float32 and float64. Each trial draws a config
 * (every switch at random, values over their valid ranges, sometimes a gradient scale), 1 to 4
 * consecutive steps from step 1 or from anywhere up to 10^6, a size (0..5000, one trial in 32 a large
 * one up to 140 000), a range [from, to) inside it, the dtype, the numerics, special values in a
 * quarter of the trials and a random previous state in half; {@link KernelAgreement#compare} runs it.
 * Fixed seed and tries: the same inputs on every run.
 */
class KernelPropertyTest {
    static final long SEED = 0x5EED_2026_1123L;
    static final int TRIES = 64;
    private static final String SIMD = "dev.adamant.simd.";

    /** A drawn config: what it is (for failure messages), the state's initial value, its coefficients per step. */
    record Drawn<C>(String description, double initialState, Coefficients<C> coefficients) {
    }

    /** One kernel kind: its harness and how to draw a valid config. */
    record Family<K, C>(KernelKind<K> kind, KernelAgreement<K, C> harness, Function<SplittableRandom, Drawn<C>> draw) {
    }

    @TestFactory
    Stream<DynamicTest> vectorEqualsReferenceForAnyInputs() {
        Simd.assumeSimd();
        return families().stream().map(f -> DynamicTest.dynamicTest(f.kind().name(), () -> check(f)));
    }

    private static <K, C> void check(Family<K, C> f) {
        int[] widths = Backends.laneWidths().toArray();
        Trials.check(f.kind().name() + " vector = reference", SEED ^ f.kind().name().hashCode(), TRIES, (r, trial) -> {
            Drawn<C> drawn = f.draw().apply(r);
            int n = r.nextInt(32) == 0 ? r.nextInt(65_536, 140_000) : r.nextInt(5001);
            int from = r.nextInt(4) == 0 ? 0 : r.nextInt(n + 1);
            int to = r.nextInt(4) == 0 ? n : r.nextInt(from, n + 1);
            DType dtype = r.nextBoolean() ? DType.FLOAT32 : DType.FLOAT64;
            Numerics numerics = r.nextBoolean() ? Numerics.EXACT : Numerics.FAST;
            long first = r.nextBoolean() ? 1 : r.nextLong(1, 1_000_001);
            long[] steps = new long[1 + r.nextInt(4)];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = first + i;
            }
            boolean specials = r.nextInt(4) == 0;
            boolean randomState = r.nextBoolean();
            for (int bits : widths) {
                String label = f.kind().name() + " " + drawn.description() + ", " + bits + "-bit " + numerics + ", "
                        + dtype.torchName() + ", steps from " + first;
                f.harness().compare(Backends.vector(bits, numerics).orElseThrow().kernel(f.kind()), f.kind().scalar(numerics),
                        label, drawn.initialState(), drawn.coefficients(), dtype, n, from, to, specials, randomState, steps);
            }
        });
    }

    static List<Family<?, ?>> families() {
        return List.of(
                new Family<>(AdamKernel.KIND, KernelAgreement.of(AdamKernel.KIND, SIMD + "VectorAdamKernel",
                        List.of("param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"), VectorKernelAgreementTest::callAdam)
                        .nonNegative("exp_avg_sq", "max_exp_avg_sq"), r -> {
                    AdamConfig c = (r.nextBoolean() ? AdamConfig.adamW() : AdamConfig.adam()).withLr(lr(r)).withBetas(beta(r), beta(r))
                            .withEps(eps(r)).withWeightDecay(weightDecay(r)).withAmsgrad(r.nextBoolean()).withMaximize(r.nextBoolean());
                    double scale = gradScale(r);
                    return new Drawn<>(c + " gradScale " + scale, 0, (t, previous) -> c.coefficients(t).withGradScale(scale));
                }),
                new Family<>(SgdKernel.KIND, KernelAgreement.of(SgdKernel.KIND, SIMD + "VectorSgdKernel",
                        List.of("param", "grad", "momentum_buffer"), VectorKernelAgreementTest::callSgd), r -> {
                    double momentum = r.nextInt(3) == 0 ? 0 : r.nextDouble(0, 1);
                    boolean nesterov = momentum > 0 && r.nextBoolean();
                    SgdConfig c = SgdConfig.sgd().withLr(lr(r)).withMomentum(momentum)
                            .withDampening(nesterov || r.nextBoolean() ? 0 : r.nextDouble(0, 1)).withNesterov(nesterov)
                            .withWeightDecay(weightDecay(r)).withMaximize(r.nextBoolean()).check();
                    double scale = gradScale(r);
                    // the first step of a run copies the direction into the momentum buffer
                    return new Drawn<>(c + " gradScale " + scale, 0, (t, previous) -> c.coefficients(previous == null).withGradScale(scale));
                }),
                new Family<>(RmsPropKernel.KIND, KernelAgreement.of(RmsPropKernel.KIND, SIMD + "VectorRmsPropKernel",
                        List.of("param", "grad", "square_avg", "grad_avg", "momentum_buffer"), VectorKernelAgreementTest::callRmsProp)
                        .nonNegative("square_avg"), r -> {
                    RmsPropConfig c = RmsPropConfig.rmsprop().withLr(lr(r)).withAlpha(r.nextDouble(0, 1)).withEps(eps(r))
                            .withWeightDecay(weightDecay(r)).withMomentum(r.nextBoolean() ? 0 : r.nextDouble(0, 1))
                            .withCentered(r.nextBoolean()).withMaximize(r.nextBoolean());
                    double scale = gradScale(r);
                    return new Drawn<>(c + " gradScale " + scale, 0, (t, previous) -> c.coefficients().withGradScale(scale));
                }),
                new Family<>(AdagradKernel.KIND, KernelAgreement.of(AdagradKernel.KIND, SIMD + "VectorAdagradKernel",
                        List.of("param", "grad", "sum"), VectorKernelAgreementTest::callAdagrad).nonNegative("sum"), r -> {
                    AdagradConfig c = AdagradConfig.adagrad().withLr(lr(r)).withLrDecay(r.nextBoolean() ? 0 : r.nextDouble(0, 0.1))
                            .withInitialAccumulatorValue(r.nextBoolean() ? 0 : r.nextDouble(0, 1)).withEps(eps(r))
                            .withWeightDecay(weightDecay(r)).withMaximize(r.nextBoolean());
                    double scale = gradScale(r);
                    return new Drawn<>(c + " gradScale " + scale, c.initialAccumulatorValue(),
                            (t, previous) -> c.coefficients(t).withGradScale(scale));
                }),
                new Family<>(AdamaxKernel.KIND, KernelAgreement.of(AdamaxKernel.KIND, SIMD + "VectorAdamaxKernel",
                        List.of("param", "grad", "exp_avg", "exp_inf"), VectorKernelAgreementTest::callAdamax).nonNegative("exp_inf"), r -> {
                    AdamaxConfig c = AdamaxConfig.adamax().withLr(lr(r)).withBetas(beta(r), beta(r)).withEps(eps(r))
                            .withWeightDecay(weightDecay(r)).withMaximize(r.nextBoolean());
                    double scale = gradScale(r);
                    return new Drawn<>(c + " gradScale " + scale, 0, (t, previous) -> c.coefficients(t).withGradScale(scale));
                }),
                new Family<>(NAdamKernel.KIND, KernelAgreement.of(NAdamKernel.KIND, SIMD + "VectorNAdamKernel",
                        List.of("param", "grad", "exp_avg", "exp_avg_sq"), VectorKernelAgreementTest::callNAdam).nonNegative("exp_avg_sq"), r -> {
                    NAdamConfig c = NAdamConfig.nadam().withLr(lr(r)).withBetas(beta(r), beta(r)).withEps(eps(r))
                            .withWeightDecay(weightDecay(r)).withMomentumDecay(r.nextBoolean() ? 4e-3 : r.nextDouble(0, 0.1));
                    double scale = gradScale(r);
                    float muProduct = r.nextBoolean() ? 1f : (float) r.nextDouble(0.01, 1); // a run resumed mid-way
                    // mu_product threads from each step's coefficients into the next's
                    return new Drawn<>(c + " mu_product " + muProduct + " gradScale " + scale, 0, (t, previous) ->
                            c.coefficients(t, previous == null ? muProduct : previous.muProduct()).withGradScale(scale));
                }),
                new Family<>(RAdamKernel.KIND, KernelAgreement.of(RAdamKernel.KIND, SIMD + "VectorRAdamKernel",
                        List.of("param", "grad", "exp_avg", "exp_avg_sq"), VectorKernelAgreementTest::callRAdam).nonNegative("exp_avg_sq"), r -> {
                    RAdamConfig c = RAdamConfig.radam().withLr(lr(r)).withBetas(beta(r), beta(r)).withEps(eps(r))
                            .withWeightDecay(weightDecay(r));
                    double scale = gradScale(r);
                    return new Drawn<>(c + " gradScale " + scale, 0, (t, previous) -> c.coefficients(t).withGradScale(scale));
                }),
                new Family<>(LionKernel.KIND, KernelAgreement.of(LionKernel.KIND, SIMD + "VectorLionKernel",
                        List.of("param", "grad", "exp_avg"), VectorKernelAgreementTest::callLion), r -> {
                    LionConfig c = LionConfig.defaults().withLr(lr(r)).withBetas(beta(r), beta(r)).withWeightDecay(weightDecay(r))
                            .withMaximize(r.nextBoolean());
                    double scale = gradScale(r);
                    return new Drawn<>(c + " gradScale " + scale, 0, (t, previous) -> c.coefficients().withGradScale(scale));
                }),
                new Family<>(LambKernel.KIND, KernelAgreement.of(LambKernel.KIND, SIMD + "VectorLambKernel",
                        List.of("param", "grad", "exp_avg", "exp_avg_sq"), VectorKernelAgreementTest::callLamb).nonNegative("exp_avg_sq"), r -> {
                    LambConfig c = LambConfig.defaults().withLr(lr(r)).withBetas(beta(r), beta(r)).withEps(eps(r))
                            .withWeightDecay(weightDecay(r)).withAlwaysAdapt(r.nextBoolean()).withBiasCorrection(r.nextBoolean());
                    double scale = gradScale(r);
                    return new Drawn<>(c + " gradScale " + scale, 0, (t, previous) -> c.coefficients(t).withGradScale(scale));
                }));
    }

    /** Log-uniform over [1e-5, 1]. */
    static double lr(SplittableRandom r) {
        return Math.pow(10, r.nextDouble(-5, 0));
    }

    /** 0, a typical value, or anything in [0, 1). */
    static double beta(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 0.9;
            default -> r.nextDouble(0, 1);
        };
    }

    /** Log-uniform over [1e-12, 1e-1], or 0. */
    static double eps(SplittableRandom r) {
        return r.nextInt(8) == 0 ? 0 : Math.pow(10, r.nextDouble(-12, -1));
    }

    static double weightDecay(SplittableRandom r) {
        return r.nextBoolean() ? 0 : r.nextDouble(0, 0.5);
    }

    /** 1 (no clipping or unscaling) half of the time, else a clip coefficient or an inverse loss scale. */
    static double gradScale(SplittableRandom r) {
        return switch (r.nextInt(4)) {
            case 0, 1 -> 1;
            case 2 -> r.nextDouble(0, 1);
            default -> Math.scalb(1.0, -r.nextInt(1, 17));
        };
    }
}
