package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.LambCoefficients;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.StepStatsSink;

import java.util.List;
import java.util.Set;

/**
 * LAMB (layer-wise adaptive moments), You et al. 2020, as NVIDIA apex's FusedLAMB in AdamW mode:
 * each parameter tensor's Adam-with-decay direction is scaled by its own trust ratio
 * {@code ||p|| / ||u||}. Torch 1.13 has no LAMB; the equations are on {@link LambKernel}.
 * Differences from apex: no global gradient-norm clipping inside the optimizer (clip before the
 * step), and no gradient averaging switch (apex's default, {@code 1-β1} on the gradient, is used).
 */
public final class Lamb extends SlotOptimizer<LambConfig, SlotState, LambCoefficients> {
    private static final Slot EXP_AVG = Slot.zeros("exp_avg");
    private static final Slot EXP_AVG_SQ = Slot.zeros("exp_avg_sq");
    private static final MonitoredSlots MOMENTS = new MonitoredSlots(EXP_AVG.name(), EXP_AVG_SQ.name(), null);

    private final LambKernel kernel;

    public Lamb(LambConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public Lamb(LambConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(LambKernel.KIND);
    }

    @Override
    protected SlotState newState() {
        return new SlotState();
    }

    @Override
    protected Iterable<Slot> slots(LambConfig config) {
        return List.of(EXP_AVG, EXP_AVG_SQ);
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(EXP_AVG.name(), EXP_AVG_SQ.name());
    }

    @Override
    protected LambCoefficients coefficients(SlotState s, LambConfig config) {
        return config.coefficients(s.step()).withGradScale(gradScale()).withClipValue(clipValue());
    }

    // the trust ratio needs each tensor's norms before any of its elements changes
    @Override
    protected boolean hasReductionPass() {
        return true;
    }

    /** Pass 1: the moments, and the squared norms of p and u over {@code [from, to)}. */
    @Override
    protected void reduce(LambCoefficients c, KernelRun run, long from, long to, double[] partials, int at) {
        LambKernel.SquaredNorms norms = switch (run.dtype()) {
            case FLOAT32 -> kernel.momentsFloats(c, run.param(), run.grad(), run.slot(EXP_AVG), run.slot(EXP_AVG_SQ), from, to);
            case FLOAT64 -> kernel.momentsDoubles(c, run.param(), run.grad(), run.slot(EXP_AVG), run.slot(EXP_AVG_SQ), from, to);
            default -> throw run.unsupported();
        };
        partials[at] = norms.param();
        partials[at + 1] = norms.update();
    }

    @Override
    protected double finishReduction(LambCoefficients c, double paramSq, double updateSq) {
        return c.ratio(new LambKernel.SquaredNorms(paramSq, updateSq));
    }

    /**
     * Pass 2: the update with lr times the tensor's trust ratio. LAMB's kernel has no monitored entry:
     * a monitored step runs the sink's two-pass fallback around it.
     */
    @Override
    protected void runKernel(LambCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        if (stats != null) {
            stats.saveOldParams(run.param(), from, to, run.dtype().byteSize());
        }
        switch (run.dtype()) {
            case FLOAT32 -> {
                kernel.applyFloats(c, run.scalar(), run.param(), run.slot(EXP_AVG), run.slot(EXP_AVG_SQ), from, to);
                if (stats != null) stats.accumulateFloats(run.param(), run.grad(), from, to);
            }
            case FLOAT64 -> {
                kernel.applyDoubles(c, run.scalar(), run.param(), run.slot(EXP_AVG), run.slot(EXP_AVG_SQ), from, to);
                if (stats != null) stats.accumulateDoubles(run.param(), run.grad(), from, to);
            }
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(LambConfig config) {
        return MOMENTS;
    }

    @Override
    protected double effectiveLr(LambConfig config, SlotState state, double q) {
        // before the trust ratio, which scales each tensor's whole update
        var c = config.coefficients(state.step());
        return config.lr() / (Math.sqrt(q / c.biasCorrection2()) + config.eps());
    }
}
