package dev.adamant.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One golden file as written by the PyTorch generator (see the golden directory's README): its
 * family, whether it is a requirement, and its cases. Read with Jackson's tree model so that cases
 * of families this reader does not understand can still be listed (and skipped) by name.
 *
 * @param fileName    the file's name, e.g. {@code adam.json}, as reports show it
 * @param family      {@code adam}, {@code simd_sizes}, {@code clip_grad_norm}, ...
 * @param requirement {@code must-match}, or {@code behavior-of-torch} for nonfinite.json
 */
public record GoldenFile(String fileName, String family, String requirement, List<GoldenCase> cases) {
    public static final String BEHAVIOR_OF_TORCH = "behavior-of-torch";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public GoldenFile {
        cases = List.copyOf(cases);
    }

    /**
     * Reads and checks a golden file.
     *
     * @throws IOException              if it cannot be read or is not JSON
     * @throws IllegalArgumentException if it is JSON but not a golden file of format version 1; the
     *                                  message names the file and, where it applies, the case
     */
    public static GoldenFile read(Path path) throws IOException {
        String name = path.getFileName().toString();
        JsonNode root = MAPPER.readTree(path.toFile());
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(name + ": not a JSON object");
        }
        int version = root.path("format_version").asInt(-1);
        if (version != 1) {
            throw new IllegalArgumentException(name + ": unsupported format_version " + root.get("format_version")
                    + " (expected 1)");
        }
        JsonNode cases = root.path("cases");
        if (!cases.isArray()) {
            throw new IllegalArgumentException(name + ": no \"cases\" array");
        }
        List<GoldenCase> parsed = new ArrayList<>(cases.size());
        for (JsonNode c : cases) {
            try {
                parsed.add(GoldenCase.parse(c));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(name + ", case " + c.path("name").asText("#" + parsed.size())
                        + ": " + e.getMessage(), e);
            }
        }
        return new GoldenFile(name, root.path("family").asText(""), root.path("requirement").asText(""), parsed);
    }

    /** In nonfinite.json torch's NaN results are documented behaviour, so NaN matches NaN; elsewhere it never does. */
    public boolean nanMatchesNan() {
        return BEHAVIOR_OF_TORCH.equals(requirement);
    }
}
