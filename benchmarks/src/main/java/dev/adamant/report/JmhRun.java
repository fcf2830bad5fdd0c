package dev.adamant.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The results of one JMH run, as read from JMH's JSON result file: one {@link Score} per
 * benchmark configuration, and the settings the run was made with.
 */
public record JmhRun(List<Score> scores, Settings settings) {

    /**
     * One benchmark configuration's throughput. {@code benchmark} is the class's simple name
     * ({@code AdamWStepBenchmark}); {@code opsPerSecond} and {@code error} (the half-width of
     * JMH's 99.9% confidence interval, NaN when JMH had too few samples) are summed over threads.
     */
    public record Score(String benchmark, Map<String, String> params, double opsPerSecond, double error, int threads) {
        public String param(String name) {
            return params.get(name);
        }

        /** Elements per call: the {@code size} parameter ({@code elements} in the family, {@code stepElements} in the mixed one). */
        public int size() {
            String s = params.getOrDefault("size", params.getOrDefault("elements", params.get("stepElements")));
            if (s == null) {
                throw new IllegalArgumentException(benchmark + " has no size parameter");
            }
            return Integer.parseInt(s);
        }
    }

    /**
     * How the run was made, from its first entry; a field that differs between entries is
     * reported as "varies".
     */
    public record Settings(String jmhVersion, String jvm, String jdkVersion, String vmName, String vmVersion,
                           List<String> jvmArgs, String forks, String threads, String warmup, String measurement) {
    }

    public static JmhRun read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /** Parses JMH's JSON result format; throws IllegalArgumentException on anything else. */
    public static JmhRun parse(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("not a JMH JSON result file (expected an array of results)");
        }
        if (root.isEmpty()) {
            throw new IllegalArgumentException("the JMH result file has no results");
        }
        List<Score> scores = new ArrayList<>();
        for (JsonNode entry : root) {
            scores.add(score(entry));
        }
        return new JmhRun(List.copyOf(scores), settings(root));
    }

    private static Score score(JsonNode entry) {
        String benchmark = text(entry, "benchmark");
        String mode = text(entry, "mode");
        if (!mode.equals("thrpt")) {
            throw new IllegalArgumentException(benchmark + ": mode " + mode + ", expected thrpt (throughput)");
        }
        JsonNode metric = entry.path("primaryMetric");
        String unit = text(metric, "scoreUnit");
        double perSecond = switch (unit) {
            case "ops/s" -> 1;
            case "ops/ms" -> 1e3;
            case "ops/us" -> 1e6;
            case "ops/ns" -> 1e9;
            case "ops/min" -> 1.0 / 60;
            default -> throw new IllegalArgumentException(benchmark + ": unexpected score unit " + unit);
        };
        double score = number(metric, "score", benchmark);
        JsonNode errorNode = metric.path("scoreError");
        // JMH writes "NaN" (a string) when there are too few samples for an interval
        double error = errorNode.isNumber() ? errorNode.asDouble() : Double.NaN;
        Map<String, String> params = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> p : entry.path("params").properties()) {
            params.put(p.getKey(), p.getValue().asText());
        }
        // "dev.adamant.bench.AdamWStepBenchmark.step" -> "AdamWStepBenchmark"
        String[] parts = benchmark.split("\\.");
        String simpleName = parts.length >= 2 ? parts[parts.length - 2] : benchmark;
        return new Score(simpleName, Map.copyOf(params), score * perSecond, error * perSecond, entry.path("threads").asInt(1));
    }

    private static Settings settings(JsonNode root) {
        JsonNode first = root.get(0);
        List<String> jvmArgs = new ArrayList<>();
        first.path("jvmArgs").forEach(a -> jvmArgs.add(a.asText()));
        return new Settings(common(root, "jmhVersion"), common(root, "jvm"), common(root, "jdkVersion"),
                common(root, "vmName"), common(root, "vmVersion"), List.copyOf(jvmArgs),
                common(root, "forks"), common(root, "threads"),
                iterations(root, "warmupIterations", "warmupTime"),
                iterations(root, "measurementIterations", "measurementTime"));
    }

    private static String iterations(JsonNode root, String count, String time) {
        String c = common(root, count), t = common(root, time);
        return c.equals("varies") || t.equals("varies") ? "varies" : c + " × " + t;
    }

    /** The field's value if every entry has the same one, else "varies". */
    private static String common(JsonNode root, String field) {
        Set<String> values = new TreeSet<>();
        root.forEach(e -> values.add(e.path(field).asText("?")));
        return values.size() == 1 ? values.iterator().next() : "varies";
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("not a JMH result entry: missing \"" + field + "\"");
        }
        return v.asText();
    }

    private static double number(JsonNode node, String field, String benchmark) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(benchmark + ": missing or non-numeric \"" + field + "\"");
        }
        return v.asDouble();
    }
}
