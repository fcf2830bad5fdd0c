package dev.adamant.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether each configuration was warm when its measurement began: a first measured iteration
 * below half the median of its iterations means it was most likely still running code the JIT
 * had not compiled yet (the mixed-precision step at 64M elements has shown first iterations at
 * 0.7 steps/s against 18–38), and the score, the mean of the iterations, understates it. Checked
 * per fork.
 */
final class WarmupCheck {
    static final double SLOW_FIRST = 0.5;

    /** A fork whose first measured iteration ran at {@code first} ops/s against a median of {@code median}. */
    record Cold(JmhRun.Score score, int fork, double first, double median) {
    }

    private final List<Cold> cold = new ArrayList<>();
    private int checked;

    WarmupCheck(JmhRun run) {
        for (JmhRun.Score s : run.scores()) {
            if (s.iterations().isEmpty()) {
                continue;
            }
            checked++;
            for (int f = 0; f < s.iterations().size(); f++) {
                List<Double> iterations = s.iterations().get(f);
                if (iterations.isEmpty()) {
                    continue;
                }
                double median = MixedPrecisionTable.median(iterations), first = iterations.getFirst();
                if (first < SLOW_FIRST * median) {
                    cold.add(new Cold(s, f + 1, first, median));
                }
            }
        }
    }

    String render() {
        if (cold.isEmpty()) {
            return "All " + checked + " configurations passed: none has a first measured iteration below half the median of its iterations.\n";
        }
        StringBuilder md = new StringBuilder();
        long configurations = cold.stream().map(Cold::score).distinct().count();
        md.append(configurations).append(" of ").append(checked).append(" configurations have a first measured iteration below half ")
                .append("the median of their iterations: their warmup was too short (most likely measurement began before the JIT ")
                .append("had compiled the code), ")
                .append("so their scores, the means of their iterations, understate them.\n\n");
        for (Cold c : cold) {
            md.append("- ").append(c.score().label())
                    .append(c.score().iterations().size() > 1 ? " (fork " + c.fork() + ")" : "")
                    .append(": first iteration ").append(MarkdownReport.number(c.first())).append(" ops/s, median ")
                    .append(MarkdownReport.number(c.median())).append(" ops/s\n");
        }
        return md.toString();
    }
}
