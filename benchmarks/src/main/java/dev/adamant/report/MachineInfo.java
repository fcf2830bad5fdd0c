package dev.adamant.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The machine a report describes: CPU model, logical CPUs, memory. */
public record MachineInfo(String cpuModel, int logicalCpus, Optional<String> memory) {

    /** This machine, from {@code /proc/cpuinfo} and {@code /proc/meminfo} where they exist. */
    public static MachineInfo detect() {
        String cpu = lines(Path.of("/proc/cpuinfo")).flatMap(MachineInfo::cpuModel)
                .orElse("unknown CPU (" + System.getProperty("os.arch") + ", " + System.getProperty("os.name") + ")");
        return new MachineInfo(cpu, Runtime.getRuntime().availableProcessors(),
                lines(Path.of("/proc/meminfo")).flatMap(MachineInfo::memory));
    }

    /** The first {@code model name} of a /proc/cpuinfo listing (x86), or its {@code Hardware}/{@code CPU part} otherwise. */
    static Optional<String> cpuModel(List<String> cpuinfo) {
        for (String key : List.of("model name", "Hardware", "cpu model", "CPU part")) {
            Optional<String> v = value(cpuinfo, key);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    /** {@code MemTotal: 24567890 kB} -> {@code 23.4 GiB}. */
    static Optional<String> memory(List<String> meminfo) {
        return value(meminfo, "MemTotal").map(v -> v.replace("kB", "").trim()).flatMap(kb -> {
            try {
                return Optional.of(String.format(java.util.Locale.ROOT, "%.1f GiB", Long.parseLong(kb) / (1024.0 * 1024.0)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private static Optional<String> value(List<String> lines, String key) {
        return lines.stream()
                .filter(l -> l.startsWith(key) && l.indexOf(':') > 0 && l.substring(0, l.indexOf(':')).trim().equals(key))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .filter(v -> !v.isEmpty())
                .findFirst();
    }

    private static Optional<List<String>> lines(Path file) {
        try {
            return Files.isReadable(file) ? Optional.of(Files.readAllLines(file)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
