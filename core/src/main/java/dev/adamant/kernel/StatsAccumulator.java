package dev.adamant.kernel;

/**
 * Running sums behind the step statistics of one range of elements, filled by a
 * {@link StepStatsKernel} and combined in a fixed order, so a step's statistics do not depend on how
 * many threads ran it. Mutable and reused: a step allocates none.
 */
public final class StatsAccumulator {
    /** Σ g², of the gradient as the step used it (after unscaling and clipping). */
    public double gradSquares;
    /** Σ (p_after - p_before)². */
    public double updateSquares;
    /** Σ p_after². */
    public double paramSquares;
    /** Σ |first moment| (exp_avg, momentum_buffer); 0 when the optimizer has none. */
    public double firstMomentAbs;
    /** Σ second moment (exp_avg_sq, square_avg, sum, exp_inf); 0 when the optimizer has none. */
    public double secondMoment;
    /** Smallest and largest second moment (minus the centre's square where there is one), NaN ignored. */
    public double secondMomentMin = Double.POSITIVE_INFINITY;
    public double secondMomentMax = Double.NEGATIVE_INFINITY;
    /** Gradient elements that are NaN or ±Inf (after scaling). */
    public long nonFiniteGrads;
    /** Elements seen. */
    public long elements;

    public StatsAccumulator reset() {
        gradSquares = 0;
        updateSquares = 0;
        paramSquares = 0;
        firstMomentAbs = 0;
        secondMoment = 0;
        secondMomentMin = Double.POSITIVE_INFINITY;
        secondMomentMax = Double.NEGATIVE_INFINITY;
        nonFiniteGrads = 0;
        elements = 0;
        return this;
    }

    /** Adds {@code other}'s sums into this one. */
    public StatsAccumulator add(StatsAccumulator other) {
        gradSquares += other.gradSquares;
        updateSquares += other.updateSquares;
        paramSquares += other.paramSquares;
        firstMomentAbs += other.firstMomentAbs;
        secondMoment += other.secondMoment;
        if (other.elements > 0) {
            secondMomentMin = Math.min(secondMomentMin, other.secondMomentMin);
            secondMomentMax = Math.max(secondMomentMax, other.secondMomentMax);
        }
        nonFiniteGrads += other.nonFiniteGrads;
        elements += other.elements;
        return this;
    }
}
