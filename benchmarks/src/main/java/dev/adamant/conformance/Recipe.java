package dev.adamant.conformance;

import dev.adamant.kernel.Backend;
import dev.adamant.optim.Adagrad;
import dev.adamant.optim.AdagradConfig;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Adamax;
import dev.adamant.optim.AdamaxConfig;
import dev.adamant.optim.NAdam;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.OptimizerConfig;
import dev.adamant.optim.RAdam;
import dev.adamant.optim.RAdamConfig;
import dev.adamant.optim.RmsProp;
import dev.adamant.optim.RmsPropConfig;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import org.eclipse.collections.api.factory.Maps;
import org.eclipse.collections.api.map.ImmutableMap;

import java.util.Optional;
import java.util.Set;

/**
 * How the conformance check builds the engine's counterpart of one torch optimizer: which of
 * torch's hyperparameter names it understands, the config they make, and the optimizer. A recipe
 * may also decline cases it knows the engine deliberately does not reproduce (a torch bug fixed
 * upstream, say), with the reason; such cases are reported as skipped, never as passed.
 *
 * @param name    torch's lower-case name, as in the golden files' {@code optimizer} field
 * @param decline why a case is declined, or empty for a case that must match
 */
public record Recipe<C extends OptimizerConfig<C>>(String name, Set<String> keys, Configurer<C> configurer,
                                                   Factory<C> factory, Decline decline) {

    /** Torch's hyperparameters (defaults for the keys a file leaves out) as the engine's config. */
    public interface Configurer<C> {
        C config(Hyper hyper);
    }

    public interface Factory<C extends OptimizerConfig<C>> {
        Optimizer<C, ?> create(C defaults, Backend backend);
    }

    /** The reason a recipe declines a case, or empty when the case must match. */
    public interface Decline {
        Optional<String> reason(GoldenCase c);

        Decline NONE = c -> Optional.empty();
    }

    /** A recipe that declines no case. */
    public Recipe(String name, Set<String> keys, Configurer<C> configurer, Factory<C> factory) {
        this(name, keys, configurer, factory, Decline.NONE);
    }

    /** Why this recipe declines {@code c} (with a reason that says so), or empty when {@code c} must match. */
    public Optional<String> declineReason(GoldenCase c) {
        return decline.reason(c);
    }

    /** The reason NAdam cases from torch 1.13's default single-tensor path are declined. */
    public static final String NADAM_SINGLE_TENSOR_REASON = "torch 1.13 single-tensor NAdam multiplies mu into "
            + "mu_product twice (fixed in pytorch#92699); Adamant implements the fixed semantics";

    private static final ImmutableMap<String, Recipe<?>> ALL = Maps.immutable.<String, Recipe<?>>empty()
            .newWithKeyValue("adam", adam("adam", AdamConfig.adam(), Adam::new))
            .newWithKeyValue("adamw", adam("adamw", AdamConfig.adamW(), AdamW::new))
            .newWithKeyValue("adagrad", adagrad())
            .newWithKeyValue("adamax", adamax())
            .newWithKeyValue("sgd", sgd())
            .newWithKeyValue("rmsprop", rmsprop())
            .newWithKeyValue("nadam", nadam())
            .newWithKeyValue("radam", radam());

    /** The recipe for torch optimizer {@code name}, if the engine has that optimizer. */
    public static Optional<Recipe<?>> forName(String name) {
        return Optional.ofNullable(ALL.get(name));
    }

    private static Recipe<AdamConfig> adam(String name, AdamConfig torchDefaults, Factory<AdamConfig> factory) {
        return new Recipe<>(name, Set.of("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"), h -> {
            double[] betas = h.pair("betas", torchDefaults.beta1(), torchDefaults.beta2());
            return torchDefaults.withLr(h.number("lr", torchDefaults.lr()))
                    .withBetas(betas[0], betas[1])
                    .withEps(h.number("eps", torchDefaults.eps()))
                    .withWeightDecay(h.number("weight_decay", torchDefaults.weightDecay()))
                    .withAmsgrad(h.flag("amsgrad", torchDefaults.amsgrad()))
                    .withMaximize(h.flag("maximize", torchDefaults.maximize()));
        }, factory);
    }

    private static Recipe<AdagradConfig> adagrad() {
        AdagradConfig d = AdagradConfig.adagrad();
        return new Recipe<>("adagrad", Set.of("lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value",
                "maximize"), h -> d.withLr(h.number("lr", d.lr()))
                .withLrDecay(h.number("lr_decay", d.lrDecay()))
                .withEps(h.number("eps", d.eps()))
                .withWeightDecay(h.number("weight_decay", d.weightDecay()))
                .withInitialAccumulatorValue(h.number("initial_accumulator_value", d.initialAccumulatorValue()))
                .withMaximize(h.flag("maximize", d.maximize())), Adagrad::new);
    }

    private static Recipe<AdamaxConfig> adamax() {
        AdamaxConfig d = AdamaxConfig.adamax();
        return new Recipe<>("adamax", Set.of("lr", "betas", "eps", "weight_decay", "maximize"), h -> {
            double[] betas = h.pair("betas", d.beta1(), d.beta2());
            return d.withLr(h.number("lr", d.lr()))
                    .withBetas(betas[0], betas[1])
                    .withEps(h.number("eps", d.eps()))
                    .withWeightDecay(h.number("weight_decay", d.weightDecay()))
                    .withMaximize(h.flag("maximize", d.maximize()));
        }, Adamax::new);
    }

    private static Recipe<SgdConfig> sgd() {
        SgdConfig d = SgdConfig.sgd();
        return new Recipe<>("sgd", Set.of("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"),
                h -> d.withLr(h.number("lr", d.lr()))
                        .withMomentum(h.number("momentum", d.momentum()))
                        .withDampening(h.number("dampening", d.dampening()))
                        .withWeightDecay(h.number("weight_decay", d.weightDecay()))
                        .withNesterov(h.flag("nesterov", d.nesterov()))
                        .withMaximize(h.flag("maximize", d.maximize())),
                Sgd::new);
    }

    private static Recipe<RmsPropConfig> rmsprop() {
        RmsPropConfig d = RmsPropConfig.rmsprop();
        return new Recipe<>("rmsprop", Set.of("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"),
                h -> d.withLr(h.number("lr", d.lr()))
                        .withAlpha(h.number("alpha", d.alpha()))
                        .withEps(h.number("eps", d.eps()))
                        .withWeightDecay(h.number("weight_decay", d.weightDecay()))
                        .withMomentum(h.number("momentum", d.momentum()))
                        .withCentered(h.flag("centered", d.centered()))
                        .withMaximize(h.flag("maximize", d.maximize())),
                RmsProp::new);
    }

    private static Recipe<NAdamConfig> nadam() {
        NAdamConfig d = NAdamConfig.nadam();
        return new Recipe<>("nadam", Set.of("lr", "betas", "eps", "weight_decay", "momentum_decay"), h -> {
            double[] betas = h.pair("betas", d.beta1(), d.beta2());
            return d.withLr(h.number("lr", d.lr()))
                    .withBetas(betas[0], betas[1])
                    .withEps(h.number("eps", d.eps()))
                    .withWeightDecay(h.number("weight_decay", d.weightDecay()))
                    .withMomentumDecay(h.number("momentum_decay", d.momentumDecay()));
        }, NAdam::new, c -> c.torchPath().equals("foreach")
                ? Optional.empty()
                // single_tensor, or no torch_path: torch 1.13's default (foreach=None) is the single-tensor path
                : Optional.of(NADAM_SINGLE_TENSOR_REASON));
    }

    private static Recipe<RAdamConfig> radam() {
        RAdamConfig d = RAdamConfig.radam();
        return new Recipe<>("radam", Set.of("lr", "betas", "eps", "weight_decay"), h -> {
            double[] betas = h.pair("betas", d.beta1(), d.beta2());
            return d.withLr(h.number("lr", d.lr()))
                    .withBetas(betas[0], betas[1])
                    .withEps(h.number("eps", d.eps()))
                    .withWeightDecay(h.number("weight_decay", d.weightDecay()));
        }, RAdam::new);
    }
}
