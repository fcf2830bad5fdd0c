package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.LionCoefficients;
import dev.adamant.kernel.LionKernel;
import dev.adamant.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * Lion (EvoLved Sign Momentum), Chen et al. 2023: a sign update of an interpolation of momentum
 * and gradient, with decoupled weight decay; one state tensor ({@code exp_avg}) instead of Adam's
 * two. Torch 1.13 has no Lion; the equations are on {@link LionKernel}.
 */
public final class Lion extends SlotOptimizer<LionConfig, SlotState> {
    private static final Slot EXP_AVG = Slot.zeros("exp_avg");

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
    protected void step(Parameter p, SlotState s, LionConfig config) {
        LionCoefficients c = config.coefficients().withGradScale(gradScale());
        Tensor data = p.data();
        var expAvg = s.tensor(EXP_AVG.name()).segment();
        switch (data.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, data.segment(), p.grad().segment(), expAvg, 0, data.size());
            case FLOAT64 -> kernel.updateDoubles(c, data.segment(), p.grad().segment(), expAvg, 0, data.size());
        }
    }
}
