package dev.adamant.bench.run;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * JMH's console output replaced by one line per configuration:
 * {@code [7/44] AdamWStep kernel=512 numerics=FAST size=65536 ... 3.21 G elem/s}. Everything
 * else JMH and the forked JVMs print is kept (the last lines only) and shown when a
 * configuration fails, so that its error is not lost.
 */
final class ProgressFormat implements OutputFormat {
    private static final int KEPT_LINES = 60;

    private final PrintStream out;
    private final int total;
    private final ArrayDeque<String> kept = new ArrayDeque<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private int started, failed;
    private boolean pending;

    ProgressFormat(PrintStream out, int total) {
        this.out = out;
        this.total = total;
    }

    /** Configurations that started but produced no result. */
    synchronized int failed() {
        return failed;
    }

    synchronized int started() {
        return started;
    }

    @Override
    public synchronized void startBenchmark(BenchmarkParams params) {
        finishPending();
        kept.clear();
        started++;
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : params.getParamsKeys()) {
            values.put(key, params.getParam(key));
        }
        Configuration c = Configuration.ofJmh(params.getBenchmark(), values);
        out.print("[" + started + "/" + Math.max(total, started) + "] " + c.label() + " ...");
        out.flush();
        pending = true;
    }

    @Override
    public synchronized void endBenchmark(BenchmarkResult result) {
        Result<?> primary = result == null ? null : result.getPrimaryResult();
        if (primary == null || Double.isNaN(primary.getScore())) {
            finishPending();
            return;
        }
        String size = result.getParams().getParam("size");
        if (size == null) {
            size = result.getParams().getParam("elements"); // the family benchmark's size
        }
        double perSecond = primary.getScore() * perSecond(primary.getScoreUnit());
        out.println(size == null ? String.format(Locale.ROOT, " %.4g ops/s", perSecond)
                : String.format(Locale.ROOT, " %.2f G elem/s", perSecond * Integer.parseInt(size) / 1e9));
        out.flush();
        pending = false;
    }

    @Override
    public synchronized void endRun(Collection<RunResult> results) {
        finishPending();
    }

    /** A configuration that started and never ended failed: say so, with what it printed. */
    private synchronized void finishPending() {
        if (!pending) {
            return;
        }
        pending = false;
        failed++;
        keepPartial();
        out.println(" FAILED");
        for (String line : kept) {
            out.println("    " + line);
        }
        out.flush();
    }

    static double perSecond(String unit) {
        return switch (unit) {
            case "ops/ms" -> 1e3;
            case "ops/us" -> 1e6;
            case "ops/ns" -> 1e9;
            case "ops/min" -> 1.0 / 60;
            default -> 1;
        };
    }

    @Override
    public void startRun() {
    }

    @Override
    public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
    }

    @Override
    public void iterationResult(BenchmarkParams benchParams, IterationParams params, int iteration, IterationResult data) {
    }

    // the forked JVMs' stdout and stderr arrive here byte by byte, from JMH's drainer threads

    @Override
    public synchronized void print(String s) {
        write(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void println(String s) {
        print(s + "\n");
    }

    @Override
    public void verbosePrintln(String s) {
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            keepPartial();
        } else if (b != '\r') {
            partial.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] bytes) {
        for (byte b : bytes) {
            write(b);
        }
    }

    private void keepPartial() {
        if (partial.size() > 0) {
            kept.addLast(partial.toString(StandardCharsets.UTF_8));
            partial.reset();
            while (kept.size() > KEPT_LINES) {
                kept.removeFirst();
            }
        }
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
        // JMH closes its output at the end of a run; this one is the caller's stream
        out.flush();
    }
}
