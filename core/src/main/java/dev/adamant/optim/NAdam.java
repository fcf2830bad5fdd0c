package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.NAdamCoefficients;
import dev.adamant.kernel.NAdamKernel;
import dev.adamant.kernel.StepStatsSink;

import java.util.List;
import java.util.Set;

/**
 * NAdam, as {@code torch.optim.NAdam} in torch ≥ 2.0 (L2 weight decay added to the gradient,
 * momentum decay ψ). {@code mu_product} takes each step's μ once: {@code mu_product_next =
 * mu_product·μ_{t+1}}. This is also torch 1.13's foreach path, which it matches bit for bit; torch
 * 1.13's default single-tensor path multiplies μ_t in twice (fixed in pytorch/pytorch#92699), so
 * from the first step on its parameters differ from this (its moments and {@code mu_product} agree).
 *
 * <pre>{@code
 * try (NAdam nadam = new NAdam(NAdamConfig.nadam())) {
 *     nadam.addParamGroup(List.of(weight));
 *     nadam.step();
 * }
 * }</pre>
 */
public class NAdam extends SlotOptimizer<NAdamConfig, NAdamState, NAdamCoefficients> {
    private static final MonitoredSlots MOMENTS = new MonitoredSlots(NAdamState.EXP_AVG.name(), NAdamState.EXP_AVG_SQ.name(), null);
    private final NAdamKernel kernel;

    /** NAdam with torch's defaults on the default backend. */
    public NAdam() {
        this(NAdamConfig.nadam());
    }

    /** NAdam on the default backend ({@link Backends#defaultBackend()}). */
    public NAdam(NAdamConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public NAdam(NAdamConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(NAdamKernel.KIND);
    }

    @Override
    protected NAdamState newState() {
        return new NAdamState();
    }

    @Override
    protected Iterable<Slot> slots(NAdamConfig config) {
        return List.of(NAdamState.EXP_AVG, NAdamState.EXP_AVG_SQ);
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(NAdamState.EXP_AVG.name(), NAdamState.EXP_AVG_SQ.name());
    }

    @Override
    protected Set<String> scalarNames() {
        return Set.of(NAdamState.MU_PRODUCT);
    }

    @Override
    protected NAdamCoefficients coefficients(NAdamState s, NAdamConfig config) {
        return config.coefficients(s.step(), s.muProduct()).withGradScale(gradScale()).withClipValue(clipValue());
    }

    @Override
    protected void advance(NAdamState s, NAdamCoefficients c) {
        s.setMuProduct(c.muProduct());
    }

    @Override
    protected void runKernel(NAdamCoefficients c, KernelRun run, long from, long to, StepStatsSink stats) {
        switch (run.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, run.param(), run.grad(), run.slot(NAdamState.EXP_AVG),
                    run.slot(NAdamState.EXP_AVG_SQ), from, to, stats);
            case FLOAT64 -> kernel.updateDoubles(c, run.param(), run.grad(), run.slot(NAdamState.EXP_AVG),
                    run.slot(NAdamState.EXP_AVG_SQ), from, to, stats);
            default -> throw run.unsupported();
        }
    }

    @Override
    protected MonitoredSlots monitoredSlots(NAdamConfig config) {
        return MOMENTS;
    }

    @Override
    protected double effectiveLr(NAdamConfig config, NAdamState state, double q) {
        return config.lr() / (Math.sqrt(q) / Math.sqrt(1 - Math.pow(config.beta2(), state.step())) + config.eps());
    }
}
