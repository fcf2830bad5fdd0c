package dev.adamant.optim;

import dev.adamant.kernel.AdamaxCoefficients;
import dev.adamant.kernel.AdamaxKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.StepStatsSink;

import java.util.List;
import java.util.Set;

/**
 * Adamax, as {@code torch.optim.Adamax}: Adam's first moment with an exponentially weighted
 * infinity norm ({@code exp_inf}) in place of the second moment; L2 weight decay and maximize.
 */
public class Adamax extends SlotOptimizer<AdamaxConfig, AdamaxState, AdamaxCoefficients> {
    private static final MonitoredSlots MOMENTS = new MonitoredSlots(AdamaxState.EXP_AVG.name(), AdamaxState.EXP_INF.name(), null);
    private static final List<Slot> SLOTS = List.of(AdamaxState.EXP_AVG, AdamaxState.EXP_INF);

    private final AdamaxKernel kernel;

    /** Adamax with torch's defaults on the default backend. */
    public Adamax() {
        this(AdamaxConfig.adamax());
    }

    /** Adamax on the default backend ({@link Backends#defaultBackend()}). */
    public Adamax(AdamaxConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public Adamax(AdamaxConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(AdamaxKernel.KIND);
    }

    @Override
    protected AdamaxState newState() {
        return new AdamaxState();
    }

    @Override
    protected Iterable<Slot> slots(AdamaxConfig config) {
        return SLOTS;
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(AdamaxState.EXP_AVG.name(), AdamaxState.EXP_INF.name());
    }

    @Override
    protected AdamaxCoefficients coefficients(AdamaxState s, AdamaxConfig config) {
        return config.coefficients(s.step()).withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void runKernel(AdamaxCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), run.slot(AdamaxState.EXP_AVG),
                    run.slot(AdamaxState.EXP_INF), from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), run.slot(AdamaxState.EXP_AVG),
                    run.slot(AdamaxState.EXP_INF), from, to, stats);
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(AdamaxConfig config) {
        return MOMENTS;
    }

    @Override
    protected double effectiveLr(AdamaxConfig config, AdamaxState state, double q) {
        return config.lr() / (q + config.eps());
    }
}
