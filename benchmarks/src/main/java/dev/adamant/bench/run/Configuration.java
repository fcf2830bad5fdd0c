package dev.adamant.bench.run;

import dev.adamant.report.JmhRun;

import java.util.LinkedHashMap;
import java.util.Map;

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
        return new Configuration(JmhRun.simpleName(fullName), params);
    }

    /** {@code AdamWStep kernel=512 numerics=FAST size=65536}, as the report labels a result. */
    public String label() {
        return JmhRun.label(benchmark, params);
    }

    /** The {@code size} parameter ({@code elements} in the family, {@code stepElements} in the mixed one), 0 if there is none. */
    public int size() {
        String s = params.getOrDefault("size", params.getOrDefault("elements", params.get("stepElements")));
        return s == null ? 0 : Integer.parseInt(s);
    }
}
