package dev.adamant.optim;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.StepStatsSink;

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
 */
public class Adam extends SlotOptimizer<AdamConfig, AdamState, AdamCoefficients> {
    private static final MonitoredSlots MOMENTS = new MonitoredSlots(AdamState.EXP_AVG.name(), AdamState.EXP_AVG_SQ.name(), null);
    private static final MonitoredSlots AMSGRAD_MOMENTS =
            new MonitoredSlots(AdamState.EXP_AVG.name(), AdamState.MAX_EXP_AVG_SQ.name(), null);
    private final AdamKernel kernel;

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
        return Set.of(AdamState.EXP_AVG.name(), AdamState.EXP_AVG_SQ.name(), AdamState.MAX_EXP_AVG_SQ.name());
    }

    @Override
    protected AdamCoefficients coefficients(AdamState s, AdamConfig config) {
        return config.coefficients(s.step()).withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void runKernel(AdamCoefficients c, KernelRun run, long from, long to) {
        MemorySegment max = c.amsgrad() ? run.slot(AdamState.MAX_EXP_AVG_SQ) : null;
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), run.slot(AdamState.EXP_AVG),
                    run.slot(AdamState.EXP_AVG_SQ), max, from, to);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), run.slot(AdamState.EXP_AVG),
                    run.slot(AdamState.EXP_AVG_SQ), max, from, to);
        }
    }

    @Override
    protected void runKernel(AdamCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        MemorySegment max = c.amsgrad() ? run.slot(AdamState.MAX_EXP_AVG_SQ) : null;
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), run.slot(AdamState.EXP_AVG),
                    run.slot(AdamState.EXP_AVG_SQ), max, from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), run.slot(AdamState.EXP_AVG),
                    run.slot(AdamState.EXP_AVG_SQ), max, from, to, stats);
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
