package dev.adamant.simd;

import dev.adamant.kernel.AdagradCoefficients;
import dev.adamant.kernel.AdagradKernel;
import dev.adamant.kernel.ScalarAdagradKernel;
import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsSink;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LT;

/**
 * Fused Adagrad over MemorySegments with the Vector API, in the same operation order as
 * {@link ScalarAdagradKernel} and therefore bit-identical to it: lanes never mix, {@code fma},
 * {@code sqrt} and {@code div} are correctly rounded per lane, and the tail is the scalar kernel.
 * Both numerics modes compute the same thing (see {@link AdagradKernel}).
 *
 * <p>A template: it is never loaded as itself, only as hidden copies made by {@link KernelCopies},
 * one per lane width and numerics mode, whose class data fixes the species.
 *
 * <p>The monitored entries run their own loops ({@link #floatsMonitored}, {@link #doublesMonitored}):
 * the plain loops carry no monitoring state.
 */
final class VectorAdagradKernel implements AdagradKernel {
    private static final Specialization SPEC = Specialization.of(MethodHandles.lookup());
    private static final VectorSpecies<Float> F = SPEC.floats();
    private static final VectorSpecies<Double> D = SPEC.doubles();
    private static final ScalarAdagradKernel TAIL = ScalarAdagradKernel.of(SPEC.numerics());
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public void updateFloats(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                             long from, long to) {
        long upper = from + F.loopBound(to - from);
        floats(c, param, grad, sum, from, upper);
        TAIL.updateFloats(c, param, grad, sum, upper, to);
    }

    @Override
    public void updateDoubles(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                              long from, long to) {
        long upper = from + D.loopBound(to - from);
        doubles(c, param, grad, sum, from, upper);
        TAIL.updateDoubles(c, param, grad, sum, upper, to);
    }

    @Override
    public void updateFloats(AdagradCoefficients c, MemorySegment param, MemorySegment grad,
                             MemorySegment sum, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, sum, from, to);
            return;
        }
        long upper = from + F.loopBound(to - from);
        floatsMonitored(c, param, grad, sum, from, upper, stats);
        // the tail through the scalar kernel's two-pass default: a few elements
        TAIL.updateFloats(c, param, grad, sum, upper, to, stats);
    }

    @Override
    public void updateDoubles(AdagradCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment sum, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, sum, from, to);
            return;
        }
        long upper = from + D.loopBound(to - from);
        doublesMonitored(c, param, grad, sum, from, upper, stats);
        TAIL.updateDoubles(c, param, grad, sum, upper, to, stats);
    }

    private static void floats(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                               long from, long upper) {
        final FloatVector wd = FloatVector.broadcast(F, (float) c.weightDecay());
        final FloatVector negClr = FloatVector.broadcast(F, (float) c.negClr());
        final FloatVector eps = FloatVector.broadcast(F, (float) c.eps());
        final boolean l2 = c.weightDecay() != 0, maximize = c.maximize();
        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final FloatVector gradScale = FloatVector.broadcast(F, (float) c.gradScale());
        // then torch's clip_grad_value_ (clamp_), as two compare-and-blends: for a bound c >= +0 the same
        // bits as Math.min(Math.max(g, -c), c) (NaN compares false and stays NaN; zeros keep their sign),
        // without the NaN and signed-zero fix-ups of lane-wise min/max
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final FloatVector clipValue = FloatVector.broadcast(F, (float) c.clipValue());
        final FloatVector negClipValue = clipValue.neg();
        for (long i = from; i < upper; i += F.length()) {
            long at = i * Float.BYTES;
            FloatVector p = FloatVector.fromMemorySegment(F, param, at, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(F, grad, at, ORDER);
            if (scaled) g = g.mul(gradScale);
            if (clamped) g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
            if (maximize) g = g.neg();
            if (l2) g = p.fma(wd, g);
            FloatVector s = g.fma(g, FloatVector.fromMemorySegment(F, sum, at, ORDER));
            s.intoMemorySegment(sum, at, ORDER);
            p = p.add(negClr.mul(g).div(s.sqrt().add(eps)));
            p.intoMemorySegment(param, at, ORDER);
        }
    }

    private static void doubles(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                                long from, long upper) {
        final DoubleVector wd = DoubleVector.broadcast(D, c.weightDecay());
        final DoubleVector negClr = DoubleVector.broadcast(D, c.negClr());
        final DoubleVector eps = DoubleVector.broadcast(D, c.eps());
        final boolean l2 = c.weightDecay() != 0, maximize = c.maximize();
        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final DoubleVector gradScale = DoubleVector.broadcast(D, c.gradScale());
        // then torch's clip_grad_value_ (clamp_), as two compare-and-blends: for a bound c >= +0 the same
        // bits as Math.min(Math.max(g, -c), c) (NaN compares false and stays NaN; zeros keep their sign),
        // without the NaN and signed-zero fix-ups of lane-wise min/max
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final DoubleVector clipValue = DoubleVector.broadcast(D, c.clipValue());
        final DoubleVector negClipValue = clipValue.neg();
        for (long i = from; i < upper; i += D.length()) {
            long at = i * Double.BYTES;
            DoubleVector p = DoubleVector.fromMemorySegment(D, param, at, ORDER);
            DoubleVector g = DoubleVector.fromMemorySegment(D, grad, at, ORDER);
            if (scaled) g = g.mul(gradScale);
            if (clamped) g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
            if (maximize) g = g.neg();
            if (l2) g = p.fma(wd, g);
            DoubleVector s = g.fma(g, DoubleVector.fromMemorySegment(D, sum, at, ORDER));
            s.intoMemorySegment(sum, at, ORDER);
            p = p.add(negClr.mul(g).div(s.sqrt().add(eps)));
            p.intoMemorySegment(param, at, ORDER);
        }
    }

    /**
     * {@link #floats} plus the monitoring figures, kept in lanes over blocks of {@link FusedStats#BLOCK}
     * elements (see {@link FusedStats}). The update lines are those of {@link #floats}: the same bits.
     */
    private static void floatsMonitored(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                                        long from, long upper,
                                        StepStatsSink stats) {
        final FloatVector wd = FloatVector.broadcast(F, (float) c.weightDecay());
        final FloatVector negClr = FloatVector.broadcast(F, (float) c.negClr());
        final FloatVector eps = FloatVector.broadcast(F, (float) c.eps());
        final boolean l2 = c.weightDecay() != 0, maximize = c.maximize();
        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final FloatVector gradScale = FloatVector.broadcast(F, (float) c.gradScale());
        // then torch's clip_grad_value_ (clamp_), as two compare-and-blends: for a bound c >= +0 the same
        // bits as Math.min(Math.max(g, -c), c) (NaN compares false and stays NaN; zeros keep their sign),
        // without the NaN and signed-zero fix-ups of lane-wise min/max
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final FloatVector clipValue = FloatVector.broadcast(F, (float) c.clipValue());
        final FloatVector negClipValue = clipValue.neg();
        final FloatVector positiveInfinity = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
        final StatsAccumulator into = stats.accumulator();
        final float[] lanes = stats.floatLanes(FusedStats.SUMS * F.length()); // a block's lane sums
        for (long block = from; block < upper; block += FusedStats.BLOCK) {
            final long end = Math.min(block + FusedStats.BLOCK, upper);
            FloatVector gradSquares = FloatVector.zero(F), unclampedSum = FloatVector.zero(F),
                    updateSquares = FloatVector.zero(F), paramSquares = FloatVector.zero(F),
                    firstAbs = FloatVector.zero(F), secondSum = FloatVector.zero(F),
                    secondMin = positiveInfinity, secondMax = positiveInfinity.neg();
            for (long i = block; i < end; i += F.length()) {
                long at = i * Float.BYTES;
                final FloatVector old = FloatVector.fromMemorySegment(F, param, at, ORDER);
                FloatVector p = old;
                FloatVector g = FloatVector.fromMemorySegment(F, grad, at, ORDER);
                if (scaled) g = g.mul(gradScale);
                if (clamped) {
                    unclampedSum = unclampedSum.add(g); // still ±∞ where the clamp makes the bound of it
                    g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
                }
                gradSquares = g.fma(g, gradSquares);
                if (maximize) g = g.neg();
                if (l2) g = p.fma(wd, g);
                FloatVector s = g.fma(g, FloatVector.fromMemorySegment(F, sum, at, ORDER));
                s.intoMemorySegment(sum, at, ORDER);
                p = p.add(negClr.mul(g).div(s.sqrt().add(eps)));
                p.intoMemorySegment(param, at, ORDER);
                FloatVector step = p.sub(old);
                updateSquares = step.fma(step, updateSquares);
                paramSquares = p.fma(p, paramSquares);
                secondSum = secondSum.add(s);
                // compare and blend: NaN never wins, as in StepStatsKernel
                secondMin = secondMin.blend(s, s.compare(LT, secondMin));
                secondMax = secondMax.blend(s, s.compare(GT, secondMax));
            }
            gradSquares.intoArray(lanes, 0);
            unclampedSum.intoArray(lanes, F.length());
            updateSquares.intoArray(lanes, 2 * F.length());
            paramSquares.intoArray(lanes, 3 * F.length());
            firstAbs.intoArray(lanes, 4 * F.length());
            secondSum.intoArray(lanes, 5 * F.length());
            FusedStats.addFloatBlock(into, grad, c.gradScale(), c.clipValue(), block, end, lanes, false, true,
                    secondMin.reduceLanes(VectorOperators.MIN), secondMax.reduceLanes(VectorOperators.MAX));
        }
    }

    /** {@link #doubles} plus the monitoring figures, as {@link #floatsMonitored} (block sums in double). */
    private static void doublesMonitored(AdagradCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment sum,
                                         long from, long upper,
                                         StepStatsSink stats) {
        final DoubleVector wd = DoubleVector.broadcast(D, c.weightDecay());
        final DoubleVector negClr = DoubleVector.broadcast(D, c.negClr());
        final DoubleVector eps = DoubleVector.broadcast(D, c.eps());
        final boolean l2 = c.weightDecay() != 0, maximize = c.maximize();
        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final DoubleVector gradScale = DoubleVector.broadcast(D, c.gradScale());
        // then torch's clip_grad_value_ (clamp_), as two compare-and-blends: for a bound c >= +0 the same
        // bits as Math.min(Math.max(g, -c), c) (NaN compares false and stays NaN; zeros keep their sign),
        // without the NaN and signed-zero fix-ups of lane-wise min/max
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final DoubleVector clipValue = DoubleVector.broadcast(D, c.clipValue());
        final DoubleVector negClipValue = clipValue.neg();
        final DoubleVector positiveInfinity = DoubleVector.broadcast(D, Double.POSITIVE_INFINITY);
        final StatsAccumulator into = stats.accumulator();
        final double[] lanes = stats.doubleLanes(FusedStats.SUMS * D.length()); // a block's lane sums
        for (long block = from; block < upper; block += FusedStats.BLOCK) {
            final long end = Math.min(block + FusedStats.BLOCK, upper);
            DoubleVector gradSquares = DoubleVector.zero(D), unclampedSum = DoubleVector.zero(D),
                    updateSquares = DoubleVector.zero(D), paramSquares = DoubleVector.zero(D),
                    firstAbs = DoubleVector.zero(D), secondSum = DoubleVector.zero(D),
                    secondMin = positiveInfinity, secondMax = positiveInfinity.neg();
            for (long i = block; i < end; i += D.length()) {
                long at = i * Double.BYTES;
                final DoubleVector old = DoubleVector.fromMemorySegment(D, param, at, ORDER);
                DoubleVector p = old;
                DoubleVector g = DoubleVector.fromMemorySegment(D, grad, at, ORDER);
                if (scaled) g = g.mul(gradScale);
                if (clamped) {
                    unclampedSum = unclampedSum.add(g); // still ±∞ where the clamp makes the bound of it
                    g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
                }
                gradSquares = g.fma(g, gradSquares);
                if (maximize) g = g.neg();
                if (l2) g = p.fma(wd, g);
                DoubleVector s = g.fma(g, DoubleVector.fromMemorySegment(D, sum, at, ORDER));
                s.intoMemorySegment(sum, at, ORDER);
                p = p.add(negClr.mul(g).div(s.sqrt().add(eps)));
                p.intoMemorySegment(param, at, ORDER);
                DoubleVector step = p.sub(old);
                updateSquares = step.fma(step, updateSquares);
                paramSquares = p.fma(p, paramSquares);
                secondSum = secondSum.add(s);
                // compare and blend: NaN never wins, as in StepStatsKernel
                secondMin = secondMin.blend(s, s.compare(LT, secondMin));
                secondMax = secondMax.blend(s, s.compare(GT, secondMax));
            }
            gradSquares.intoArray(lanes, 0);
            unclampedSum.intoArray(lanes, D.length());
            updateSquares.intoArray(lanes, 2 * D.length());
            paramSquares.intoArray(lanes, 3 * D.length());
            firstAbs.intoArray(lanes, 4 * D.length());
            secondSum.intoArray(lanes, 5 * D.length());
            FusedStats.addDoubleBlock(into, grad, c.gradScale(), c.clipValue(), block, end, lanes, false, true,
                    secondMin.reduceLanes(VectorOperators.MIN), secondMax.reduceLanes(VectorOperators.MAX));
        }
    }
}
