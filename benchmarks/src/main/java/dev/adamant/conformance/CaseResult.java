package dev.adamant.conformance;

import dev.adamant.kernel.Numerics;

/**
 * The outcome of replaying one case on one backend.
 *
 * @param maxUlp        EXACT: the largest element-wise ulp distance seen; FAST: the worst per-tensor
 *                      ratio {@code max|x - gold| / ulp(max|gold|)}. Over every compared tensor and step.
 * @param firstMismatch the first comparison that failed, or null when the case passed
 */
public record CaseResult(String file, String caseName, String backend, Numerics numerics, boolean passed,
                         double maxUlp, Mismatch firstMismatch) {

    /** {@code max 0 ulp} (EXACT) or {@code max 2.5 ulp(max)} (FAST). */
    public String maxText() {
        return numerics == Numerics.EXACT
                ? "max " + Comparison.formatUlps(maxUlp) + " ulp"
                : "max " + Comparison.formatRatio(maxUlp) + " ulp(max)";
    }
}
