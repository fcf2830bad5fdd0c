package dev.adamant.bench.run;

import dev.adamant.kernel.Backends;
import dev.adamant.report.JmhRun;
import dev.adamant.report.MachineInfo;
import dev.adamant.report.ReportContext;
import dev.adamant.report.ReportFolder;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code adamant bench}: runs a {@link SweepPlan} through JMH in this process (each configuration
 * in its own forked JVM), shows one progress line per configuration, and renders the report
 * folder from JMH's JSON results.
 */
public final class BenchCommand {
    static final int OK = 0, FAILED = 1;

    private BenchCommand() {
    }

    /** The lane widths this JVM offers, or empty if it runs without the Vector API and cannot tell. */
    public static Optional<Set<Integer>> availableWidths() {
        if (Backends.simdUnavailableReason().isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new java.util.TreeSet<>(Backends.laneWidths().collect(Integer::valueOf).castToList()));
    }

    /** Runs the sweep and writes the report; returns the exit code. */
    public static int run(SweepPlan plan, PrintStream out, PrintStream err) throws IOException {
        int count = plan.configurations().size();
        out.println("adamant bench: " + plan.describe());
        plan.notes().forEach(n -> out.println("note: " + n));
        Map<String, Long> perBenchmark = plan.configurations().stream()
                .collect(Collectors.groupingBy(Configuration::benchmark, TreeMap::new, Collectors.counting()));
        out.println(count + " configurations (" + perBenchmark.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", ")) + "), one JVM fork each; estimated time " + format(plan.estimate()));
        if (plan.dryRun()) {
            plan.configurations().forEach(c -> out.println("  " + c.label()));
            return OK;
        }

        Path dir = plan.out();
        Files.createDirectories(dir);
        // JMH writes here; it replaces jmh.json only once there are results, so a failed start
        // (the JMH lock is held by another run) leaves the previous report as it was
        Path running = dir.resolve(".jmh-running.json");
        Instant start = Instant.now();
        ProgressFormat progress = new ProgressFormat(out, count);
        try {
            new Runner(plan.jmhOptions(running), progress).run();
        } catch (RunnerException e) {
            Files.deleteIfExists(running);
            out.println();
            if (String.valueOf(e.getMessage()).contains("JMH lock")) {
                err.println("adamant: another JMH run holds the machine-wide JMH lock; nothing was measured. "
                        + "Run again when it has finished (two benchmark runs at once would spoil both).");
            } else {
                err.println("adamant: JMH failed: " + e.getMessage());
            }
            return FAILED;
        }
        Duration took = Duration.between(start, Instant.now());
        out.println("measured " + (progress.started() - progress.failed()) + " of " + count + " configurations in " + format(took)
                + " (estimated " + format(plan.estimate()) + ")");

        JmhRun run;
        try {
            run = JmhRun.read(running);
        } catch (IOException | IllegalArgumentException e) {
            err.println("adamant: no results to report (" + e.getMessage() + ")");
            return FAILED;
        }
        Path json = dir.resolve(ReportFolder.JSON);
        Files.move(running, json, StandardCopyOption.REPLACE_EXISTING);
        ReportContext context = new ReportContext(MachineInfo.detect(), start, Optional.of(plan.describe()), Backends.preferredLaneWidth());
        ReportFolder.write(run, json, dir, context, out);
        if (progress.failed() > 0) {
            err.println("adamant: " + progress.failed() + " configuration(s) failed; their cells are empty in the report");
            return FAILED;
        }
        return OK;
    }

    /** {@code 2 min 35 s}, {@code 48 s}. */
    static String format(Duration d) {
        long s = Math.round(d.toMillis() / 1000.0);
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }
}
