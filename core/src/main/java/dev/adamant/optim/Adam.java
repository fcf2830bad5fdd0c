package dev.adamant.optim;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedAdamKernel;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.StepStatsSink;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.RoundingNoise;
import dev.adamant.precision.StateFormat;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;

/**
 * Adam, as {@code torch.optim.Adam}: L2 weight decay added to the gradient, optional amsgrad and
 * maximize. With {@link AdamConfig#decoupledWeightDecay()} it is AdamW; {@link AdamW} fixes that.
 *
 * <pre>{@code
 * try (Adam adam = new Adam(AdamConfig.adam().withLr(3e-4))) {
 *     adam.addParamGroup(List.of(weight));
 *     adam.addParamGroup(List.of(bias), c -> c.withWeightDecay(0));
 *     adam.step();
 * }
 * }</pre>
 *
 * <p><b>Mixed precision.</b> A parameter is updated by the fused {@link MixedAdamKernel} when it or
 * its gradient is bfloat16 or float16, or when its group has {@link Precision} options
 * ({@link AdamConfig#withPrecision}); otherwise by torch's Adam kernel, bit for bit as before. The
 * parameter and gradient formats are the tensors' dtypes; the group chooses the state format
 * (float32, bfloat16, 8-bit blockwise; tensors under {@link StateFormat#SMALL_TENSOR_THRESHOLD}
 * elements keep float32), an fp32 master copy for 16-bit parameters and stochastic rounding for
 * bfloat16 ones. Each mixed-precision parameter is its own run (also in flat storage: its state
 * tensors are its own), cut into the same chunks and threads as any other, with the gradient scale
 * of {@link #unscale} and {@link #clipGradNorm} (16-bit gradients are measured as float32), and
 * amsgrad (its running maximum kept in the state format). Not supported yet with mixed precision,
 * and rejected by the step with an error naming the parameter rather than ignored:
 * {@link #clipGradValue} (the mixed kernel has no clamp) and {@link #setMonitoring monitoring}.
 * float64 parameters run only without precision options.
 */
public class Adam extends SlotOptimizer<AdamConfig, AdamState, AdamCoefficients> {
    private static final MonitoredSlots MOMENTS = new MonitoredSlots(AdamState.EXP_AVG.name(), AdamState.EXP_AVG_SQ.name(), null);
    private static final MonitoredSlots AMSGRAD_MOMENTS =
            new MonitoredSlots(AdamState.EXP_AVG.name(), AdamState.MAX_EXP_AVG_SQ.name(), null);
    private static final Slot MASTER = Slot.zeros(AdamState.MASTER_PARAM, Slot.Storage.MASTER_COPY);
    // the slots of a mixed-precision parameter, by state format, master copy and amsgrad (one array each:
    // a state whose slots are the same array is known to be prepared)
    private static final Slot[][][][] MIXED_SLOTS = new Slot[StateFormat.values().length][2][2][];
    static {
        for (StateFormat f : StateFormat.values()) {
            for (int master = 0; master < 2; master++) {
                for (int amsgrad = 0; amsgrad < 2; amsgrad++) {
                    MIXED_SLOTS[f.ordinal()][master][amsgrad] = mixedSlots(f, master == 1, amsgrad == 1);
                }
            }
        }
    }
    private static final Set<String> TORCH_SLOTS =
            Set.of(AdamState.EXP_AVG.name(), AdamState.EXP_AVG_SQ.name(), AdamState.MAX_EXP_AVG_SQ.name());
    private final AdamKernel kernel;
    private final MixedAdamKernel mixedKernel;

    /** Adam with torch's defaults on the default backend. */
    public Adam() {
        this(AdamConfig.adam());
    }

    /** Adam on the default backend ({@link Backends#defaultBackend()}). */
    public Adam(AdamConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public Adam(AdamConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(AdamKernel.KIND);
        this.mixedKernel = backend.kernel(MixedAdamKernel.KIND);
    }

    @Override
    protected void validateConfig(AdamConfig config) {
        if (config.decoupledWeightDecay() != defaults().decoupledWeightDecay()) {
            throw new IllegalArgumentException("a param group cannot switch decoupledWeightDecay to "
                    + config.decoupledWeightDecay() + " in " + getClass().getSimpleName());
        }
    }

    @Override
    protected AdamState newState() {
        return new AdamState();
    }

    @Override
    protected Iterable<Slot> slots(AdamConfig config) {
        // amsgrad switched on later: the running max starts from zero, i.e. from v itself
        return config.amsgrad() ? List.of(AdamState.EXP_AVG, AdamState.EXP_AVG_SQ, AdamState.MAX_EXP_AVG_SQ)
                : List.of(AdamState.EXP_AVG, AdamState.EXP_AVG_SQ);
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(AdamState.EXP_AVG.name(), AdamState.EXP_AVG_SQ.name(), AdamState.MAX_EXP_AVG_SQ.name(),
                AdamState.EXP_AVG_SCALE, AdamState.EXP_AVG_SQ_SCALE, AdamState.MAX_EXP_AVG_SQ_SCALE, AdamState.MASTER_PARAM);
    }

    /** True when a parameter of {@code data}'s dtype runs torch's Adam kernel under {@code config}. */
    private static boolean plain(AdamConfig config, DType data) {
        return config.precision().isDefault() && (data == DType.FLOAT32 || data == DType.FLOAT64);
    }

    @Override
    protected Slot[] parameterSlots(AdamConfig config, Tensor data) {
        if (plain(config, data.dtype()) || !data.dtype().isFloatLike()) {
            return null; // torch's slots in the parameter's dtype (a float64 or uint8 one with options is rejected by the step)
        }
        Precision precision = config.precision();
        int format = StateFormat.forTensor(precision.state(), data.size()).ordinal();
        return MIXED_SLOTS[format][precision.masterCopy() && data.dtype().isHalf() ? 1 : 0][config.amsgrad() ? 1 : 0];
    }

    /** The moments in {@code format} (8-bit: codes, then each one's block scales), amsgrad's maximum alike, the master copy. */
    private static Slot[] mixedSlots(StateFormat format, boolean master, boolean amsgrad) {
        List<String> moments = amsgrad ? List.of(AdamState.EXP_AVG.name(), AdamState.EXP_AVG_SQ.name(), AdamState.MAX_EXP_AVG_SQ.name())
                : List.of(AdamState.EXP_AVG.name(), AdamState.EXP_AVG_SQ.name());
        List<String> scales = amsgrad ? List.of(AdamState.EXP_AVG_SCALE, AdamState.EXP_AVG_SQ_SCALE, AdamState.MAX_EXP_AVG_SQ_SCALE)
                : List.of(AdamState.EXP_AVG_SCALE, AdamState.EXP_AVG_SQ_SCALE);
        java.util.ArrayList<Slot> slots = new java.util.ArrayList<>();
        for (String moment : moments) {
            slots.add(Slot.zeros(moment, switch (format) {
                case FP32 -> Slot.Storage.FLOAT32;
                case BF16 -> Slot.Storage.BFLOAT16;
                case BLOCKWISE_8BIT -> Slot.Storage.CODES_8BIT;
            }));
        }
        if (format == StateFormat.BLOCKWISE_8BIT) {
            for (String scale : scales) {
                slots.add(Slot.zeros(scale, Slot.Storage.BLOCK_SCALES));
            }
        }
        if (master) {
            slots.add(MASTER);
        }
        return slots.toArray(new Slot[0]);
    }

    /**
     * Without parameter slots a parameter keeps torch's: no scales, no master copy. With them, the
     * slots under amsgrad, a superset: amsgrad switched off keeps its maximum, as torch's state does.
     */
    @Override
    protected Slot slotOf(AdamConfig config, Tensor data, String name) {
        if (parameterSlots(config, data) == null && !TORCH_SLOTS.contains(name)) {
            return null;
        }
        return super.slotOf(config.withAmsgrad(true), data, name);
    }

    @Override
    protected MixedLayout mixedLayout(AdamConfig config, Tensor data, Tensor grad) {
        if (plain(config, data.dtype()) && grad.dtype() == data.dtype()) {
            return null;
        }
        Precision precision = config.precision();
        return new MixedLayout(format(data.dtype()), precision.masterCopy(), format(grad.dtype()),
                StateFormat.forTensor(precision.state(), data.size()), precision.stochasticRounding());
    }

    private static FloatFormat format(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> FloatFormat.FP32;
            case BFLOAT16 -> FloatFormat.BF16;
            case FLOAT16 -> FloatFormat.FP16;
            default -> throw new IllegalArgumentException("no mixed-precision format for " + dtype.torchName());
        };
    }

    @Override
    protected long noiseKey(AdamConfig config, AdamState state, int index) {
        return RoundingNoise.stepKey(config.precision().seed() + index, state.step());
    }

    /**
     * Torch's rules for float32/float64 parameters without precision options; with mixed precision,
     * a float32/bfloat16/float16 parameter whose options apply to it, and no feature the mixed kernel
     * lacks (value clipping, monitoring).
     */
    @Override
    protected void checkDTypes(AdamConfig config, Parameter p, Tensor grad) {
        DType data = p.data().dtype();
        if (plain(config, data) && grad.dtype() == data) {
            return;
        }
        Precision precision = config.precision();
        if (!data.isFloatLike() || !grad.dtype().isFloatLike()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " runs mixed precision on float32, bfloat16"
                    + " and float16 tensors: " + describe(p, grad, precision));
        }
        if (precision.masterCopy() && !data.isHalf()) {
            throw new IllegalArgumentException("a master copy is kept for bfloat16 and float16 parameters, but " + label(p)
                    + " is " + data.torchName() + ": put it in a group without masterCopy");
        }
        if (precision.stochasticRounding() && data != DType.BFLOAT16) {
            throw new IllegalArgumentException("stochastic rounding writes bfloat16 parameters, but " + label(p) + " is "
                    + data.torchName() + ": put it in a group without stochasticRounding");
        }
        if (pendingClipValue() != Double.POSITIVE_INFINITY) {
            throw new IllegalStateException("clipGradValue() is not supported with mixed precision (the mixed kernel has"
                    + " no clamp): " + describe(p, grad, precision));
        }
        if (monitoring() != Monitoring.OFF) {
            throw new IllegalStateException("monitoring is not supported with mixed precision yet: " + describe(p, grad, precision)
                    + "; setMonitoring(Monitoring.OFF)");
        }
    }

    /** {@code parameter #0 'w' (bfloat16, grad float32, 8bit state)}, for messages. */
    private String describe(Parameter p, Tensor grad, Precision precision) {
        return label(p) + " (" + p.data().dtype().torchName() + ", grad " + grad.dtype().torchName() + ", " + precision + ")";
    }

    /** A checkpoint's state formats must be this group's: the same state format, master copy and rounding. */
    @Override
    protected void checkRestoredConfig(AdamConfig current, AdamConfig restored) {
        if (!current.precision().withoutSeed().equals(restored.precision().withoutSeed())) {
            throw new IllegalArgumentException("the checkpoint's group keeps " + restored.precision()
                    + " but this group's config " + current.precision() + ": state formats cannot change through a checkpoint");
        }
    }

    @Override
    protected AdamCoefficients coefficients(AdamState s, AdamConfig config) {
        return config.coefficients(s.step()).withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void runKernel(AdamCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        MixedLayout layout = run.layout();
        if (layout != null) { // monitoring is rejected with mixed precision: stats is null here
            MixedAdamBuffers buffers = new MixedAdamBuffers(run.param(), run.slot(AdamState.MASTER_PARAM),
                    run.grad(), run.slot(AdamState.EXP_AVG), run.slot(AdamState.EXP_AVG_SQ),
                    run.slot(AdamState.EXP_AVG_SCALE), run.slot(AdamState.EXP_AVG_SQ_SCALE));
            if (c.amsgrad()) {
                buffers = buffers.withMaxExpAvgSq(run.slot(AdamState.MAX_EXP_AVG_SQ), run.slot(AdamState.MAX_EXP_AVG_SQ_SCALE));
            }
            mixedKernel.update(layout, c, run.noiseKey(), buffers, from, to);
            return;
        }
        MemorySegment max = c.amsgrad() ? run.slot(AdamState.MAX_EXP_AVG_SQ) : null;
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), run.slot(AdamState.EXP_AVG),
                    run.slot(AdamState.EXP_AVG_SQ), max, from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), run.slot(AdamState.EXP_AVG),
                    run.slot(AdamState.EXP_AVG_SQ), max, from, to, stats);
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(AdamConfig config) {
        return config.amsgrad() ? AMSGRAD_MOMENTS : MOMENTS;
    }

    @Override
    protected double effectiveLr(AdamConfig config, AdamState state, double q) {
        return config.lr() / (Math.sqrt(q) / Math.sqrt(1 - Math.pow(config.beta2(), state.step())) + config.eps());
    }
}
