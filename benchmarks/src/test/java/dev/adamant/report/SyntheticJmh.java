package dev.adamant.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Builds JMH JSON result files in the shape JMH 1.37 writes, with chosen scores. */
final class SyntheticJmh {
    private final List<String> entries = new ArrayList<>();
    private int threads = 1;

    SyntheticJmh threads(int threads) {
        this.threads = threads;
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
        String p = params.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> "\"" + e.getKey() + "\" : \"" + e.getValue() + "\"").collect(Collectors.joining(", "));
        entries.add(String.format(Locale.ROOT, """
                {
                    "jmhVersion" : "1.37", "benchmark" : "%s", "mode" : "thrpt", "threads" : %d, "forks" : 1,
                    "jvm" : "/opt/jdk/bin/java", "jvmArgs" : ["--add-modules=jdk.incubator.vector", "-Xmx4g"],
                    "jdkVersion" : "25.0.3", "vmName" : "OpenJDK 64-Bit Server VM", "vmVersion" : "25.0.3+9-LTS",
                    "warmupIterations" : 2, "warmupTime" : "500 ms", "warmupBatchSize" : 1,
                    "measurementIterations" : 3, "measurementTime" : "500 ms", "measurementBatchSize" : 1,
                    "params" : { %s },
                    "primaryMetric" : { "score" : %s, "scoreError" : %s, "scoreConfidence" : [ 0, 0 ],
                                        "scoreUnit" : "ops/s", "rawData" : [ [ %s ] ] },
                    "secondaryMetrics" : { }
                }""", benchmark, threads, p, opsPerSecond, opsPerSecond / 100, opsPerSecond, opsPerSecond));
        return this;
    }

    String json() {
        return "[\n" + String.join(",\n", entries) + "\n]\n";
    }
}
