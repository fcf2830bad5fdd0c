package dev.adamant.optim;

import dev.adamant.kernel.AdagradCoefficients;
import dev.adamant.kernel.AdagradKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.StepStatsSink;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;

/**
 * Adagrad, as {@code torch.optim.Adagrad} (dense gradients): a running sum of squared gradients
 * per element, optional lr_decay, L2 weight decay and maximize.
 *
 * <p>State {@code sum} starts at {@code f(initial_accumulator_value)}. Torch fills it in the
 * constructor from the group's value at that time; here it is filled when the parameter takes its
 * first step, from the group's config at that step. The two agree unless a group's
 * {@code initialAccumulatorValue} is changed between adding the group and its first step; after
 * that, as in torch, changing it has no effect on existing state.
 */
public class Adagrad extends SlotOptimizer<AdagradConfig, AdagradState, AdagradCoefficients> {
    private static final MonitoredSlots MOMENTS = new MonitoredSlots(null, AdagradState.SUM, null);
    private final AdagradKernel kernel;

    /** Adagrad with torch's defaults on the default backend. */
    public Adagrad() {
        this(AdagradConfig.adagrad());
    }

    /** Adagrad on the default backend ({@link Backends#defaultBackend()}). */
    public Adagrad(AdagradConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public Adagrad(AdagradConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(AdagradKernel.KIND);
    }

    @Override
    protected AdagradState newState() {
        return new AdagradState();
    }

    @Override
    protected Iterable<Slot> slots(AdagradConfig config) {
        return List.of(new Slot(AdagradState.SUM, config.initialAccumulatorValue()));
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(AdagradState.SUM);
    }

    @Override
    protected AdagradCoefficients coefficients(AdagradState s, AdagradConfig config) {
        return config.coefficients(s.step()).withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void runKernel(AdagradCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        MemorySegment sum = run.slot(AdagradState.SUM);
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), sum, from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), sum, from, to, stats);
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(AdagradConfig config) {
        return MOMENTS;
    }

    @Override
    protected double effectiveLr(AdagradConfig config, AdagradState state, double q) {
        return -config.coefficients(state.step()).negClr() / (Math.sqrt(q) + config.eps());
    }
}
