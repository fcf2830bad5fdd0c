package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.SgdCoefficients;
import dev.adamant.kernel.SgdKernel;
import dev.adamant.kernel.StepStatsSink;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;

/**
 * Stochastic gradient descent, as {@code torch.optim.SGD}: optional L2 weight decay, momentum
 * with dampening, Nesterov momentum and maximize. The {@code momentum_buffer} exists only once a
 * step ran with momentum != 0; on its first step it is a copy of the gradient (no dampening).
 *
 * <pre>{@code
 * try (Sgd sgd = new Sgd(SgdConfig.sgd().withLr(0.1).withMomentum(0.9).withNesterov(true))) {
 *     sgd.addParamGroup(List.of(weight));
 *     sgd.step();
 * }
 * }</pre>
 *
 * Every group config must pass {@link SgdConfig#check()} (Nesterov needs momentum > 0 and zero
 * dampening); torch checks the constructor's defaults only, this engine checks every group.
 */
public final class Sgd extends SlotOptimizer<SgdConfig, SgdState, SgdCoefficients> {
    private static final MonitoredSlots MOMENTUM = new MonitoredSlots(SgdState.MOMENTUM_BUFFER.name(), null, null);
    private final SgdKernel kernel;

    /** SGD with torch's defaults and lr 1e-3 (see {@link SgdConfig#sgd()}) on the default backend. */
    public Sgd() {
        this(SgdConfig.sgd());
    }

    /** SGD on the default backend ({@link Backends#defaultBackend()}). */
    public Sgd(SgdConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public Sgd(SgdConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(SgdKernel.KIND);
    }

    @Override
    protected void validateConfig(SgdConfig config) {
        config.check();
    }

    @Override
    protected SgdState newState() {
        return new SgdState();
    }

    @Override
    protected Iterable<Slot> slots(SgdConfig config) {
        return config.momentum() != 0 ? List.of(SgdState.MOMENTUM_BUFFER) : List.of();
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(SgdState.MOMENTUM_BUFFER.name());
    }

    @Override
    protected SgdCoefficients coefficients(SgdState s, SgdConfig config) {
        return config.coefficients(s.isFresh(SgdState.MOMENTUM_BUFFER.name())).withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void runKernel(SgdCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        MemorySegment buf = c.useMomentum() ? run.slot(SgdState.MOMENTUM_BUFFER) : null;
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), buf, from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), buf, from, to, stats);
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(SgdConfig config) {
        return config.momentum() > 0 ? MOMENTUM : MonitoredSlots.NONE;
    }
}
