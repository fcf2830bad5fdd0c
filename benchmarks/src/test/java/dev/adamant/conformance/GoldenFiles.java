package dev.adamant.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finds the golden directory for tests: {@code -Dadamant.golden} (which the poms set, and a user
 * property or {@code ADAMANT_GOLDEN} overrides), else the environment variable for IDE runs. A
 * missing directory fails the test: a conformance suite that skips itself proves nothing.
 */
public final class GoldenFiles {
    private static final Map<String, GoldenFile> CACHE = new ConcurrentHashMap<>();

    private GoldenFiles() {
    }

    public static Path directory() {
        String property = System.getProperty("adamant.golden");
        String env = System.getenv("ADAMANT_GOLDEN");
        String chosen = property != null ? property : env;
        if (chosen == null || !Files.isDirectory(Path.of(chosen))) {
            fail("golden directory not found: looked at -Dadamant.golden=" + property + " and $ADAMANT_GOLDEN="
                    + env + (chosen == null ? "" : " (" + Path.of(chosen).toAbsolutePath() + " is not a directory)")
                    + "; pass -Dadamant.golden=/path/to/shared/golden");
        }
        return Path.of(chosen);
    }

    public static Path path(String fileName) {
        Path p = directory().resolve(fileName);
        if (!Files.isRegularFile(p)) {
            fail("golden file " + p.toAbsolutePath() + " is missing");
        }
        return p;
    }

    public static GoldenFile read(String fileName) {
        return CACHE.computeIfAbsent(fileName, name -> {
            try {
                return GoldenFile.read(path(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
