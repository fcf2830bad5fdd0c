package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.RmsPropCoefficients;
import dev.adamant.kernel.RmsPropKernel;
import dev.adamant.kernel.StepStatsSink;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * RMSprop, as {@code torch.optim.RMSprop}: optional L2 weight decay, momentum, centering and
 * maximize. State: {@code square_avg}, plus {@code momentum_buffer} with momentum > 0 and
 * {@code grad_avg} when centered, each starting at zero.
 *
 * <p>Torch creates the optional buffers only on a parameter's first step (switching momentum or
 * centered on later fails there); this engine creates a missing one, zero-filled, on the first
 * step that needs it.
 *
 * <pre>{@code
 * try (RmsProp rmsprop = new RmsProp(RmsPropConfig.rmsprop().withMomentum(0.9).withCentered(true))) {
 *     rmsprop.addParamGroup(List.of(weight));
 *     rmsprop.step();
 * }
 * }</pre>
 */
public final class RmsProp extends SlotOptimizer<RmsPropConfig, RmsPropState, RmsPropCoefficients> {
    // indexed by (momentum ? 1 : 0) + (centered ? 2 : 0)
    private static final MonitoredSlots[] MOMENTS = {
            new MonitoredSlots(null, RmsPropState.SQUARE_AVG.name(), null),
            new MonitoredSlots(RmsPropState.MOMENTUM_BUFFER.name(), RmsPropState.SQUARE_AVG.name(), null),
            new MonitoredSlots(null, RmsPropState.SQUARE_AVG.name(), RmsPropState.GRAD_AVG.name()),
            new MonitoredSlots(RmsPropState.MOMENTUM_BUFFER.name(), RmsPropState.SQUARE_AVG.name(), RmsPropState.GRAD_AVG.name())};
    private final RmsPropKernel kernel;

    /** RMSprop with torch's defaults on the default backend. */
    public RmsProp() {
        this(RmsPropConfig.rmsprop());
    }

    /** RMSprop on the default backend ({@link Backends#defaultBackend()}). */
    public RmsProp(RmsPropConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public RmsProp(RmsPropConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(RmsPropKernel.KIND);
    }

    @Override
    protected RmsPropState newState() {
        return new RmsPropState();
    }

    @Override
    protected Iterable<Slot> slots(RmsPropConfig config) {
        List<Slot> slots = new ArrayList<>(3);
        slots.add(RmsPropState.SQUARE_AVG);
        if (config.momentum() > 0) slots.add(RmsPropState.MOMENTUM_BUFFER);
        if (config.centered()) slots.add(RmsPropState.GRAD_AVG);
        return slots;
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(RmsPropState.SQUARE_AVG.name(), RmsPropState.MOMENTUM_BUFFER.name(), RmsPropState.GRAD_AVG.name());
    }

    @Override
    protected RmsPropCoefficients coefficients(RmsPropState s, RmsPropConfig config) {
        return config.coefficients().withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void runKernel(RmsPropCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        MemorySegment gradAvg = c.centered() ? run.slot(RmsPropState.GRAD_AVG) : null;
        MemorySegment buf = c.useMomentum() ? run.slot(RmsPropState.MOMENTUM_BUFFER) : null;
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), run.slot(RmsPropState.SQUARE_AVG),
                    gradAvg, buf, from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), run.slot(RmsPropState.SQUARE_AVG),
                    gradAvg, buf, from, to, stats);
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(RmsPropConfig config) {
        return MOMENTS[(config.momentum() > 0 ? 1 : 0) + (config.centered() ? 2 : 0)];
    }

    @Override
    protected double effectiveLr(RmsPropConfig config, RmsPropState state, double q) {
        return config.lr() / (Math.sqrt(q) + config.eps());
    }
}
