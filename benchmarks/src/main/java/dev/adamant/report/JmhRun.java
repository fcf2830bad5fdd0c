package dev.adamant.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The results of a JMH run (or of several, {@link #merge merged}), as read from JMH's JSON result
 * file: one {@link Score} per benchmark configuration, and the settings the runs were made with.
 */
public record JmhRun(List<Score> scores, Settings settings) {

    /**
     * One benchmark configuration's throughput. {@code benchmark} is the class's simple name
     * ({@code AdamWStepBenchmark}); {@code opsPerSecond} and {@code error} (the half-width of
     * JMH's 99.9% confidence interval, NaN when JMH had too few samples) are summed over threads, and so
     * is each measured iteration's throughput in {@code iterations}, one list per fork.
     */
    public record Score(String benchmark, Map<String, String> params, double opsPerSecond, double error, int threads,
                        List<List<Double>> iterations) {
        public String param(String name) {
            return params.get(name);
        }

        /** {@code MixedAdamStep cycle=1 format=fp32/fp32/8bit ...}: {@link JmhRun#label}, the parameters by name. */
        String label() {
            return JmhRun.label(benchmark, new TreeMap<>(params));
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
     * reported as "varies", except warmup and measurement, which give each value with its
     * benchmarks ({@code 2 × 400 ms (5 × 1 s for MixedAdamStepBenchmark)}).
     */
    public record Settings(String jmhVersion, String jvm, String jdkVersion, String vmName, String vmVersion,
                           List<String> jvmArgs, String forks, String threads, String warmup, String measurement) {
    }

    /**
     * One JMH JSON result file of several: JMH writes an array of result objects per run, and this is
     * their concatenation, in order.
     *
     * @throws IllegalArgumentException if one is not JSON or not an array
     */
    public static String merge(List<String> jsons) {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode all = mapper.createArrayNode();
        for (String json : jsons) {
            all.addAll(array(mapper, json));
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(all) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JmhRun read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    /** Parses JMH's JSON result format; throws IllegalArgumentException on anything else. */
    public static JmhRun parse(String json) {
        ArrayNode root = array(new ObjectMapper(), json);
        if (root.isEmpty()) {
            throw new IllegalArgumentException("the JMH result file has no results");
        }
        List<Score> scores = new ArrayList<>();
        for (JsonNode entry : root) {
            scores.add(score(entry));
        }
        return new JmhRun(List.copyOf(scores), settings(root));
    }

    private static ArrayNode array(ObjectMapper mapper, String json) {
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("not a JMH JSON result file (expected an array of results)");
        }
        return (ArrayNode) root;
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
        List<List<Double>> iterations = new ArrayList<>();
        for (JsonNode fork : metric.path("rawData")) {
            List<Double> scores = new ArrayList<>();
            fork.forEach(v -> scores.add(v.asDouble() * perSecond));
            iterations.add(List.copyOf(scores));
        }
        return new Score(simpleName(benchmark), Map.copyOf(params), score * perSecond, error * perSecond, entry.path("threads").asInt(1),
                List.copyOf(iterations));
    }

    /**
     * {@code AdamWStep kernel=512 numerics=FAST size=65536}: a benchmark's simple name without "Benchmark",
     * then its parameters in the map's order.
     */
    public static String label(String benchmark, Map<String, String> params) {
        String name = benchmark.endsWith("Benchmark") ? benchmark.substring(0, benchmark.length() - "Benchmark".length()) : benchmark;
        StringBuilder label = new StringBuilder(name);
        params.forEach((k, v) -> label.append(' ').append(k).append('=').append(v));
        return label.toString();
    }

    /** {@code dev.adamant.bench.AdamWStepBenchmark.step} -> {@code AdamWStepBenchmark}. */
    public static String simpleName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] : benchmark;
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

    /** {@code 2 × 400 ms}; if entries differ, the most common value, then each other one with its benchmarks. */
    private static String iterations(JsonNode root, String count, String time) {
        Map<String, List<String>> benchmarks = new LinkedHashMap<>();
        root.forEach(e -> benchmarks.computeIfAbsent(e.path(count).asText("?") + " × " + e.path(time).asText("?"), v -> new ArrayList<>())
                .add(simpleName(e.path("benchmark").asText())));
        String most = benchmarks.entrySet().stream().max(Comparator.comparingInt(e -> e.getValue().size())).orElseThrow().getKey();
        List<String> others = benchmarks.entrySet().stream().filter(e -> !e.getKey().equals(most))
                .map(e -> e.getKey() + " for " + String.join(", ", e.getValue().stream().distinct().toList())).toList();
        return others.isEmpty() ? most : most + " (" + String.join("; ", others) + ")";
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
