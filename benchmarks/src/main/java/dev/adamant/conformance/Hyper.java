package dev.adamant.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A golden case's hyperparameters as torch holds them: numbers are doubles even where the file
 * has an int (torch's {@code weight_decay: 0}); a value of the wrong JSON type is an error naming
 * the key.
 */
public record Hyper(ObjectNode json) {
    // implementation switches the README says are left out; tolerated when off
    private static final Set<String> SWITCHES = Set.of("foreach", "capturable", "differentiable", "fused");

    /** This hyper with {@code overrides}' keys replacing its own (a per-step {@code lr}, {@code betas}). */
    public Hyper with(ObjectNode overrides) {
        ObjectNode merged = json.deepCopy();
        merged.setAll(overrides);
        return new Hyper(merged);
    }

    /** The first key that is neither in {@code known} nor a switch that is off. */
    public Optional<String> unknownKey(Set<String> known) {
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            String k = e.getKey();
            boolean off = e.getValue().isNull() || e.getValue().isBoolean() && !e.getValue().booleanValue();
            if (!known.contains(k) && !(SWITCHES.contains(k) && off)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    public double number(String key, double absent) {
        JsonNode v = json.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(key + " must be a number, found " + v);
        }
        return v.doubleValue();
    }

    public boolean flag(String key, boolean absent) {
        JsonNode v = json.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(key + " must be true or false, found " + v);
        }
        return v.booleanValue();
    }

    public String text(String key, String absent) {
        JsonNode v = json.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(key + " must be a string, found " + v);
        }
        return v.asText();
    }

    /** A two-number array such as {@code betas}. */
    public double[] pair(String key, double first, double second) {
        JsonNode v = json.get(key);
        if (v == null) {
            return new double[] {first, second};
        }
        if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()) {
            throw new IllegalArgumentException(key + " must be [a, b], found " + v);
        }
        return new double[] {v.get(0).doubleValue(), v.get(1).doubleValue()};
    }
}
