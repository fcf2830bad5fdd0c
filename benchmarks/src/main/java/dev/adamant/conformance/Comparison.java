package dev.adamant.conformance;

import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Ulps;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * How close a replayed tensor must be to torch's, per numerics mode (golden README, "Comparing
 * results").
 *
 * <ul>
 *   <li>EXACT promises torch's operation order, so every element must be 0 ulp away.</li>
 *   <li>FAST reorders the division, so element-wise ulps mean little near cancellation; the
 *       bound is normwise per tensor: {@code max_i |x_i - gold_i| <= 16 ulp(max_i |gold_i|)}, with
 *       the ulp taken in the tensor's dtype. Non-finite expected values must still match exactly.</li>
 * </ul>
 * NaN matches NaN only where the file documents torch's behaviour ({@code nanMatchesNan}); in a
 * must-match file a NaN on either side is a failure.
 */
public final class Comparison {
    /** README: K = 16 for params and moments. Not to be loosened to make a kernel pass. */
    public static final double FAST_BOUND = 16;

    private final Numerics numerics;
    private final boolean nanMatchesNan;

    public Comparison(Numerics numerics, boolean nanMatchesNan) {
        this.numerics = numerics;
        this.nanMatchesNan = nanMatchesNan;
    }

    /**
     * @param score    EXACT: max ulp distance; FAST: the normwise ratio (see the class comment)
     * @param mismatch null when within tolerance
     */
    public record Verdict(double score, Mismatch mismatch) {
    }

    public Verdict compare(int step, String tensor, DType dtype, double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            return new Verdict(Double.POSITIVE_INFINITY, Mismatch.structural(step, tensor,
                    "expected " + expected.length + " elements, the engine has " + actual.length));
        }
        return numerics == Numerics.EXACT
                ? exact(step, tensor, dtype, expected, actual)
                : normwise(step, tensor, dtype, expected, actual);
    }

    private Verdict exact(int step, String tensor, DType dtype, double[] expected, double[] actual) {
        long max = 0;
        Mismatch first = null;
        for (int i = 0; i < expected.length; i++) {
            long d = distance(dtype, expected[i], actual[i]);
            if (d > 0 && first == null) {
                first = mismatch(step, tensor, dtype, i, expected[i], actual[i],
                        d == Long.MAX_VALUE ? "not comparable" : d + " ulp");
            }
            max = Math.max(max, d);
        }
        return new Verdict(max, first);
    }

    private long distance(DType dtype, double e, double a) {
        if ((Double.isNaN(e) || Double.isNaN(a)) && !nanMatchesNan) {
            return Long.MAX_VALUE;
        }
        return dtype == DType.FLOAT32 ? Ulps.distance((float) e, (float) a) : Ulps.distance(e, a);
    }

    private Verdict normwise(int step, String tensor, DType dtype, double[] expected, double[] actual) {
        double maxAbs = 0, maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!Double.isFinite(e) || !Double.isFinite(a)) {
                // no norm covers Inf or NaN: the two must agree exactly
                if (distance(dtype, e, a) != 0) {
                    return new Verdict(Double.POSITIVE_INFINITY,
                            mismatch(step, tensor, dtype, i, e, a, "non-finite value differs"));
                }
                continue;
            }
            maxAbs = Math.max(maxAbs, Math.abs(e));
            double diff = Math.abs(a - e);
            if (diff > maxDiff) {
                maxDiff = diff;
                worst = i;
            }
        }
        double ulp = dtype == DType.FLOAT32 ? Math.ulp((float) maxAbs) : Math.ulp(maxAbs);
        double ratio = maxDiff / ulp;
        if (ratio <= FAST_BOUND) {
            return new Verdict(ratio, null);
        }
        return new Verdict(ratio, mismatch(step, tensor, dtype, worst, expected[worst], actual[worst],
                formatRatio(ratio) + " ulp(max) > " + formatRatio(FAST_BOUND)));
    }

    private static Mismatch mismatch(int step, String tensor, DType dtype, int i, double e, double a, String distance) {
        return new Mismatch(step, tensor, i, format(dtype, e), format(dtype, a), distance);
    }

    static String format(DType dtype, double v) {
        return dtype == DType.FLOAT32 ? Float.toString((float) v) : Double.toString(v);
    }

    static String formatUlps(double ulps) {
        return ulps >= Long.MAX_VALUE ? "NaN" : Long.toString((long) ulps);
    }

    /** Three significant digits, no trailing zeros: {@code 0}, {@code 0.5}, {@code 12.3}. */
    static String formatRatio(double ratio) {
        if (!Double.isFinite(ratio)) {
            return ratio > 0 ? "inf" : "NaN";
        }
        return new BigDecimal(ratio).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
