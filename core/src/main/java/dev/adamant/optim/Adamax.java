package dev.adamant.optim;

import dev.adamant.kernel.AdamaxCoefficients;
import dev.adamant.kernel.AdamaxKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * Adamax, as {@code torch.optim.Adamax}: Adam's first moment with an exponentially weighted
 * infinity norm ({@code exp_inf}) in place of the second moment; L2 weight decay and maximize.
 */
public class Adamax extends SlotOptimizer<AdamaxConfig, AdamaxState> {
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
    protected void step(Parameter p, AdamaxState s, AdamaxConfig config) {
        AdamaxCoefficients c = config.coefficients(s.step()).withGradScale(gradScale());
        Tensor data = p.data();
        switch (data.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, data.segment(), p.grad().segment(), s.expAvg().segment(),
                    s.expInf().segment(), 0, data.size());
            case FLOAT64 -> kernel.updateDoubles(c, data.segment(), p.grad().segment(), s.expAvg().segment(),
                    s.expInf().segment(), 0, data.size());
        }
    }
}
