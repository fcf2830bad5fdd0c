package dev.adamant.report;

import java.time.Instant;
import java.util.Optional;

/**
 * What a report says besides the JMH results: where and when it was measured, the name of the
 * sweep if the run was made by {@code adamant bench}, and the JVM's preferred lane width (the
 * JSON does not record it), 0 if unknown.
 */
public record ReportContext(MachineInfo machine, Instant date, Optional<String> sweep, int preferredWidth) {
}
