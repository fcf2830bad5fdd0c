package dev.adamant.report;

import dev.adamant.kernel.Numerics;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/** {@code report.md}: the run's settings, the warm-up check, the throughput table, the stream bandwidth, and ratios. */
public final class MarkdownReport {
    static final String CHART_FILE = "throughput.png";
    /** Relative error above which a figure is counted as noisy in the header. */
    static final double NOISY = 0.10;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final JmhRun run;
    private final ThroughputTable table;
    private final ReportContext context;

    public MarkdownReport(JmhRun run, ReportContext context) {
        this.run = run;
        this.table = ThroughputTable.of(run);
        this.context = context;
    }

    public ThroughputTable table() {
        return table;
    }

    /** The whole report. */
    public String render() {
        StringBuilder md = new StringBuilder();
        md.append("# Adamant throughput report\n\n");
        header(md);
        md.append("\n## Warm-up check\n\n").append(new WarmupCheck(run).render());
        md.append("\n## Throughput\n\n");
        md.append("G elem/s (10⁹ fp32 elements per second; one element = one AdamW update, ")
                .append(ThroughputTable.BYTES_PER_ELEMENT).append(" bytes moved), ")
                .append("and in parentheses the fraction of the stream probe at the same size.\n\n");
        md.append(tableSection());
        md.append("\n## Ratios\n\n");
        ratios(md);
        FamilyTable family = new FamilyTable(run);
        if (!family.isEmpty()) {
            md.append("\n## The optimizer family\n\n").append(family.render(context.preferredWidth()));
        }
        FeatureCostTable features = new FeatureCostTable(run);
        if (!features.isEmpty()) {
            md.append("\n## What clipping, unscaling, the skip policy and monitoring cost\n\n").append(features.render());
        }
        MixedPrecisionTable mixed = new MixedPrecisionTable(run);
        if (!mixed.isEmpty()) {
            md.append("\n## Mixed precision: bytes per element against steps per second\n\n").append(mixed.render());
        }
        ScaleTable scale = new ScaleTable(run);
        if (!scale.isEmpty()) {
            md.append("\n## Throughput at scale\n\n").append(scale.render());
        }
        md.append("\n## Chart\n\n![G elem/s against size](").append(CHART_FILE).append(")\n");
        return md.toString();
    }

    /** The throughput table, the stream bandwidth line and, with threads, the aggregate note: what the bench command prints. */
    public String tableSection() {
        StringBuilder md = new StringBuilder();
        List<Integer> sizes = table.sizes();
        md.append("| kernel | numerics |");
        sizes.forEach(s -> md.append(' ').append(s).append(" |"));
        md.append("\n|---|---|");
        sizes.forEach(s -> md.append("---:|"));
        md.append('\n');
        for (Variant row : table.rows()) {
            md.append("| ").append(row.kernelLabel(context.preferredWidth())).append(" | ").append(row.numericsLabel()).append(" |");
            for (int size : sizes) {
                md.append(' ').append(cell(row, size)).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        List<String> bandwidth = new ArrayList<>();
        for (int size : sizes) {
            table.streamGBPerSecond(size).ifPresent(gb -> bandwidth.add(size + ": " + number(gb) + " GB/s"));
        }
        md.append("Stream probe bandwidth (elements/s × ").append(ThroughputTable.BYTES_PER_ELEMENT).append(" bytes): ")
                .append(bandwidth.isEmpty() ? "not measured" : String.join(" · ", bandwidth)).append(".\n");
        if (!run.settings().threads().equals("1")) {
            md.append("\nFigures are aggregate over ").append(run.settings().threads())
                    .append(" JMH threads, each updating its own buffers (per-thread state).\n");
        }
        return md.toString();
    }

    private String cell(Variant row, int size) {
        OptionalDouble g = table.gElemPerSecond(row, size);
        if (g.isEmpty()) {
            return "–";
        }
        if (row.kind() == Variant.Kind.STREAM_PROBE) {
            return number(g.getAsDouble());
        }
        OptionalDouble f = table.fractionOfStream(row, size);
        return number(g.getAsDouble()) + (f.isPresent() ? " (" + times(f.getAsDouble()) + ")" : "");
    }

    private void header(StringBuilder md) {
        JmhRun.Settings s = run.settings();
        MachineInfo m = context.machine();
        md.append("- **Machine:** ").append(m.cpuModel()).append(", ").append(m.logicalCpus()).append(" logical CPUs")
                .append(m.memory().map(mem -> ", " + mem + " RAM").orElse(""))
                .append(context.preferredWidth() > 0 ? ", preferred vector width " + context.preferredWidth() + " bits" : "")
                .append('\n');
        md.append("- **JDK:** ").append(s.jdkVersion()).append(" (").append(s.vmName()).append(' ').append(s.vmVersion())
                .append("), `").append(s.jvm()).append("`\n");
        md.append("- **JVM flags (benchmark forks):** ")
                .append(s.jvmArgs().isEmpty() ? "none" : s.jvmArgs().stream().map(a -> "`" + a + "`").collect(Collectors.joining(" ")))
                .append('\n');
        md.append("- **Date:** ").append(DATE.format(context.date())).append('\n');
        md.append("- **Sweep:** ").append(context.sweep().orElse("re-rendered from a JMH result file (the machine line is "
                + "the machine that rendered it; the date is the file's)")).append('\n');
        md.append("- **Measured:** sizes ").append(table.sizes().stream().map(String::valueOf).collect(Collectors.joining(", ")))
                .append("; kernels ").append(table.rows().stream().filter(v -> v.kind() == Variant.Kind.SCALAR || v.kind() == Variant.Kind.VECTOR)
                        .map(Variant::kernel).distinct().collect(Collectors.joining(", ")))
                .append("; numerics ").append(table.rows().stream().flatMap(v -> v.numerics().stream()).distinct()
                        .map(n -> n.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")))
                .append('\n');
        md.append("- **JMH ").append(s.jmhVersion()).append(":** throughput mode, ").append(s.forks()).append(" fork(s), ")
                .append(s.threads()).append(" thread(s), warmup ").append(s.warmup()).append(", measurement ")
                .append(s.measurement()).append('\n');
        table.noisiest().ifPresent(n -> md.append("- **Noise:** ").append(table.noisyCount(NOISY)).append(" of ")
                .append(table.scoreCount()).append(" configurations have a 99.9% confidence half-width above ")
                .append(Math.round(100 * NOISY)).append("% of their score; the largest is ")
                .append(String.format(Locale.ROOT, "%.1f%%", 100 * n.error() / n.opsPerSecond())).append(" (")
                .append(Variant.of(n).map(Variant::shortName).orElse(n.benchmark())).append(", size ").append(n.size()).append(")\n"));
        if (!table.ignoredBenchmarks().isEmpty()) {
            md.append("- **Not in the table:** ").append(String.join(", ", table.ignoredBenchmarks())).append('\n');
        }
    }

    private void ratios(StringBuilder md) {
        Optional<Variant> fast = table.preferredVector(Numerics.FAST, context.preferredWidth());
        Optional<Variant> exact = table.preferredVector(Numerics.EXACT, context.preferredWidth());
        Optional<Variant> any = fast.or(() -> exact);
        if (any.isEmpty()) {
            md.append("No vector kernel was measured, so there are no ratios.\n");
            return;
        }
        String kernel = any.get().kernel();
        if (kernel.equals("preferred")) {
            md.append("Vector figures are those of the `preferred` kernel");
        } else if (Integer.parseInt(kernel) == context.preferredWidth()) {
            md.append("Vector figures are those of the preferred width, ").append(kernel).append(" bits");
        } else {
            md.append("Vector figures are those of the widest width measured, ").append(kernel).append(" bits (the preferred width ")
                    .append(context.preferredWidth() > 0 ? context.preferredWidth() + " was not measured" : "is unknown here").append(')');
        }
        md.append(". All ratios are of G elem/s at the same size.\n\n");

        List<Integer> sizes = table.sizes();
        md.append("| ratio |");
        sizes.forEach(s -> md.append(' ').append(s).append(" |"));
        md.append("\n|---|");
        sizes.forEach(s -> md.append("---:|"));
        md.append('\n');
        ratioRow(md, fast, Optional.of(Variant.scalar(Numerics.FAST)));
        ratioRow(md, fast, Optional.of(Variant.heapLoop(Numerics.FAST)));
        ratioRow(md, exact, fast);

        int n = sizes.size();
        List<Integer> largest = sizes.subList(Math.max(0, n - 2), n);
        md.append("\nVector / stream probe at the largest sizes: ");
        List<String> parts = new ArrayList<>();
        for (int size : largest) {
            List<String> modes = new ArrayList<>();
            for (Optional<Variant> v : List.of(exact, fast)) {
                v.ifPresent(x -> modes.add(x.shortName() + " " + ratioText(table.fractionOfStream(x, size))));
            }
            parts.add(size + ": " + String.join(", ", modes));
        }
        md.append(String.join(" · ", parts)).append(".\n");
    }

    private void ratioRow(StringBuilder md, Optional<Variant> a, Optional<Variant> b) {
        if (a.isEmpty() || b.isEmpty()) {
            return;
        }
        md.append("| ").append(a.get().shortName()).append(" / ").append(b.get().shortName()).append(" |");
        for (int size : table.sizes()) {
            md.append(' ').append(ratioText(table.ratio(a.get(), b.get(), size))).append(" |");
        }
        md.append('\n');
    }

    private static String ratioText(OptionalDouble r) {
        return r.isPresent() ? times(r.getAsDouble()) : "n/a";
    }

    /** Three significant figures for the usual range, without exponents. */
    static String number(double v) {
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
    }

    static String times(double ratio) {
        return String.format(Locale.ROOT, "%.2f×", ratio);
    }
}
