package dev.adamant.accuracy;

import dev.adamant.conformance.GoldenFile;
import dev.adamant.kernel.Backends;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code adamant accuracy}: the accuracy evidence for mixed precision and compact optimizer state.
 * Trains the {@link Problem#standard() standard problem} with every {@link PrecisionVariant} and
 * several seeds, replays the golden long runs through each state format, and writes
 * {@code report.md} and {@code loss-curves.png}.
 */
public final class AccuracyCommand {
    static final int OK = 0, FAILED = 1;

    /** The length of the run the claim below was measured on, and the default. */
    static final int FULL_STEPS = 3000;

    /**
     * The margin claimed: with float32 parameters or bf16 parameters and an fp32 master copy, bf16
     * and 8-bit state end within this many nats of the float32 reference's final training loss, on
     * every seed. A conclusion, not a target: measured first (3 seeds of 3000 steps: the largest
     * difference was 0.0031, always positive, next to the reference's own seed-to-seed spread of
     * 0.0037 on a final loss of 0.447), then rounded up; every full-length run checks it again.
     */
    static final double CLAIMED_MARGIN = 0.005;

    /** The variants the claim is about: compact state where parameters keep float32 precision. */
    static final List<PrecisionVariant> CLAIMED = List.of(
            PrecisionVariant.mixed("fp32/fp32/bf16"),
            PrecisionVariant.mixed("fp32/fp32/8bit"),
            PrecisionVariant.mixed("bf16+master/bf16/bf16"),
            PrecisionVariant.mixed("bf16+master/bf16/8bit"));

    /** The command's settings; {@link #parse} gives the defaults. */
    public record Options(int steps, int seeds, Optional<Path> golden, Path out, int threads) {
    }

    private AccuracyCommand() {
    }

    /** Parses the arguments; IllegalArgumentException names the bad value. */
    public static Options parse(List<String> args) {
        int steps = FULL_STEPS, seeds = 3, threads = Runtime.getRuntime().availableProcessors();
        String golden = "../shared/golden";
        Path out = Path.of("docs/results/accuracy");
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            int eq = a.indexOf('=');
            String option = eq < 0 ? a : a.substring(0, eq);
            if (!option.startsWith("--")) {
                throw new IllegalArgumentException("accuracy takes no positional arguments, got '" + a + "'");
            }
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(option + " needs a value");
            }
            switch (option) {
                case "--steps" -> steps = count(option, value, 100);
                case "--seeds" -> seeds = count(option, value, 1);
                case "--threads" -> threads = count(option, value, 1);
                case "--golden" -> golden = value;
                case "--out" -> out = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        Optional<Path> goldenDir = golden.equals("none") ? Optional.empty() : Optional.of(Path.of(golden));
        goldenDir.ifPresent(d -> {
            if (!Files.isRegularFile(d.resolve(GoldenLongRuns.FILE))) {
                throw new IllegalArgumentException("no " + GoldenLongRuns.FILE + " in golden directory " + d
                        + " (pass --golden DIR, or --golden none to leave the golden runs out)");
            }
        });
        return new Options(steps, seeds, goldenDir, out, threads);
    }

    private static int count(String option, String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected an integer >= " + min + ")");
        }
        if (n < min) {
            throw new IllegalArgumentException("invalid " + option + " " + n + " (expected an integer >= " + min + ")");
        }
        return n;
    }

    public static int run(Options options, PrintStream out) throws IOException {
        long start = System.nanoTime();
        Problem problem = Problem.standard();
        TrainingRun.Settings settings = TrainingRun.Settings.standard(options.steps());
        List<Long> seeds = new ArrayList<>();
        for (long s = 1; s <= options.seeds(); s++) {
            seeds.add(s);
        }
        List<PrecisionVariant> variants = PrecisionVariant.ALL;
        int total = variants.size() * seeds.size();
        out.println("accuracy: " + problem.describe());
        out.println("accuracy: " + variants.size() + " variants x " + seeds.size() + " seeds x " + settings.steps()
                + " steps of AdamW (lr " + settings.peakLr() + ", warmup " + settings.warmupSteps() + " then cosine, wd "
                + settings.weightDecay() + ", batch " + settings.batch() + ") on " + Backends.defaultBackend().name()
                + ", " + options.threads() + " threads");
        List<TrainingRun.Result> results = train(problem, settings, variants, seeds, options.threads(), total, out);
        Comparison comparison = new Comparison(variants, seeds, results);

        List<GoldenLongRuns.Row> golden = List.of();
        if (options.golden().isPresent()) {
            Path file = options.golden().get().resolve(GoldenLongRuns.FILE);
            out.println("golden long runs: replaying " + file + " through " + GoldenLongRuns.VARIANTS.size() + " variants");
            golden = GoldenLongRuns.replay(GoldenFile.read(file));
            for (GoldenLongRuns.Row row : golden) {
                out.println("  " + row.caseName() + "  " + row.variant() + "  " + row.notRun().map(r -> "not run: " + r)
                        .orElseGet(() -> {
                            GoldenLongRuns.Checkpoint last = row.checkpoints().getLast();
                            return String.format(Locale.ROOT, "step %d: relative error max %.3g, mean %.3g;"
                                            + " largest error / distance moved %.3g", last.step(), last.maxRelative(),
                                    last.meanRelative(), last.errorOverTravel());
                        }));
            }
        }

        AccuracyReport report = new AccuracyReport(problem, settings, comparison, golden, options.golden(),
                Backends.defaultBackend().name(), (System.nanoTime() - start) / 1e9);
        Files.createDirectories(options.out());
        Path markdown = options.out().resolve("report.md"), png = options.out().resolve("loss-curves.png");
        Files.writeString(markdown, report.markdown());
        LossCurves.write(comparison, "AdamW on " + problem.describe().replaceFirst(";.*", "") + ", mean of "
                + seeds.size() + (seeds.size() == 1 ? " seed" : " seeds"), png);
        out.println();
        report.verdictLines().forEach(out::println);
        out.println("wrote " + markdown + " and " + png);
        return report.passed() ? OK : FAILED;
    }

    private static List<TrainingRun.Result> train(Problem problem, TrainingRun.Settings settings,
                                                  List<PrecisionVariant> variants, List<Long> seeds, int threads,
                                                  int total, PrintStream out) {
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<TrainingRun.Result>> futures = new ArrayList<>();
            for (long seed : seeds) {
                for (PrecisionVariant v : variants) {
                    futures.add(pool.submit(() -> {
                        long t0 = System.nanoTime();
                        TrainingRun.Result r = TrainingRun.train(problem, v, seed, settings);
                        synchronized (out) {
                            out.printf(Locale.ROOT, "[%d/%d] %-22s seed %d: train loss %.4f, held-out loss %.4f,"
                                            + " held-out accuracy %.4f (%.1f s)%n", done.incrementAndGet(), total,
                                    v.label(), seed, r.train().loss(), r.heldOut().loss(), r.heldOut().accuracy(),
                                    (System.nanoTime() - t0) / 1e9);
                            out.flush();
                        }
                        return r;
                    }));
                }
            }
            List<TrainingRun.Result> results = new ArrayList<>();
            for (Future<TrainingRun.Result> f : futures) {
                results.add(f.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("a training run failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
