package dev.adamant.optim;

import dev.adamant.tensor.Tensor;
import org.eclipse.collections.api.factory.primitive.ObjectDoubleMaps;
import org.eclipse.collections.api.map.ImmutableMap;
import org.eclipse.collections.api.map.primitive.ImmutableObjectDoubleMap;

/** What an optimizer keeps for one parameter, as torch's {@code optimizer.state[p]}. */
public interface ParameterState {

    /** Steps this parameter has taken (steps where it had no gradient do not count). */
    long step();

    /** State tensors under torch's names ({@code exp_avg}, {@code exp_avg_sq}, ...). */
    ImmutableMap<String, Tensor> tensors();

    /** Scalar state under torch's names (NAdam's {@code mu_product}); empty for most optimizers. */
    default ImmutableObjectDoubleMap<String> scalars() {
        return ObjectDoubleMaps.immutable.empty();
    }
}
