package dev.adamant.simd;

import dev.adamant.kernel.ScalarStepStatsKernel;
import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsKernel;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * The monitoring reductions with the Vector API: lane-wise sums in the element type over blocks of
 * {@link #BLOCK} elements, each block's lanes then added into the double accumulators, which keeps
 * float32 rounding to a few hundred terms per lane while the hot loop stays in float. Lanes are added
 * in a fixed order ({@link #laneSum}), so the figures do not depend on the JIT's state. A
 * template, copied per lane width.
 */
final class VectorStepStatsKernel implements StepStatsKernel {
    private static final Specialization SPEC = Specialization.of(MethodHandles.lookup());
    private static final VectorSpecies<Float> F = SPEC.floats();
    private static final VectorSpecies<Double> D = SPEC.doubles();
    private static final ScalarStepStatsKernel TAIL = ScalarStepStatsKernel.INSTANCE;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Elements per float32 block before the lane sums move to double. */
    static final int BLOCK = 1024;

    @Override
    public void accumulateFloats(MemorySegment oldParam, MemorySegment param, MemorySegment grad, double gradScale, double gradClamp,
                                 MemorySegment firstMoment, MemorySegment secondMoment, MemorySegment center,
                                 long from, long to, StatsAccumulator into) {
        long upper = from + F.loopBound(to - from);
        for (long block = from; block < upper; block += BLOCK) {
            floatBlock(oldParam, param, grad, (float) gradScale, (float) gradClamp, firstMoment, secondMoment, center,
                    from, block, Math.min(block + BLOCK, upper), into);
        }
        TAIL.accumulateFloats(oldParam.asSlice((upper - from) * Float.BYTES), param, grad, gradScale, gradClamp,
                firstMoment, secondMoment, center, upper, to, into);
    }

    private static void floatBlock(MemorySegment oldParam, MemorySegment param, MemorySegment grad, float gradScale, float gradClamp,
                                   MemorySegment firstMoment, MemorySegment secondMoment, MemorySegment center,
                                   long from, long start, long end, StatsAccumulator into) {
        final boolean scaled = gradScale != 1, first = firstMoment != null, second = secondMoment != null,
                centered = center != null;
        final boolean clamped = gradClamp != Float.POSITIVE_INFINITY;
        final FloatVector scale = FloatVector.broadcast(F, gradScale);
        final FloatVector upperClamp = FloatVector.broadcast(F, gradClamp), lowerClamp = FloatVector.broadcast(F, -gradClamp);
        FloatVector gradSquares = FloatVector.zero(F), updateSquares = FloatVector.zero(F),
                paramSquares = FloatVector.zero(F), firstAbs = FloatVector.zero(F), secondSum = FloatVector.zero(F),
                secondMin = FloatVector.broadcast(F, Float.POSITIVE_INFINITY),
                secondMax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        long nonFinite = 0;
        for (long i = start; i < end; i += F.length()) {
            long at = i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(F, grad, at, ORDER);
            if (scaled) g = g.mul(scale);
            VectorMask<Float> bad = g.test(VectorOperators.IS_FINITE).not();
            nonFinite += bad.trueCount();
            g = g.blend(0f, bad);
            if (clamped) g = g.max(lowerClamp).min(upperClamp);
            gradSquares = g.fma(g, gradSquares);
            FloatVector p = FloatVector.fromMemorySegment(F, param, at, ORDER);
            FloatVector update = p.sub(FloatVector.fromMemorySegment(F, oldParam, (i - from) * Float.BYTES, ORDER));
            updateSquares = update.fma(update, updateSquares);
            paramSquares = p.fma(p, paramSquares);
            if (first) {
                firstAbs = firstAbs.add(FloatVector.fromMemorySegment(F, firstMoment, at, ORDER).abs());
            }
            if (second) {
                FloatVector q = FloatVector.fromMemorySegment(F, secondMoment, at, ORDER);
                if (centered) {
                    FloatVector c = FloatVector.fromMemorySegment(F, center, at, ORDER);
                    q = q.sub(c.mul(c));
                }
                secondSum = secondSum.add(q);
                // compare and blend (NaN never wins), not min/max: Java's NaN-propagating min is
                // several instructions on x86, and the scalar reference compares the same way
                secondMin = secondMin.blend(q, q.compare(VectorOperators.LT, secondMin));
                secondMax = secondMax.blend(q, q.compare(VectorOperators.GT, secondMax));
            }
        }
        into.gradSquares += laneSum(gradSquares);
        into.updateSquares += laneSum(updateSquares);
        into.paramSquares += laneSum(paramSquares);
        into.nonFiniteGrads += nonFinite;
        into.elements += end - start;
        if (first) {
            into.firstMomentAbs += laneSum(firstAbs);
        }
        if (second) {
            into.secondMoment += laneSum(secondSum);
            into.secondMomentMin = Math.min(into.secondMomentMin, secondMin.reduceLanes(VectorOperators.MIN));
            into.secondMomentMax = Math.max(into.secondMomentMax, secondMax.reduceLanes(VectorOperators.MAX));
        }
    }

    /** The lanes added in index order (see {@link FusedStats}: not reduceLanes(ADD), whose order C2 changes). */
    private static double laneSum(FloatVector v) {
        float[] lanes = v.toArray();
        return FusedStats.sum(lanes, 0, lanes.length);
    }

    private static double laneSum(DoubleVector v) {
        double[] lanes = v.toArray();
        return FusedStats.sum(lanes, 0, lanes.length);
    }

    @Override
    public void accumulateDoubles(MemorySegment oldParam, MemorySegment param, MemorySegment grad, double gradScale, double gradClamp,
                                  MemorySegment firstMoment, MemorySegment secondMoment, MemorySegment center,
                                  long from, long to, StatsAccumulator into) {
        long upper = from + D.loopBound(to - from);
        doubles(oldParam, param, grad, gradScale, gradClamp, firstMoment, secondMoment, center, from, upper, into);
        TAIL.accumulateDoubles(oldParam.asSlice((upper - from) * Double.BYTES), param, grad, gradScale, gradClamp,
                firstMoment, secondMoment, center, upper, to, into);
    }

    private static void doubles(MemorySegment oldParam, MemorySegment param, MemorySegment grad, double gradScale, double gradClamp,
                                MemorySegment firstMoment, MemorySegment secondMoment, MemorySegment center,
                                long from, long upper, StatsAccumulator into) {
        final boolean scaled = gradScale != 1, first = firstMoment != null, second = secondMoment != null,
                centered = center != null;
        final boolean clamped = gradClamp != Double.POSITIVE_INFINITY;
        final DoubleVector scale = DoubleVector.broadcast(D, gradScale);
        final DoubleVector upperClamp = DoubleVector.broadcast(D, gradClamp), lowerClamp = DoubleVector.broadcast(D, -gradClamp);
        DoubleVector gradSquares = DoubleVector.zero(D), updateSquares = DoubleVector.zero(D),
                paramSquares = DoubleVector.zero(D), firstAbs = DoubleVector.zero(D), secondSum = DoubleVector.zero(D),
                secondMin = DoubleVector.broadcast(D, Double.POSITIVE_INFINITY),
                secondMax = DoubleVector.broadcast(D, Double.NEGATIVE_INFINITY);
        long nonFinite = 0;
        for (long i = from; i < upper; i += D.length()) {
            long at = i * Double.BYTES;
            DoubleVector g = DoubleVector.fromMemorySegment(D, grad, at, ORDER);
            if (scaled) g = g.mul(scale);
            VectorMask<Double> bad = g.test(VectorOperators.IS_FINITE).not();
            nonFinite += bad.trueCount();
            g = g.blend(0d, bad);
            if (clamped) g = g.max(lowerClamp).min(upperClamp);
            gradSquares = g.fma(g, gradSquares);
            DoubleVector p = DoubleVector.fromMemorySegment(D, param, at, ORDER);
            DoubleVector update = p.sub(DoubleVector.fromMemorySegment(D, oldParam, (i - from) * Double.BYTES, ORDER));
            updateSquares = update.fma(update, updateSquares);
            paramSquares = p.fma(p, paramSquares);
            if (first) {
                firstAbs = firstAbs.add(DoubleVector.fromMemorySegment(D, firstMoment, at, ORDER).abs());
            }
            if (second) {
                DoubleVector q = DoubleVector.fromMemorySegment(D, secondMoment, at, ORDER);
                if (centered) {
                    DoubleVector c = DoubleVector.fromMemorySegment(D, center, at, ORDER);
                    q = q.sub(c.mul(c));
                }
                secondSum = secondSum.add(q);
                // compare and blend (NaN never wins), not min/max: Java's NaN-propagating min is
                // several instructions on x86, and the scalar reference compares the same way
                secondMin = secondMin.blend(q, q.compare(VectorOperators.LT, secondMin));
                secondMax = secondMax.blend(q, q.compare(VectorOperators.GT, secondMax));
            }
        }
        into.gradSquares += laneSum(gradSquares);
        into.updateSquares += laneSum(updateSquares);
        into.paramSquares += laneSum(paramSquares);
        into.nonFiniteGrads += nonFinite;
        into.elements += upper - from;
        if (first) {
            into.firstMomentAbs += laneSum(firstAbs);
        }
        if (second && upper > from) {
            into.secondMoment += laneSum(secondSum);
            into.secondMomentMin = Math.min(into.secondMomentMin, secondMin.reduceLanes(VectorOperators.MIN));
            into.secondMomentMax = Math.max(into.secondMomentMax, secondMax.reduceLanes(VectorOperators.MAX));
        }
    }
}
