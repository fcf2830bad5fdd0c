package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.LionCoefficients;
import dev.adamant.kernel.LionKernel;
import dev.adamant.kernel.StepStatsSink;

import java.util.List;
import java.util.Set;

/**
 * Lion (EvoLved Sign Momentum), Chen et al. 2023: a sign update of an interpolation of momentum
 * and gradient, with decoupled weight decay; one state tensor ({@code exp_avg}) instead of Adam's
 * two. Torch 1.13 has no Lion; the equations are on {@link LionKernel}.
 */
public final class Lion extends SlotOptimizer<LionConfig, SlotState, LionCoefficients> {
    private static final Slot EXP_AVG = Slot.zeros("exp_avg");
    private static final MonitoredSlots MOMENTS = new MonitoredSlots(EXP_AVG.name(), null, null);

    private final LionKernel kernel;

    public Lion(LionConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public Lion(LionConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(LionKernel.KIND);
    }

    @Override
    protected SlotState newState() {
        return new SlotState();
    }

    @Override
    protected Iterable<Slot> slots(LionConfig config) {
        return List.of(EXP_AVG);
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(EXP_AVG.name());
    }

    @Override
    protected LionCoefficients coefficients(SlotState s, LionConfig config) {
        return config.coefficients().withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void runKernel(LionCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), run.slot(EXP_AVG), from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), run.slot(EXP_AVG), from, to, stats);
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(LionConfig config) {
        return MOMENTS;
    }
}
