package dev.adamant.simd;

import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarSgdKernel;
import dev.adamant.kernel.SgdCoefficients;
import dev.adamant.kernel.SgdKernel;
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
 * Fused SGD over MemorySegments with the Vector API, in the same operation order as
 * {@link ScalarSgdKernel} and therefore bit-identical to it: lanes never mix, {@code fma} is
 * correctly rounded per lane, and the tail is the scalar kernel. Both numerics modes run the same
 * loop (SGD has nothing to fold).
 *
 * <p>A template: it is never loaded as itself, only as hidden copies made by {@link KernelCopies},
 * one per lane width and numerics mode, whose class data fixes the species.
 *
 * <p>The monitored entries run their own loops ({@link #floatsMonitored}, {@link #doublesMonitored}):
 * the plain loops carry no monitoring state.
 */
final class VectorSgdKernel implements SgdKernel {
    private static final Specialization SPEC = Specialization.of(MethodHandles.lookup());
    private static final VectorSpecies<Float> F = SPEC.floats();
    private static final VectorSpecies<Double> D = SPEC.doubles();
    private static final ScalarSgdKernel TAIL = ScalarSgdKernel.of(SPEC.numerics());
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public void updateFloats(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                             long from, long to) {
        long upper = from + F.loopBound(to - from);
        floats(c, param, grad, momentumBuffer, from, upper);
        // the tail stays outside the loop method, which keeps that method small enough for C2
        TAIL.updateFloats(c, param, grad, momentumBuffer, upper, to);
    }

    @Override
    public void updateDoubles(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                              long from, long to) {
        long upper = from + D.loopBound(to - from);
        doubles(c, param, grad, momentumBuffer, from, upper);
        TAIL.updateDoubles(c, param, grad, momentumBuffer, upper, to);
    }

    @Override
    public void updateFloats(SgdCoefficients c, MemorySegment param, MemorySegment grad,
                             MemorySegment momentumBuffer, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, momentumBuffer, from, to);
            return;
        }
        long upper = from + F.loopBound(to - from);
        floatsMonitored(c, param, grad, momentumBuffer, from, upper, stats);
        // the tail through the scalar kernel's two-pass default: a few elements
        TAIL.updateFloats(c, param, grad, momentumBuffer, upper, to, stats);
    }

    @Override
    public void updateDoubles(SgdCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment momentumBuffer, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, momentumBuffer, from, to);
            return;
        }
        long upper = from + D.loopBound(to - from);
        doublesMonitored(c, param, grad, momentumBuffer, from, upper, stats);
        TAIL.updateDoubles(c, param, grad, momentumBuffer, upper, to, stats);
    }

    private static void floats(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                               long from, long upper) {
        final FloatVector wd = FloatVector.broadcast(F, (float) c.weightDecay());
        final FloatVector momentum = FloatVector.broadcast(F, (float) c.momentum());
        final FloatVector oneMinusDampening = FloatVector.broadcast(F, (float) c.oneMinusDampening());
        final FloatVector negLr = FloatVector.broadcast(F, (float) c.negLr());
        final boolean l2 = c.weightDecay() != 0, useMomentum = c.useMomentum();
        final boolean nesterov = c.nesterov(), maximize = c.maximize(), first = c.firstStep();
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
            FloatVector d = FloatVector.fromMemorySegment(F, grad, at, ORDER);
            if (scaled) d = d.mul(gradScale);
            if (clamped) d = d.blend(clipValue, d.compare(GT, clipValue)).blend(negClipValue, d.compare(LT, negClipValue));
            if (maximize) d = d.neg();
            if (l2) d = p.fma(wd, d);
            if (useMomentum) {
                // first step: torch clones d into the buffer, without dampening
                FloatVector buf = first ? d
                        : d.fma(oneMinusDampening, FloatVector.fromMemorySegment(F, momentumBuffer, at, ORDER).mul(momentum));
                buf.intoMemorySegment(momentumBuffer, at, ORDER);
                d = nesterov ? buf.fma(momentum, d) : buf;
            }
            d.fma(negLr, p).intoMemorySegment(param, at, ORDER);
        }
    }

    private static void doubles(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                                long from, long upper) {
        final DoubleVector wd = DoubleVector.broadcast(D, c.weightDecay());
        final DoubleVector momentum = DoubleVector.broadcast(D, c.momentum());
        final DoubleVector oneMinusDampening = DoubleVector.broadcast(D, c.oneMinusDampening());
        final DoubleVector negLr = DoubleVector.broadcast(D, c.negLr());
        final boolean l2 = c.weightDecay() != 0, useMomentum = c.useMomentum();
        final boolean nesterov = c.nesterov(), maximize = c.maximize(), first = c.firstStep();
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
            DoubleVector d = DoubleVector.fromMemorySegment(D, grad, at, ORDER);
            if (scaled) d = d.mul(gradScale);
            if (clamped) d = d.blend(clipValue, d.compare(GT, clipValue)).blend(negClipValue, d.compare(LT, negClipValue));
            if (maximize) d = d.neg();
            if (l2) d = p.fma(wd, d);
            if (useMomentum) {
                DoubleVector buf = first ? d
                        : d.fma(oneMinusDampening, DoubleVector.fromMemorySegment(D, momentumBuffer, at, ORDER).mul(momentum));
                buf.intoMemorySegment(momentumBuffer, at, ORDER);
                d = nesterov ? buf.fma(momentum, d) : buf;
            }
            d.fma(negLr, p).intoMemorySegment(param, at, ORDER);
        }
    }

    /**
     * {@link #floats} plus the monitoring figures, kept in lanes over blocks of {@link FusedStats#BLOCK}
     * elements (see {@link FusedStats}). The update lines are those of {@link #floats}: the same bits.
     */
    private static void floatsMonitored(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                                        long from, long upper,
                                        StepStatsSink stats) {
        final FloatVector wd = FloatVector.broadcast(F, (float) c.weightDecay());
        final FloatVector momentum = FloatVector.broadcast(F, (float) c.momentum());
        final FloatVector oneMinusDampening = FloatVector.broadcast(F, (float) c.oneMinusDampening());
        final FloatVector negLr = FloatVector.broadcast(F, (float) c.negLr());
        final boolean l2 = c.weightDecay() != 0, useMomentum = c.useMomentum();
        final boolean nesterov = c.nesterov(), maximize = c.maximize(), first = c.firstStep();
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
                FloatVector d = FloatVector.fromMemorySegment(F, grad, at, ORDER);
                if (scaled) d = d.mul(gradScale);
                if (clamped) {
                    unclampedSum = unclampedSum.add(d); // still ±∞ where the clamp makes the bound of it
                    d = d.blend(clipValue, d.compare(GT, clipValue)).blend(negClipValue, d.compare(LT, negClipValue));
                }
                gradSquares = d.fma(d, gradSquares);
                if (maximize) d = d.neg();
                if (l2) d = p.fma(wd, d);
                if (useMomentum) {
                    // first step: torch clones d into the buffer, without dampening
                    FloatVector buf = first ? d
                            : d.fma(oneMinusDampening, FloatVector.fromMemorySegment(F, momentumBuffer, at, ORDER).mul(momentum));
                    buf.intoMemorySegment(momentumBuffer, at, ORDER);
                    firstAbs = firstAbs.add(buf.abs());
                    d = nesterov ? buf.fma(momentum, d) : buf;
                }
                p = d.fma(negLr, p);
                p.intoMemorySegment(param, at, ORDER);
                FloatVector step = p.sub(old);
                updateSquares = step.fma(step, updateSquares);
                paramSquares = p.fma(p, paramSquares);
            }
            gradSquares.intoArray(lanes, 0);
            unclampedSum.intoArray(lanes, F.length());
            updateSquares.intoArray(lanes, 2 * F.length());
            paramSquares.intoArray(lanes, 3 * F.length());
            firstAbs.intoArray(lanes, 4 * F.length());
            secondSum.intoArray(lanes, 5 * F.length());
            FusedStats.addFloatBlock(into, grad, c.gradScale(), c.clipValue(), block, end, lanes, useMomentum, false,
                    secondMin.reduceLanes(VectorOperators.MIN), secondMax.reduceLanes(VectorOperators.MAX));
        }
    }

    /** {@link #doubles} plus the monitoring figures, as {@link #floatsMonitored} (block sums in double). */
    private static void doublesMonitored(SgdCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment momentumBuffer,
                                         long from, long upper,
                                         StepStatsSink stats) {
        final DoubleVector wd = DoubleVector.broadcast(D, c.weightDecay());
        final DoubleVector momentum = DoubleVector.broadcast(D, c.momentum());
        final DoubleVector oneMinusDampening = DoubleVector.broadcast(D, c.oneMinusDampening());
        final DoubleVector negLr = DoubleVector.broadcast(D, c.negLr());
        final boolean l2 = c.weightDecay() != 0, useMomentum = c.useMomentum();
        final boolean nesterov = c.nesterov(), maximize = c.maximize(), first = c.firstStep();
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
                DoubleVector d = DoubleVector.fromMemorySegment(D, grad, at, ORDER);
                if (scaled) d = d.mul(gradScale);
                if (clamped) {
                    unclampedSum = unclampedSum.add(d); // still ±∞ where the clamp makes the bound of it
                    d = d.blend(clipValue, d.compare(GT, clipValue)).blend(negClipValue, d.compare(LT, negClipValue));
                }
                gradSquares = d.fma(d, gradSquares);
                if (maximize) d = d.neg();
                if (l2) d = p.fma(wd, d);
                if (useMomentum) {
                    DoubleVector buf = first ? d
                            : d.fma(oneMinusDampening, DoubleVector.fromMemorySegment(D, momentumBuffer, at, ORDER).mul(momentum));
                    buf.intoMemorySegment(momentumBuffer, at, ORDER);
                    firstAbs = firstAbs.add(buf.abs());
                    d = nesterov ? buf.fma(momentum, d) : buf;
                }
                p = d.fma(negLr, p);
                p.intoMemorySegment(param, at, ORDER);
                DoubleVector step = p.sub(old);
                updateSquares = step.fma(step, updateSquares);
                paramSquares = p.fma(p, paramSquares);
            }
            gradSquares.intoArray(lanes, 0);
            unclampedSum.intoArray(lanes, D.length());
            updateSquares.intoArray(lanes, 2 * D.length());
            paramSquares.intoArray(lanes, 3 * D.length());
            firstAbs.intoArray(lanes, 4 * D.length());
            secondSum.intoArray(lanes, 5 * D.length());
            FusedStats.addDoubleBlock(into, grad, c.gradScale(), c.clipValue(), block, end, lanes, useMomentum, false,
                    secondMin.reduceLanes(VectorOperators.MIN), secondMax.reduceLanes(VectorOperators.MAX));
        }
    }
}
