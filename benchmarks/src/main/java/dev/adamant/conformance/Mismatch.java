package dev.adamant.conformance;

/**
 * Where a replay first disagreed with torch. Values are already formatted in the tensor's dtype
 * (shortest round-trip decimal), so a float32 prints as the file wrote it.
 *
 * @param step     the 1-based optimizer step after which the comparison ran
 * @param tensor   {@code param}, {@code exp_avg}, ... (prefixed with the tensor's name in param_groups cases)
 * @param index    the element, or -1 when the problem is not one element (missing state, engine error)
 * @param distance {@code 2 ulp}, {@code 20.5 ulp(max) > 16}, ...; empty for structural problems
 */
public record Mismatch(int step, String tensor, long index, String expected, String actual, String distance) {

    /** A problem that is not a numeric difference: missing state, wrong size, an exception from the engine. */
    public static Mismatch structural(int step, String tensor, String problem) {
        return new Mismatch(step, tensor, -1, null, problem, "");
    }

    /** {@code step 3 exp_avg[17]: expected 0.1234 got 0.1235 (2 ulp)}. */
    public String describe() {
        String where = "step " + step + " " + tensor + (index >= 0 ? "[" + index + "]" : "");
        if (expected == null) {
            return where + ": " + actual;
        }
        return where + ": expected " + expected + " got " + actual + (distance.isEmpty() ? "" : " (" + distance + ")");
    }
}
