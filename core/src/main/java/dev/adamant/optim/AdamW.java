package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;

/**
 * AdamW, as {@code torch.optim.AdamW}: Adam with decoupled weight decay {@code p *= 1 - lr·wd},
 * applied before the moment updates; default weight_decay 0.01.
 */
public final class AdamW extends Adam {

    /** AdamW with torch's defaults on the default backend. */
    public AdamW() {
        this(AdamConfig.adamW());
    }

    public AdamW(AdamConfig defaults) {
        this(defaults, Backends.defaultBackend());
    }

    public AdamW(AdamConfig defaults, Backend backend) {
        super(requireDecoupled(defaults), backend);
    }

    private static AdamConfig requireDecoupled(AdamConfig defaults) {
        if (!defaults.decoupledWeightDecay()) {
            throw new IllegalArgumentException("AdamW needs decoupledWeightDecay = true; start from AdamConfig.adamW()");
        }
        return defaults;
    }
}
