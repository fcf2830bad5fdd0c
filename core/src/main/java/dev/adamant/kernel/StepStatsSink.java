package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Where a monitored kernel call puts the figures of its element range: the range's
 * {@link StatsAccumulator}, plus what the two-pass fallback needs for kernels that do not compute the
 * figures inside their update loop. One per worker thread, pointed at the next range with
 * {@link #target} before each call; a monitored step allocates none.
 *
 * <p>Each kernel interface has a monitored entry (a last {@code StepStatsSink} argument) whose
 * default is the two-pass fallback: {@link #saveOldParams} copies the range's parameters to the
 * sink's scratch buffer, the plain update runs, then {@link #accumulateFloats} /
 * {@link #accumulateDoubles} run {@link StepStatsKernel} over the range while it is still in cache,
 * on the moment segments given to {@link #target}. A vector kernel that fuses the figures into its
 * update loop overrides the entry and adds into {@link #accumulator()} directly; its figures are the
 * same ones, computed from the values already in registers (its tests compare the two). A null sink
 * means the call is not monitored: the entry runs the plain update, so an optimizer keeps one call
 * path for both kinds of step.
 */
public final class StepStatsSink {
    private final StepStatsKernel kernel;
    private final MemorySegment oldParams;
    private StatsAccumulator into;
    private MemorySegment firstMoment, secondMoment, center;
    private double gradScale = 1, gradClamp = Double.POSITIVE_INFINITY;
    private float[] floatLanes = new float[0];
    private double[] doubleLanes = new double[0];

    /**
     * @param kernel    the reduction the fallback runs after the update
     * @param oldParams scratch for the old parameters of one range: at least as many bytes as the
     *                  longest range a fallback call covers
     */
    public StepStatsSink(StepStatsKernel kernel, MemorySegment oldParams) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.oldParams = Objects.requireNonNull(oldParams, "oldParams");
    }

    /**
     * Points this sink at the next range: its figures go into {@code into}; the fallback reads the
     * given moments (null where the optimizer reports none) and the gradient as the step used it,
     * {@code grad * gradScale} clamped to {@code [-gradClamp, gradClamp]} (+∞: no clamp).
     */
    public StepStatsSink target(StatsAccumulator into, MemorySegment firstMoment, MemorySegment secondMoment,
                                MemorySegment center, double gradScale, double gradClamp) {
        this.into = into;
        this.firstMoment = firstMoment;
        this.secondMoment = secondMoment;
        this.center = center;
        this.gradScale = gradScale;
        this.gradClamp = gradClamp;
        return this;
    }

    /** The accumulator of the current range: fused kernels add their figures here. */
    public StatsAccumulator accumulator() {
        return into;
    }

    /**
     * Scratch of at least {@code length} floats where a fused kernel spills its lane sums at the end
     * of a block; the same array on every call of this sink's thread, so a monitored step allocates
     * nothing per call.
     */
    public float[] floatLanes(int length) {
        if (floatLanes.length < length) {
            floatLanes = new float[length];
        }
        return floatLanes;
    }

    /** {@link #floatLanes} for float64 kernels. */
    public double[] doubleLanes(int length) {
        if (doubleLanes.length < length) {
            doubleLanes = new double[length];
        }
        return doubleLanes;
    }

    /** Fallback, before the update: keeps the parameters {@code [from, to)} of elements of {@code elementBytes}. */
    public void saveOldParams(MemorySegment param, long from, long to, long elementBytes) {
        MemorySegment.copy(param, from * elementBytes, oldParams, 0, (to - from) * elementBytes);
    }

    /** Fallback, after the update: the figures of float32 elements {@code [from, to)}, saved by {@link #saveOldParams}. */
    public void accumulateFloats(MemorySegment param, MemorySegment grad, long from, long to) {
        if (from >= to) {
            // a fused kernel's empty tail: the reduction would still slice its buffers, and once C2
            // stops inlining it (seen after other optimizers' monitored steps) each slice is 40 bytes
            return;
        }
        kernel.accumulateFloats(oldParams, param, grad, gradScale, gradClamp, firstMoment, secondMoment, center, from, to, into);
    }

    /** Fallback, after the update: the figures of float64 elements {@code [from, to)}, saved by {@link #saveOldParams}. */
    public void accumulateDoubles(MemorySegment param, MemorySegment grad, long from, long to) {
        if (from >= to) {
            return; // see accumulateFloats
        }
        kernel.accumulateDoubles(oldParams, param, grad, gradScale, gradClamp, firstMoment, secondMoment, center, from, to, into);
    }
}
