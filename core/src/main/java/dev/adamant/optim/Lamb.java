package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.LambCoefficients;
import dev.adamant.kernel.LambKernel;
import dev.adamant.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * LAMB (layer-wise adaptive moments), You et al. 2020, as NVIDIA apex's FusedLAMB in AdamW mode:
 * each parameter tensor's Adam-with-decay direction is scaled by its own trust ratio
 * {@code ||p|| / ||u||}. Torch 1.13 has no LAMB; the equations are on {@link LambKernel}.
 * Differences from apex: no global gradient-norm clipping inside the optimizer (clip before the
 * step), and no gradient averaging switch (apex's default, {@code 1-β1} on the gradient, is used).
 */
public final class Lamb extends SlotOptimizer<LambConfig, SlotState> {
    private static final Slot EXP_AVG = Slot.zeros("exp_avg");
    private static final Slot EXP_AVG_SQ = Slot.zeros("exp_avg_sq");

    private final LambKernel kernel;

    public Lamb(LambConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public Lamb(LambConfig defaults, Backend backend) {
        super(defaults, backend);
        this.kernel = backend.kernel(LambKernel.KIND);
    }

    @Override
    protected SlotState newState() {
        return new SlotState();
    }

    @Override
    protected Iterable<Slot> slots(LambConfig config) {
        return List.of(EXP_AVG, EXP_AVG_SQ);
    }

    @Override
    protected Set<String> slotNames() {
        return Set.of(EXP_AVG.name(), EXP_AVG_SQ.name());
    }

    @Override
    protected void step(Parameter p, SlotState s, LambConfig config) {
        LambCoefficients c = config.coefficients(s.step()).withGradScale(gradScale());
        Tensor data = p.data();
        var param = data.segment();
        var grad = p.grad().segment();
        var m = s.tensor(EXP_AVG.name()).segment();
        var v = s.tensor(EXP_AVG_SQ.name()).segment();
        long n = data.size();
        switch (data.dtype()) {
            case FLOAT32 -> kernel.applyFloats(c, c.ratio(kernel.momentsFloats(c, param, grad, m, v, 0, n)), param, m, v, 0, n);
            case FLOAT64 -> kernel.applyDoubles(c, c.ratio(kernel.momentsDoubles(c, param, grad, m, v, 0, n)), param, m, v, 0, n);
        }
    }
}
