package dev.adamant.report;

import dev.adamant.bench.OptimizerStepBenchmark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The optimizer family section: per optimizer and size, one {@code step()} on the scalar
 * reference and on the vector kernels at the preferred width ({@link OptimizerStepBenchmark}),
 * with the bytes one fp32 element moves and the bandwidth that gives.
 */
final class FamilyTable {
    static final String BENCHMARK = OptimizerStepBenchmark.class.getSimpleName();

    private record Row(String optimizer, int size, OptionalDouble scalar, OptionalDouble vector) {
    }

    private final List<Row> rows = new ArrayList<>();

    FamilyTable(JmhRun run) {
        run.scores().stream()
                .filter(s -> s.benchmark().equals(BENCHMARK))
                .map(s -> s.param("optimizer") + "@" + s.size())
                .distinct()
                .forEach(key -> {
                    String optimizer = key.substring(0, key.indexOf('@'));
                    int size = Integer.parseInt(key.substring(key.indexOf('@') + 1));
                    rows.add(new Row(optimizer, size, elementsPerSecond(run, optimizer, size, "scalar"),
                            elementsPerSecond(run, optimizer, size, "preferred")));
                });
        rows.sort(Comparator.comparing(Row::optimizer).thenComparingInt(Row::size));
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    private static OptionalDouble elementsPerSecond(JmhRun run, String optimizer, int size, String backend) {
        return run.scores().stream()
                .filter(s -> s.benchmark().equals(BENCHMARK) && s.param("optimizer").equals(optimizer)
                        && s.size() == size && backend.equals(s.param("backend")))
                .mapToDouble(s -> s.opsPerSecond() * size)
                .findFirst();
    }

    String render(int preferredWidth) {
        StringBuilder md = new StringBuilder();
        md.append("Each optimizer's `step()` on one fp32 tensor with its default hyperparameters, through the public "
                + "API on one step thread: G elem/s on the scalar reference and on the vector kernels at the preferred width")
                .append(preferredWidth > 0 ? " (" + preferredWidth + "-bit)" : "")
                .append(", the speed-up, and the vector kernel's memory traffic (bytes per element × elements/s).\n\n");
        md.append("| optimizer | size | bytes/elem | reference | vector | speed-up | vector GB/s |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            OptimizerStepBenchmark.Member member = OptimizerStepBenchmark.FAMILY.get(r.optimizer());
            int bytes = member == null ? 0 : member.bytesPerElement();
            md.append("| ").append(r.optimizer()).append(" | ").append(r.size()).append(" | ")
                    .append(bytes == 0 ? "?" : Integer.toString(bytes)).append(" | ")
                    .append(giga(r.scalar())).append(" | ").append(giga(r.vector())).append(" | ")
                    .append(r.scalar().isPresent() && r.vector().isPresent()
                            ? MarkdownReport.times(r.vector().getAsDouble() / r.scalar().getAsDouble()) : "—")
                    .append(" | ")
                    .append(r.vector().isPresent() && bytes > 0
                            ? String.format(Locale.ROOT, "%.1f", r.vector().getAsDouble() * bytes / 1e9) : "—")
                    .append(" |\n");
        }
        return md.toString();
    }

    private static String giga(OptionalDouble elementsPerSecond) {
        return elementsPerSecond.isPresent() ? MarkdownReport.number(elementsPerSecond.getAsDouble() / 1e9) : "—";
    }
}
