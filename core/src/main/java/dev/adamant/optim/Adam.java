package dev.adamant.optim;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.tensor.Tensor;

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
public class Adam extends Optimizer<AdamConfig, AdamState> {

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
    }

    @Override
    protected void validateConfig(AdamConfig config) {
        if (config.decoupledWeightDecay() != defaults().decoupledWeightDecay()) {
            throw new IllegalArgumentException("a param group cannot switch decoupledWeightDecay to "
                    + config.decoupledWeightDecay() + " in " + getClass().getSimpleName());
        }
    }

    @Override
    protected AdamState prepareState(Parameter p, AdamState state, AdamConfig config) {
        var dtype = p.data().dtype();
        long n = p.data().size();
        if (state == null) {
            Tensor expAvg = Tensor.allocate(dtype, n);
            try {
                state = new AdamState(expAvg, Tensor.allocate(dtype, n));
            } catch (RuntimeException | Error e) {
                expAvg.close();
                throw e;
            }
        }
        // amsgrad switched on later: the running max starts from zero, i.e. from v itself
        if (config.amsgrad() && state.maxExpAvgSq == null) {
            state.maxExpAvgSq = Tensor.allocate(dtype, n);
        }
        return state;
    }

    @Override
    protected void update(Parameter p, AdamState s, AdamConfig config) {
        s.step++;
        AdamCoefficients c = config.coefficients(s.step);
        AdamKernel kernel = backend().adam();
        Tensor data = p.data();
        var max = config.amsgrad() ? s.maxExpAvgSq.segment() : null;
        switch (data.dtype()) {
            case FLOAT32 -> kernel.updateFloats(c, data.segment(), p.grad().segment(), s.expAvg.segment(),
                    s.expAvgSq.segment(), max, 0, data.size());
            case FLOAT64 -> kernel.updateDoubles(c, data.segment(), p.grad().segment(), s.expAvg.segment(),
                    s.expAvgSq.segment(), max, 0, data.size());
        }
    }
}
