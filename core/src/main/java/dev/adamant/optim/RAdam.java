package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.RAdamCoefficients;
import dev.adamant.kernel.RAdamKernel;
import dev.adamant.kernel.StepStatsSink;

import java.util.List;
import java.util.Set;

/**
 * RAdam, as {@code torch.optim.RAdam} (L2 weight decay added to the gradient; the variance is
 * rectified once ρt > 5, with ε, as torch 1.13's default single-tensor path and torch ≥ 2.0 do).
 *
 * <pre>{@code
 * try (RAdam radam = new RAdam(RAdamConfig.radam())) {
 *     radam.addParamGroup(List.of(weight));
 *     radam.step();
 * }
 * }</pre>
 */
public class RAdam extends SlotOptimizer<RAdamConfig, RAdamState, RAdamCoefficients> {
    private static final MonitoredSlots MOMENTS = new MonitoredSlots(RAdamState.EXP_AVG.name(), RAdamState.EXP_AVG_SQ.name(), null);
    private final RAdamKernel kernel;

    /** RAdam with torch's defaults on the default backend. */
    public RAdam() {
        this(RAdamConfig.radam());
    }

    /** RAdam on the default backend ({@link Backends#defaultBackend()}). */
    public RAdam(RAdamConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public RAdam(RAdamConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(RAdamKernel.KIND);
    }

    @Override
    protected RAdamState newState() {
        return new RAdamState();
    }

    @Override
    protected Iterable<Slot> slots(RAdamConfig config) {
        return List.of(RAdamState.EXP_AVG, RAdamState.EXP_AVG_SQ);
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(RAdamState.EXP_AVG.name(), RAdamState.EXP_AVG_SQ.name());
    }

    @Override
    protected RAdamCoefficients coefficients(RAdamState s, RAdamConfig config) {
        return config.coefficients(s.step()).withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void runKernel(RAdamCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), run.slot(RAdamState.EXP_AVG),
                    run.slot(RAdamState.EXP_AVG_SQ), from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), run.slot(RAdamState.EXP_AVG),
                    run.slot(RAdamState.EXP_AVG_SQ), from, to, stats);
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(RAdamConfig config) {
        return MOMENTS;
    }

    @Override
    protected double effectiveLr(RAdamConfig config, RAdamState state, double q) {
        var c = config.coefficients(state.step());
        // before rectification starts the step is SGD with momentum: no denominator
        return c.rectified() ? config.lr() * c.rect() / (Math.sqrt(q) / c.sqrtBiasCorrection2() + config.eps()) : config.lr();
    }
}
