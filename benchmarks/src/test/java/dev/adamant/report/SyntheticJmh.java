package dev.adamant.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Builds JMH JSON result files in the shape JMH 1.37 writes, with chosen scores. */
final class SyntheticJmh {
    private final List<String> entries = new ArrayList<>();
    private int threads = 1;
    private int warmupIterations = 2;
    private String warmupTime = "500 ms";

    SyntheticJmh threads(int threads) {
        this.threads = threads;
        return this;
    }

    /** The warmup of the entries added after this. */
    SyntheticJmh warmup(int iterations, String time) {
        this.warmupIterations = iterations;
        this.warmupTime = time;
        return this;
    }

    SyntheticJmh adamW(String kernel, String numerics, int size, double opsPerSecond) {
        return add("dev.adamant.bench.AdamWStepBenchmark.step", Map.of("kernel", kernel, "numerics", numerics, "size", "" + size), opsPerSecond);
    }

    SyntheticJmh heapLoop(String numerics, int size, double opsPerSecond) {
        return add("dev.adamant.bench.HeapLoopBenchmark.step", Map.of("numerics", numerics, "size", "" + size), opsPerSecond);
    }

    SyntheticJmh stream(int size, double opsPerSecond) {
        return add("dev.adamant.bench.StreamProbeBenchmark.readFourWriteThree", Map.of("size", "" + size), opsPerSecond);
    }

    SyntheticJmh add(String benchmark, Map<String, String> params, double opsPerSecond) {
        return add(benchmark, params, opsPerSecond, opsPerSecond);
    }

    /** An entry with one fork whose measured iterations ran at {@code iterations} ops/s. */
    SyntheticJmh add(String benchmark, Map<String, String> params, double opsPerSecond, double... iterations) {
        String raw = Arrays.stream(iterations).mapToObj(String::valueOf).collect(Collectors.joining(", "));
        String p = params.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> "\"" + e.getKey() + "\" : \"" + e.getValue() + "\"").collect(Collectors.joining(", "));
        entries.add(String.format(Locale.ROOT, """
                {
                    "jmhVersion" : "1.37", "benchmark" : "%s", "mode" : "thrpt", "threads" : %d, "forks" : 1,
                    "jvm" : "/opt/jdk/bin/java", "jvmArgs" : ["--add-modules=jdk.incubator.vector", "-Xmx4g"],
                    "jdkVersion" : "25.0.3", "vmName" : "OpenJDK 64-Bit Server VM", "vmVersion" : "25.0.3+9-LTS",
                    "warmupIterations" : %d, "warmupTime" : "%s", "warmupBatchSize" : 1,
                    "measurementIterations" : 3, "measurementTime" : "500 ms", "measurementBatchSize" : 1,
                    "params" : { %s },
                    "primaryMetric" : { "score" : %s, "scoreError" : %s, "scoreConfidence" : [ 0, 0 ],
                                        "scoreUnit" : "ops/s", "rawData" : [ [ %s ] ] },
                    "secondaryMetrics" : { }
                }""", benchmark, threads, warmupIterations, warmupTime, p, opsPerSecond, opsPerSecond / 100, raw));
        return this;
    }

    String json() {
        return "[\n" + String.join(",\n", entries) + "\n]\n";
    }
}
