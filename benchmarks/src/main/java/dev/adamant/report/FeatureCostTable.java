package dev.adamant.report;

import dev.adamant.bench.StepFeaturesBenchmark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of the training-loop features: one AdamW {@code step()} at the preferred width with
 * clipping by norm or by value, unscaling, both, the skip policy, or monitoring, against the plain step
 * ({@link StepFeaturesBenchmark}).
 */
final class FeatureCostTable {
    static final String BENCHMARK = StepFeaturesBenchmark.class.getSimpleName();
    private static final List<String> ORDER = List.of("plain", "clip", "value-clip", "unscale", "clip+unscale", "skip-policy",
            "monitor", "clip+unscale+monitor");
    private static final Map<String, String> WHAT = Map.of(
            "plain", "the plain step",
            "clip", "`clipGradNorm(1.0, 2)` then the step: a read-only norm pass, the coefficient applied in the kernel",
            "value-clip", "`clipGradValue(1.0)` then the step: no extra pass, the clamp applied in the kernel",
            "unscale", "`unscale(1024)` then the step: a read-only non-finite check, 1/1024 applied in the kernel",
            "clip+unscale", "both: check, norm, then one fused step",
            "skip-policy", "`SKIP_STEP` non-finite policy: the read-only check before every step",
            "monitor", "`Monitoring.PER_GROUP`: the statistics summed inside the update loop (no extra pass)",
            "clip+unscale+monitor", "clipping, unscaling and monitoring together");

    private final Map<String, Double> elementsPerSecond = new LinkedHashMap<>();
    private int size;

    FeatureCostTable(JmhRun run) {
        for (JmhRun.Score s : run.scores()) {
            if (s.benchmark().equals(BENCHMARK)) {
                size = s.size();
                elementsPerSecond.put(s.param("feature"), s.opsPerSecond() * s.size());
            }
        }
    }

    boolean isEmpty() {
        return elementsPerSecond.isEmpty();
    }

    String render() {
        StringBuilder md = new StringBuilder();
        md.append("One AdamW `step()` on one fp32 tensor of ").append(size)
                .append(" elements at the preferred width, with what runs around it; the cost is the time relative "
                        + "to the plain step measured in the same run.\n\n");
        md.append("| feature | G elem/s | time vs plain | what runs |\n|---|---:|---:|---|\n");
        Double plain = elementsPerSecond.get("plain");
        for (String feature : ORDER) {
            Double eps = elementsPerSecond.get(feature);
            if (eps == null) {
                continue;
            }
            md.append("| ").append(feature).append(" | ").append(MarkdownReport.number(eps / 1e9)).append(" | ")
                    .append(plain == null ? "—" : String.format(Locale.ROOT, "%.2f×", plain / eps)).append(" | ")
                    .append(WHAT.get(feature)).append(" |\n");
        }
        return md.toString();
    }
}
