package dev.adamant.bench.run;

import dev.adamant.kernel.Backends;
import dev.adamant.report.JmhRun;
import dev.adamant.report.MachineInfo;
import dev.adamant.report.ReportContext;
import dev.adamant.report.ReportFolder;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code adamant bench}: runs a {@link SweepPlan} through JMH in this process, in two JMH runs (the
 * second the mixed-precision step with its longer warmup; each configuration in its own forked JVM),
 * shows one progress line per configuration, and renders the report folder from JMH's JSON results
 * of both runs together.
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
        // each JMH run writes its own file here; jmh.json is replaced only once there are results, so a
        // failed start (the JMH lock is held by another run) leaves the previous report as it was
        List<Options> runs = new ArrayList<>(List.of(plan.jmhOptions(dir.resolve(".jmh-running.json"))));
        plan.mixedJmhOptions(dir.resolve(".jmh-running-mixed.json")).ifPresent(runs::add);
        List<Path> resultFiles = runs.stream().map(o -> Path.of(o.getResult().get())).toList();
        Instant start = Instant.now();
        ProgressFormat progress = new ProgressFormat(out, count);
        String stopped = null;
        List<String> results = new ArrayList<>();
        try {
            for (Options options : runs) {
                try {
                    new Runner(options, progress).run();
                } catch (RunnerException e) {
                    out.println();
                    stopped = String.valueOf(e.getMessage()).contains("JMH lock")
                            ? "another JMH run holds the machine-wide JMH lock; " + (progress.started() == 0 ? "nothing was measured"
                                    : (count - progress.started()) + " of " + count + " configurations were not measured")
                                    + ". Run again when it has finished (two benchmark runs at once would spoil both)."
                            : "JMH failed: " + e.getMessage();
                    break;
                }
            }
            for (Path file : resultFiles) {
                if (Files.exists(file)) {
                    results.add(Files.readString(file));
                }
            }
        } finally {
            for (Path file : resultFiles) {
                Files.deleteIfExists(file);
            }
        }
        if (stopped != null && progress.started() == 0) {
            err.println("adamant: " + stopped);
            return FAILED;
        }
        Duration took = Duration.between(start, Instant.now());
        out.println("measured " + (progress.started() - progress.failed()) + " of " + count + " configurations in " + format(took)
                + " (estimated " + format(plan.estimate()) + ")");
        if (stopped != null) {
            err.println("adamant: " + stopped);
        }

        String merged;
        JmhRun run;
        try {
            merged = JmhRun.merge(results);
            run = JmhRun.parse(merged);
        } catch (IllegalArgumentException e) {
            err.println("adamant: no results to report (" + e.getMessage() + ")");
            return FAILED;
        }
        Path json = dir.resolve(ReportFolder.JSON);
        Files.writeString(json, merged);
        ReportContext context = new ReportContext(MachineInfo.detect(), start, Optional.of(plan.describe()), Backends.preferredLaneWidth());
        ReportFolder.write(run, json, dir, context, out);
        if (progress.failed() > 0) {
            err.println("adamant: " + progress.failed() + " configuration(s) failed; their cells are empty in the report");
            return FAILED;
        }
        return stopped == null ? OK : FAILED;
    }

    /** {@code 2 min 35 s}, {@code 48 s}. */
    static String format(Duration d) {
        long s = Math.round(d.toMillis() / 1000.0);
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }
}
