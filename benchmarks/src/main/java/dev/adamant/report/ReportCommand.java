package dev.adamant.report;

import dev.adamant.kernel.Backends;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code adamant report FILE [--out DIR] [--preferred-width BITS]}: renders the report folder
 * from an existing JMH JSON result file, exactly as {@code adamant bench} does after its run.
 */
public final class ReportCommand {

    /** A checked command line, with its JSON already read. */
    public record Request(Path json, JmhRun run, Path out, int preferredWidth) {
    }

    private ReportCommand() {
    }

    /** Checks the arguments and reads the file; throws IllegalArgumentException naming the bad value. */
    public static Request parse(List<String> args) {
        Path out = Path.of("report");
        Optional<Path> file = Optional.empty();
        int width = Backends.preferredLaneWidth();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                if (file.isPresent()) {
                    throw new IllegalArgumentException("report takes one JSON file, got '" + file.get() + "' and '" + a + "'");
                }
                file = Optional.of(Path.of(a));
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
                throw new IllegalArgumentException(option + " needs a value");
            }
            switch (option) {
                case "--out" -> out = Path.of(value);
                case "--preferred-width" -> width = switch (value) {
                    case "128", "256", "512" -> Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("invalid --preferred-width '" + value + "' (expected 128, 256, 512)");
                };
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        Path json = file.orElseThrow(() -> new IllegalArgumentException("report needs a JMH JSON result file"));
        if (!Files.isRegularFile(json)) {
            throw new IllegalArgumentException("no such file: " + json);
        }
        try {
            return new Request(json, JmhRun.read(json), out, width);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + json + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(json + ": " + e.getMessage(), e);
        }
    }

    /** Writes the report folder; returns the exit code. */
    public static int run(Request request, PrintStream out) throws IOException {
        ReportContext context = new ReportContext(MachineInfo.detect(), Files.getLastModifiedTime(request.json()).toInstant(),
                Optional.empty(), request.preferredWidth());
        ReportFolder.write(request.run(), request.json(), request.out(), context, out);
        return 0;
    }
}
