package dev.adamant.bench.run;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One benchmark configuration: a benchmark class and one value per parameter, in JMH's
 * parameter order (alphabetical). One configuration is one JMH fork and one cell of the report.
 */
public record Configuration(String benchmark, Map<String, String> params) {

    public Configuration {
        params = new LinkedHashMap<>(params);
    }

    /** From JMH's full benchmark name ({@code dev.adamant.bench.AdamWStepBenchmark.step}) and its parameters. */
    static Configuration ofJmh(String fullName, Map<String, String> params) {
        String[] parts = fullName.split("\\.");
        return new Configuration(parts.length >= 2 ? parts[parts.length - 2] : fullName, params);
    }

    /** {@code AdamWStep kernel=512 numerics=FAST size=65536}. */
    public String label() {
        String name = benchmark.endsWith("Benchmark") ? benchmark.substring(0, benchmark.length() - "Benchmark".length()) : benchmark;
        return params.isEmpty() ? name : name + " " + params.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    /** The {@code size} parameter ({@code elements} in the family, {@code stepElements} in the mixed one), 0 if there is none. */
    public int size() {
        String s = params.getOrDefault("size", params.getOrDefault("elements", params.get("stepElements")));
        return s == null ? 0 : Integer.parseInt(s);
    }
}
