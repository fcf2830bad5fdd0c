package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.precision.StateFormat;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mixed precision's bad input: every rejection names the problem and changes nothing — no
 * parameter, no state (none created), no step count. The decisions it pins down:
 * <ul>
 *   <li>a bfloat16 gradient on a float16 parameter (or the reverse) is rejected (see
 *       {@link Parameter#setGrad}): float32 pairs with either 16-bit type, the two 16-bit types not
 *       with each other;</li>
 *   <li>a master copy on a float32 parameter, stochastic rounding on a non-bf16 parameter, or both
 *       options at once are rejected, not silently ignored;</li>
 *   <li>value clipping and monitoring, which the mixed kernel lacks, are rejected.</li>
 * </ul>
 */
class MixedPrecisionBadInputTest {
    private static final Backend SCALAR = Backends.scalar(Numerics.EXACT);
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    private <T extends AutoCloseable> T track(T t) {
        closing.add(t);
        return t;
    }

    private Parameter param(String name, DType data, DType grad, int n) {
        Tensor d = track(Tensor.allocate(data, n)), g = track(Tensor.allocate(grad, n));
        SplittableRandom r = new SplittableRandom(name.hashCode());
        for (int i = 0; i < n; i++) {
            d.setFloat(i, (float) r.nextGaussian());
            g.setFloat(i, (float) r.nextGaussian());
        }
        Parameter p = Parameter.of(name, d);
        p.setGrad(g);
        return p;
    }

    /** {@code call} throws {@code type} with {@code words} in its message, and nothing of {@code params} or {@code opt} changed. */
    private static <T extends Throwable> void rejects(Optimizer<?, ?> opt, List<Parameter> params, Class<T> type, String words,
                                                     Executable call) {
        List<float[]> before = new ArrayList<>();
        List<String> states = new ArrayList<>();
        for (Parameter p : params) {
            before.add(p.data().toFloatArray());
            states.add(String.valueOf(opt.state(p).map(s -> s.step() + " " + s.tensors().keysView().toSortedList()).orElse("none")));
        }
        long steps = opt.stepCount();
        T e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(words), () -> "message '" + e.getMessage() + "' should contain '" + words + "'");
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            assertArrayEquals(before.get(i), p.data().toFloatArray(), p + " changed");
            assertEquals(states.get(i), String.valueOf(opt.state(p).map(s -> s.step() + " " + s.tensors().keysView().toSortedList())
                    .orElse("none")), p + "'s state changed");
        }
        assertEquals(steps, opt.stepCount());
    }

    @Test
    void gradientDTypes() {
        Tensor fp16 = track(Tensor.allocate(DType.FLOAT16, 8)), bf16 = track(Tensor.allocate(DType.BFLOAT16, 8));
        Tensor fp64 = track(Tensor.allocate(DType.FLOAT64, 8)), fp32 = track(Tensor.allocate(DType.FLOAT32, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parameter.of("w", fp16).setGrad(bf16));
        assertEquals("grad of parameter 'w' is bfloat16 but the parameter is float16 (a gradient has the parameter's dtype,"
                + " or float32 beside a 16-bit one)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Parameter.of("w", bf16).setGrad(fp16));
        assertThrows(IllegalArgumentException.class, () -> Parameter.of("w", fp64).setGrad(fp32));
        assertThrows(IllegalArgumentException.class, () -> Parameter.of("w", fp32).setGrad(fp64));
        // the pairs mixed precision allows
        Parameter.of("a", bf16).setGrad(fp32);
        Parameter.of("b", fp32).setGrad(fp16);
        Parameter.of("c", fp16).setGrad(fp16);
    }

    @Test
    void optionsThatDoNotApplyToTheParameter() {
        AdamW opt = track(new AdamW(AdamConfig.adamW(), SCALAR));
        Parameter good = param("good", DType.BFLOAT16, DType.BFLOAT16, 300);
        Parameter fp32 = param("fp32", DType.FLOAT32, DType.FLOAT32, 300);
        // the first group is fine: it must not be touched when the second is rejected
        opt.addParamGroup(List.of(good), c -> c.withPrecision(Precision.of(StateFormat.BF16).withMasterCopy()));
        ParamGroup<AdamConfig> bad = opt.addParamGroup(List.of(fp32), c -> c.withPrecision(Precision.of(StateFormat.BF16).withMasterCopy()));
        List<Parameter> all = List.of(good, fp32);
        rejects(opt, all, IllegalArgumentException.class,
                "a master copy is kept for bfloat16 and float16 parameters, but parameter #1 'fp32' is float32", opt::step);

        bad.setConfig(bad.config().withPrecision(Precision.of(StateFormat.BF16).withStochasticRounding(1)));
        rejects(opt, all, IllegalArgumentException.class,
                "stochastic rounding writes bfloat16 parameters, but parameter #1 'fp32' is float32", opt::step);

        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> Precision.of(StateFormat.BF16).withMasterCopy().withStochasticRounding(1));
        assertTrue(both.getMessage().contains("a group cannot have both"), both.getMessage());

        bad.setConfig(bad.config().withPrecision(Precision.DEFAULT));
        opt.step();   // now both run
        assertEquals(1, opt.state(good).orElseThrow().step());
    }

    @Test
    void amsgradSwitchedOnLaterStartsFromTheSecondMoment() {
        // as torch's: the running maximum is created from zero, so the first step with it uses v itself
        Parameter withLater = param("w", DType.FLOAT32, DType.FLOAT32, 5000), fromStart = param("w", DType.FLOAT32, DType.FLOAT32, 5000);
        Precision compact = Precision.of(StateFormat.BLOCKWISE_8BIT);
        Adam later = track(new Adam(AdamConfig.adam().withPrecision(compact), SCALAR));
        Adam amsgrad = track(new Adam(AdamConfig.adam().withPrecision(compact).withAmsgrad(true), SCALAR));
        later.addParamGroup(List.of(withLater));
        amsgrad.addParamGroup(List.of(fromStart));
        fromStart.data().copyFrom(withLater.data());
        fromStart.grad().copyFrom(withLater.grad());
        later.step();
        amsgrad.step();
        // one step: max(0, v) = v, so both moved alike; the later one holds no maximum yet
        assertEquals(java.util.Arrays.toString(fromStart.data().toFloatArray()), java.util.Arrays.toString(withLater.data().toFloatArray()));
        assertNull(later.state(withLater).orElseThrow().maxExpAvgSq());
        later.paramGroups().get(0).setConfig(later.paramGroups().get(0).config().withAmsgrad(true));
        later.step();
        AdamState s = later.state(withLater).orElseThrow();
        assertEquals(DType.UINT8, s.maxExpAvgSq().dtype());
        assertEquals(DType.FLOAT32, s.maxExpAvgSqScale().dtype());
        assertEquals(20, s.maxExpAvgSqScale().size()); // one scale per 256 elements
    }

    @Test
    void featuresTheMixedKernelLacks() {
        AdamW opt = track(new AdamW(AdamConfig.adamW(), SCALAR));
        Parameter p = param("w", DType.BFLOAT16, DType.FLOAT32, 5000);
        opt.addParamGroup(List.of(p), c -> c.withPrecision(Precision.of(StateFormat.BLOCKWISE_8BIT)));
        opt.clipGradValue(0.5);
        rejects(opt, List.of(p), IllegalStateException.class, "clipGradValue() is not supported with mixed precision", opt::step);

        AdamW monitored = track(new AdamW(AdamConfig.adamW(), SCALAR));
        Parameter q = param("q", DType.FLOAT16, DType.FLOAT16, 10);
        monitored.addParamGroup(List.of(q));
        monitored.setMonitoring(Monitoring.PER_GROUP);
        rejects(monitored, List.of(q), IllegalStateException.class, "monitoring is not supported with mixed precision yet", monitored::step);
        monitored.setMonitoring(Monitoring.OFF);
        monitored.step();
        assertFalse(monitored.lastStepStats().isPresent());
    }

    @Test
    void float64AndOtherOptimizers() {
        AdamW opt = track(new AdamW(AdamConfig.adamW().withPrecision(Precision.of(StateFormat.BF16)), SCALAR));
        Tensor d = track(Tensor.ofDoubles(1, 2, 3)), g = track(Tensor.ofDoubles(0.1, 0.2, 0.3));
        Parameter p = Parameter.of("w", d);
        p.setGrad(g);
        opt.addParamGroup(List.of(p));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, opt::step);
        assertEquals("AdamW runs mixed precision on float32, bfloat16 and float16 tensors: parameter #0 'w' (float64,"
                + " grad float64, bf16 state)", e.getMessage());
        assertTrue(opt.state(p).isEmpty());

        Sgd sgd = track(new Sgd(SgdConfig.sgd().withMomentum(0.9), SCALAR));
        Parameter b = param("b", DType.BFLOAT16, DType.BFLOAT16, 10);
        sgd.addParamGroup(List.of(b));
        rejects(sgd, List.of(b), IllegalArgumentException.class,
                "Sgd runs on float32 and float64 parameters: parameter #0 'b' is bfloat16 (mixed precision: Adam and AdamW)", sgd::step);
        Lion lion = track(new Lion(LionConfig.defaults(), SCALAR));
        Parameter f = param("f", DType.FLOAT32, DType.FLOAT16, 10);
        lion.addParamGroup(List.of(f));
        rejects(lion, List.of(f), IllegalArgumentException.class,
                "Lion needs the gradient in the parameter's dtype: parameter #0 'f' is float32, its grad float16", lion::step);
    }

    @Test
    void aStateFormatCannotChange() {
        AdamW opt = track(new AdamW(AdamConfig.adamW(), SCALAR));
        Parameter p = param("w", DType.BFLOAT16, DType.BFLOAT16, 5000);
        ParamGroup<AdamConfig> group = opt.addParamGroup(List.of(p), c -> c.withPrecision(Precision.of(StateFormat.BF16)));
        opt.step();
        group.setConfig(group.config().withPrecision(Precision.of(StateFormat.BLOCKWISE_8BIT)));
        rejects(opt, List.of(p), IllegalStateException.class, "parameter #0 'w' holds exp_avg as bfloat16 of 5000 elements,"
                + " but the group's config keeps it as uint8 (8-bit codes) of 5000 elements: a state's format cannot change", opt::step);
        // a master copy switched on later starts from the parameter, like amsgrad's running max
        group.setConfig(group.config().withPrecision(Precision.of(StateFormat.BF16).withMasterCopy()));
        float[] before = p.data().toFloatArray();
        opt.paramGroups().get(0).setLr(0);
        opt.step();
        assertArrayEquals(before, opt.state(p).orElseThrow().masterParam().toFloatArray());
    }

    @Test
    void aFlatBlocksGradientsHaveItsDType() {
        FlatParameters block = track(FlatParameters.builder(DType.BFLOAT16).add("a", 300).add("b", 5000).build());
        AdamW opt = track(new AdamW(AdamConfig.adamW(), SCALAR));
        opt.addParamGroup(block.parameters());
        block.parameter(1).setGrad(track(Tensor.allocate(DType.FLOAT32, 5000)));
        rejects(opt, block.parameters().castToList(), IllegalArgumentException.class,
                "grad of parameter #1 'b' is float32 but its flat block holds bfloat16", opt::step);
    }

    @Test
    void nonFiniteSixteenBitGradients() {
        AdamW opt = track(new AdamW(AdamConfig.adamW(), SCALAR));
        Parameter p = param("w", DType.BFLOAT16, DType.BFLOAT16, 5000);
        opt.addParamGroup(List.of(p), c -> c.withPrecision(Precision.of(StateFormat.BLOCKWISE_8BIT).withMasterCopy()));
        p.grad().setFloat(4321, Float.POSITIVE_INFINITY);
        opt.setNonFinitePolicy(NonFinitePolicy.RAISE);
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, opt::step);
        assertTrue(e.getMessage().contains("4321"), e.getMessage());
        opt.setNonFinitePolicy(NonFinitePolicy.SKIP_STEP);
        float[] before = p.data().toFloatArray();
        opt.step();
        assertTrue(opt.lastStepSkipped());
        assertArrayEquals(before, p.data().toFloatArray());
        assertTrue(opt.state(p).isEmpty());
        // an overflow after unscaling: a finite bf16 gradient times 2^10 past float32's range
        p.grad().setFloat(4321, 0x1.0p120f);
        opt.setNonFinitePolicy(NonFinitePolicy.PROPAGATE);
        opt.unscale(0x1.0p-10);
        opt.step();
        assertTrue(opt.lastStepSkipped());
        p.grad().setFloat(4321, 1);
        opt.step();
        assertFalse(opt.lastStepSkipped());
        assertEquals(1, opt.state(p).orElseThrow().step());
    }
}
