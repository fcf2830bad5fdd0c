package dev.adamant.optim;

import dev.adamant.tensor.Tensor;
import org.eclipse.collections.api.factory.Maps;
import org.eclipse.collections.api.map.ImmutableMap;
import org.eclipse.collections.api.map.MutableMap;

/** Adam's per-parameter state, with torch's names. */
public final class AdamState implements ParameterState {
    long step;
    final Tensor expAvg;
    final Tensor expAvgSq;
    Tensor maxExpAvgSq;

    AdamState(Tensor expAvg, Tensor expAvgSq) {
        this.expAvg = expAvg;
        this.expAvgSq = expAvgSq;
    }

    @Override
    public long step() {
        return step;
    }

    /** First moment, {@code exp_avg}. */
    public Tensor expAvg() {
        return expAvg;
    }

    /** Second moment, {@code exp_avg_sq}. */
    public Tensor expAvgSq() {
        return expAvgSq;
    }

    /** Running maximum of the second moment, {@code max_exp_avg_sq}; null until a step with amsgrad. */
    public Tensor maxExpAvgSq() {
        return maxExpAvgSq;
    }

    @Override
    public ImmutableMap<String, Tensor> tensors() {
        MutableMap<String, Tensor> map = Maps.mutable.of("exp_avg", expAvg, "exp_avg_sq", expAvgSq);
        if (maxExpAvgSq != null) {
            map.put("max_exp_avg_sq", maxExpAvgSq);
        }
        return map.toImmutable();
    }
}
