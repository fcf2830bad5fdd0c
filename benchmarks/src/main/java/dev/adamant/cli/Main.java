package dev.adamant.cli;

import dev.adamant.accuracy.AccuracyCommand;
import dev.adamant.bench.run.BenchCommand;
import dev.adamant.bench.run.SweepPlan;
import dev.adamant.conformance.CaseResult;
import dev.adamant.conformance.GoldenCase;
import dev.adamant.conformance.GoldenFile;
import dev.adamant.conformance.Replayer;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.report.ReportCommand;
import dev.adamant.soak.SoakCommand;
import dev.adamant.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The {@code adamant} command line: {@code bench}, {@code report}, {@code conformance}, {@code soak},
 * {@code accuracy}, {@code info} and {@code help}.
 *
 * <p>All logic is in {@link #run}, which returns the exit code and writes to the given streams,
 * so tests drive it in-process; only {@link #main} calls {@link System#exit}.
 */
public final class Main {
    static final int OK = 0, FAILED = 1, USAGE = 2;

    static final String USAGE_TEXT = """
            usage: adamant <command> [options]

            commands:
              bench [--full] [--scale] [--kernels LIST] [--numerics LIST] [--sizes LIST]
                    [--optimizers LIST|none] [--features all|none|LIST]
                    [--mixed all|none|LIST] [--mixed-cycles N] [--threads N]
                    [--warmup N] [--measure N] [--out DIR] [--dry-run]
                  Runs the JMH suite (AdamW step per kernel, numerics mode and size; the heap
                  float[] loop; the stream probe; each optimizer of the family at 65536
                  elements, reference against the preferred width; the cost of clipping by
                  norm and by value, unscaling, the skip policy and monitoring; the
                  mixed-precision step per format against fp32 AdamW at the largest size and
                  widest kernel), one forked JVM per configuration, and writes the report
                  folder (default ./report): jmh.json, report.md, throughput.png,
                  mixed-precision.png.
                  Default: the quick sweep (sizes 4096,65536,1048576,16777216; kernels
                  scalar,128,256,512; numerics exact,fast; the whole family; mixed formats
                  fp32-adamw,fp32/fp32/bf16,fp32/fp32/8bit in 3 cycles; warmup 2 x 400 ms,
                  measurement 3 x 400 ms; about 5.5 minutes on 2 cores). --full: sizes 1021 to
                  67108864, the preferred kernel too, every mixed format, 3 x 1 s warmup,
                  5 x 1 s measurement, and --scale. The mixed-precision step warms up for at
                  least 5 iterations of 1 s per 64M elements (its kernels reach the JIT's top tier late), in a second JMH
                  run after the rest. --scale: the step at scale (GPT-2 small's 148 tensors,
                  ~2 GB off-heap; 2,000 tensors of 1K against one tensor; thread scaling at
                  64M elements). --mixed-cycles: how many times the mixed formats
                  run, each time all of them in a row (the report divides each by the fp32 bar
                  of its own cycle and gives the median). LIST is comma-separated; --threads
                  runs N JMH threads with their own buffers (figures are then aggregate).
                  --dry-run lists the configurations and the estimate. Exit code 0 if every
                  configuration ran, 1 if any failed or JMH could not start.
              report FILE [--out DIR] [--preferred-width 128|256|512]
                  Renders the report folder (default ./report) from an existing JMH JSON file,
                  as bench does after its run.
              conformance [--kernel all|scalar|vector] [--width all|preferred|128|256|512]
                          [--numerics exact|fast] FILE...
                  Replays golden PyTorch cases (files, or directories of *.json) on each selected
                  backend and prints PASS/FAIL/SKIP per case. Defaults: all kernels, all available
                  widths, exact numerics. Exit code 0 if all pass, 1 if any fail, 2 on usage errors.
              soak [--small-steps N] [--small-size N] [--optimizers LIST|all|none]
                   [--large-steps N] [--size N] [--large-optimizers LIST|all|none]
                   [--width preferred|128|256|512] [--numerics exact|fast]
                  Long runs through the public API, the vector backend beside the scalar
                  reference: after every step parameters and state must be bit-identical, and at
                  every tenth of a run the off-heap memory must not have moved and the heap after
                  GC must not have grown. Small phase: every optimizer of the family (each with
                  the options that keep the most state) over a float32 and a float64 tensor of
                  1021 elements for 1000000 steps; large phase: adamw over 16777216 float32
                  elements for 1000 steps. About 6 minutes on 2 cores. A phase with 0 steps or
                  the optimizer list none is skipped. Prints progress and a verdict; exit code 0
                  if every run passed, 1 if one failed, 2 on bad options or without SIMD.
              accuracy [--steps N] [--seeds N] [--golden DIR|none] [--out DIR] [--threads N]
                  Accuracy evidence for mixed precision and compact optimizer state: trains a
                  generated classification problem (an MLP of 26,122 parameters on 32768
                  samples, AdamW, warmup and cosine) with the fp32 AdamUpdate kernel and the
                  mixed layouts fp32/fp32/{fp32,bf16,8bit}, bf16+master/bf16/{bf16,8bit} and
                  bf16/bf16/bf16 with and without stochastic rounding, once per seed; replays
                  the golden long runs (long_runs.json) through each state format; writes
                  report.md (final loss and accuracy against fp32, the claimed margin and
                  whether it holds, the golden runs' parameter error) and loss-curves.png to
                  --out (default docs/results/accuracy). Defaults: 3000 steps, 3 seeds,
                  --golden ../shared/golden, one thread per processor; about 3 minutes on 2
                  idle cores. Exit code 0, or 1 if the fp32 layout differs from the fp32 kernel or
                  (at 3000 steps) the claimed margin does not hold; 2 on bad options.
              info
                  Default backend, available lane widths, JDK, and why SIMD is off if it is.
              help
                  This text.

            SIMD needs the JVM flag --add-modules=jdk.incubator.vector.
            """;

    static {
        // the report's chart is drawn with AWT; no display here, and the flag must be set before AWT loads
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the process exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) {
                out.print(USAGE_TEXT);
                return OK;
            }
            List<String> rest = List.of(args).subList(1, args.length);
            return switch (args[0]) {
                case "help", "-h", "--help" -> {
                    out.print(USAGE_TEXT);
                    yield OK;
                }
                case "info" -> info(rest, out);
                case "conformance" -> conformance(rest, out);
                case "bench" -> BenchCommand.run(checked(() -> SweepPlan.parse(rest, BenchCommand.availableWidths())), out, err);
                case "report" -> ReportCommand.run(checked(() -> ReportCommand.parse(rest)), out);
                case "soak" -> SoakCommand.run(checked(() -> SoakCommand.parse(rest)), out);
                case "accuracy" -> AccuracyCommand.run(checked(() -> AccuracyCommand.parse(rest)), out);
                default -> throw new UsageException("unknown command '" + args[0] + "'");
            };
        } catch (UsageException e) {
            err.println("adamant: " + e.getMessage());
            err.println("run 'adamant help' for usage");
            return USAGE;
        } catch (IOException | UncheckedIOException e) {
            err.println("adamant: " + e.getMessage());
            return FAILED;
        } finally {
            out.flush();
        }
    }

    private static int info(List<String> args, PrintStream out) {
        if (!args.isEmpty()) {
            throw new UsageException("info takes no arguments, got '" + args.getFirst() + "'");
        }
        String defaultBackend;
        try {
            defaultBackend = Backends.defaultBackend().name();
        } catch (IllegalStateException e) {
            throw new UsageException(e.getMessage());
        }
        out.println("default backend: " + defaultBackend);
        out.println("lane widths:     " + (Backends.laneWidths().isEmpty() ? "none" : Backends.laneWidths().makeString(", ")));
        out.println("preferred width: " + (Backends.preferredLaneWidth() == 0 ? "none" : Backends.preferredLaneWidth()));
        out.println("JDK:             " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")");
        out.println("SIMD:            " + Backends.simdUnavailableReason().map(r -> "unavailable: " + r).orElse("available"));
        String hugePages = Tensor.hugePagesUnavailableBecause();
        out.println("huge pages:      " + (hugePages == null ? "tensors from 2 MiB up (transparent, madvise)" : "unused: " + hugePages));
        return OK;
    }

    private static int conformance(List<String> args, PrintStream out) {
        String kernel = "all", width = "all", numericsText = "exact";
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                names.add(a);
                continue;
            }
            int eq = a.indexOf('=');
            String option = eq < 0 ? a : a.substring(0, eq);
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException(option + " needs a value");
            }
            switch (option) {
                case "--kernel" -> kernel = oneOf(option, value, "all", "scalar", "vector");
                case "--width" -> width = oneOf(option, value, "all", "preferred", "128", "256", "512");
                case "--numerics" -> numericsText = oneOf(option, value, "exact", "fast");
                default -> throw new UsageException("unknown option " + option);
            }
        }
        if (names.isEmpty()) {
            throw new UsageException("conformance needs at least one FILE or directory");
        }
        // read everything first: a bad file is a usage error before any case runs
        List<GoldenFile> golden = expand(names).stream().map(Main::read).toList();
        List<Backend> backends = backends(kernel, width, Numerics.valueOf(numericsText.toUpperCase(Locale.ROOT)), out);

        int passed = 0, failed = 0, skipped = 0;
        for (GoldenFile file : golden) {
            for (GoldenCase c : file.cases()) {
                Optional<String> skip = Replayer.unsupportedReason(file, c);
                if (skip.isPresent()) {
                    out.println("SKIP  " + file.fileName() + "  " + c.name() + "  " + skip.get());
                    skipped++;
                    continue;
                }
                for (Backend backend : backends) {
                    CaseResult r = new Replayer(backend).replay(file, c);
                    if (r.passed()) {
                        out.println("PASS  " + r.file() + "  " + r.caseName() + "  " + r.backend() + "  " + r.maxText());
                        passed++;
                    } else {
                        out.println("FAIL  " + r.file() + "  " + r.caseName() + "  " + r.backend()
                                + "  first mismatch at " + r.firstMismatch().describe());
                        failed++;
                    }
                }
            }
        }
        out.println(passed + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : ""));
        return failed > 0 ? FAILED : OK;
    }

    /** The backends to run, in order; says once when SIMD is off and the vector kernels are left out. */
    private static List<Backend> backends(String kernel, String width, Numerics numerics, PrintStream out) {
        Optional<String> noSimd = Backends.simdUnavailableReason();
        if (kernel.equals("vector") && noSimd.isPresent()) {
            throw new UsageException("--kernel vector, but SIMD is unavailable: " + noSimd.get());
        }
        List<Backend> backends = new ArrayList<>();
        if (!kernel.equals("vector")) {
            backends.add(Backends.scalar(numerics));
        }
        if (kernel.equals("scalar")) {
            return backends;
        }
        if (noSimd.isPresent()) {
            out.println("SIMD unavailable (" + noSimd.get() + "); running the scalar kernel only");
            return backends;
        }
        List<Integer> widths = switch (width) {
            case "all" -> Backends.laneWidths().collect(Integer::valueOf).castToList();
            case "preferred" -> List.of(Backends.preferredLaneWidth());
            default -> List.of(Integer.parseInt(width));
        };
        for (int bits : widths) {
            backends.add(Backends.vector(bits, numerics).orElseThrow(() -> new UsageException("--width " + bits
                    + " is not available here (available: " + Backends.laneWidths().makeString(", ") + ")")));
        }
        return backends;
    }

    /** Files as given, directories as their *.json files sorted by name; every one must exist. */
    private static List<Path> expand(List<String> names) {
        List<Path> files = new ArrayList<>();
        for (String name : names) {
            Path p = Path.of(name);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    List<Path> json = s.filter(f -> f.getFileName().toString().endsWith(".json") && Files.isRegularFile(f))
                            .sorted().toList();
                    if (json.isEmpty()) {
                        throw new UsageException("no *.json files in directory " + name);
                    }
                    files.addAll(json);
                } catch (IOException e) {
                    throw new UsageException("cannot list directory " + name + ": " + e.getMessage());
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new UsageException("no such file or directory: " + name);
            }
        }
        return files;
    }

    private static GoldenFile read(Path path) {
        try {
            return GoldenFile.read(path);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException("cannot read golden file " + path + ": " + e.getMessage());
        }
    }

    /** Parses a command's arguments; its IllegalArgumentException is a usage error. */
    private static <T> T checked(Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static String oneOf(String option, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return value;
            }
        }
        throw new UsageException("invalid " + option + " '" + value + "' (expected " + String.join(", ", allowed) + ")");
    }

    /** Bad command line or input file: exit code 2, message on stderr. */
    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
