package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.RmsPropCoefficients;
import dev.adamant.kernel.RmsPropKernel;
import dev.adamant.tensor.Tensor;

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
public final class RmsProp extends SlotOptimizer<RmsPropConfig, RmsPropState> {
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
    protected void step(Parameter p, RmsPropState s, RmsPropConfig config) {
        RmsPropCoefficients c = config.coefficients().withGradScale(gradScale());
        Tensor data = p.data();
        var gradAvg = c.centered() ? s.gradAvg().segment() : null;
        var buf = c.useMomentum() ? s.momentumBuffer().segment() : null;
        switch (data.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, data.segment(), p.grad().segment(), s.squareAvg().segment(),
                    gradAvg, buf, 0, data.size());
            case FLOAT64 -> kernel.updateDoubles(c, data.segment(), p.grad().segment(), s.squareAvg().segment(),
                    gradAvg, buf, 0, data.size());
        }
    }
}
