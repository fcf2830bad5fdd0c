package dev.adamant.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The report folder: {@code jmh.json} (JMH's raw results), {@code report.md} and
 * {@code throughput.png}. Both {@code adamant bench} and {@code adamant report} end here.
 */
public final class ReportFolder {
    public static final String JSON = "jmh.json", MARKDOWN = "report.md", CHART = MarkdownReport.CHART_FILE;

    private ReportFolder() {
    }

    /**
     * Renders the report of a JMH run read from {@code jmhJson} into {@code dir} (created if
     * needed), copying the JSON in unless it is already {@code dir/jmh.json}, then prints the
     * table and the folder's path.
     *
     * @throws IllegalArgumentException if the results cannot be tabulated (two results for one cell)
     */
    public static MarkdownReport write(JmhRun run, Path jmhJson, Path dir, ReportContext context, PrintStream out)
            throws IOException {
        MarkdownReport report = new MarkdownReport(run, context);
        Files.createDirectories(dir);
        Path json = dir.resolve(JSON);
        if (!Files.exists(json) || !Files.isSameFile(jmhJson, json)) {
            Files.copy(jmhJson, json, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(dir.resolve(MARKDOWN), report.render());
        ThroughputChart.write(report.table(), context.preferredWidth(), dir.resolve(CHART));
        MixedPrecisionTable mixed = new MixedPrecisionTable(run);
        if (!mixed.isEmpty()) {
            mixed.writeChart(dir.resolve(MixedPrecisionTable.CHART_FILE));
        }
        out.println();
        out.print(report.tableSection());
        out.println();
        out.println("report: " + dir.toAbsolutePath().normalize() + " (" + MARKDOWN + ", " + CHART + ", " + JSON + ")");
        return report;
    }
}
