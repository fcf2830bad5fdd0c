package dev.adamant.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.adamant.optim.AdamConfig;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Torch's Adam/AdamW hyperparameters ({@code lr, betas, eps, weight_decay, amsgrad, maximize}) as
 * an {@link AdamConfig}. Numbers are doubles even when the file has an int (torch's
 * {@code weight_decay: 0}).
 */
final class AdamHyper {
    static final Set<String> KEYS = Set.of("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize");
    // implementation switches the README says are left out; tolerated when off
    private static final Set<String> SWITCHES = Set.of("foreach", "capturable", "differentiable", "fused");

    private AdamHyper() {
    }

    /** The first key this class cannot apply, if any. */
    static Optional<String> unsupportedKey(JsonNode hyper) {
        for (Map.Entry<String, JsonNode> e : hyper.properties()) {
            String k = e.getKey();
            boolean off = e.getValue().isNull() || e.getValue().isBoolean() && !e.getValue().booleanValue();
            if (!KEYS.contains(k) && !(SWITCHES.contains(k) && off)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** {@code base} with every key of {@code hyper} applied; unknown keys must have been refused before. */
    static AdamConfig apply(AdamConfig base, JsonNode hyper) {
        AdamConfig c = base;
        if (hyper.has("lr")) c = c.withLr(number(hyper, "lr"));
        if (hyper.has("betas")) {
            JsonNode b = hyper.get("betas");
            if (!b.isArray() || b.size() != 2 || !b.get(0).isNumber() || !b.get(1).isNumber()) {
                throw new IllegalArgumentException("betas must be [beta1, beta2], found " + b);
            }
            c = c.withBetas(b.get(0).doubleValue(), b.get(1).doubleValue());
        }
        if (hyper.has("eps")) c = c.withEps(number(hyper, "eps"));
        if (hyper.has("weight_decay")) c = c.withWeightDecay(number(hyper, "weight_decay"));
        if (hyper.has("amsgrad")) c = c.withAmsgrad(bool(hyper, "amsgrad"));
        if (hyper.has("maximize")) c = c.withMaximize(bool(hyper, "maximize"));
        return c;
    }

    private static double number(JsonNode hyper, String key) {
        JsonNode v = hyper.get(key);
        if (!v.isNumber()) {
            throw new IllegalArgumentException(key + " must be a number, found " + v);
        }
        return v.doubleValue();
    }

    private static boolean bool(JsonNode hyper, String key) {
        JsonNode v = hyper.get(key);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(key + " must be true or false, found " + v);
        }
        return v.booleanValue();
    }
}
