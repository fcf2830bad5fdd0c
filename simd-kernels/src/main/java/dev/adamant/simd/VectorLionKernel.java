package dev.adamant.simd;

import dev.adamant.kernel.LionCoefficients;
import dev.adamant.kernel.LionKernel;
import dev.adamant.kernel.Numerics;
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
 * Fused Lion with the Vector API, bit-identical to the scalar reference (same operation order;
 * the sign is Math.signum's: ±1, or the input itself for ±0 and NaN). A template for per-width
 * hidden copies, as {@link VectorAdamKernel}.
 *
 * <p>The monitored entries run their own loops ({@link #floatsMonitored}, {@link #doublesMonitored}):
 * the plain loops carry no monitoring state.
 */
final class VectorLionKernel implements LionKernel {
    private static final Specialization SPEC = Specialization.of(MethodHandles.lookup());
    private static final VectorSpecies<Float> F = SPEC.floats();
    private static final VectorSpecies<Double> D = SPEC.doubles();
    private static final LionKernel TAIL = LionKernel.KIND.scalar(Numerics.EXACT);
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public void updateFloats(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                             long from, long to) {
        long upper = from + F.loopBound(to - from);
        floats(c, param, grad, expAvg, from, upper);
        TAIL.updateFloats(c, param, grad, expAvg, upper, to);
    }

    @Override
    public void updateDoubles(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                              long from, long to) {
        long upper = from + D.loopBound(to - from);
        doubles(c, param, grad, expAvg, from, upper);
        TAIL.updateDoubles(c, param, grad, expAvg, upper, to);
    }

    @Override
    public void updateFloats(LionCoefficients c, MemorySegment param, MemorySegment grad,
                             MemorySegment expAvg, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, expAvg, from, to);
            return;
        }
        long upper = from + F.loopBound(to - from);
        floatsMonitored(c, param, grad, expAvg, from, upper, stats);
        // the tail through the scalar kernel's two-pass default: a few elements
        TAIL.updateFloats(c, param, grad, expAvg, upper, to, stats);
    }

    @Override
    public void updateDoubles(LionCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment expAvg, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, expAvg, from, to);
            return;
        }
        long upper = from + D.loopBound(to - from);
        doublesMonitored(c, param, grad, expAvg, from, upper, stats);
        TAIL.updateDoubles(c, param, grad, expAvg, upper, to, stats);
    }

    private static void floats(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                               long from, long upper) {
        final FloatVector beta1 = FloatVector.broadcast(F, (float) c.beta1());
        final FloatVector oneMinusBeta1 = FloatVector.broadcast(F, (float) c.oneMinusBeta1());
        final FloatVector beta2 = FloatVector.broadcast(F, (float) c.beta2());
        final FloatVector oneMinusBeta2 = FloatVector.broadcast(F, (float) c.oneMinusBeta2());
        final FloatVector decay = FloatVector.broadcast(F, (float) c.decayFactor());
        final FloatVector negLr = FloatVector.broadcast(F, (float) c.negLr());
        final FloatVector one = FloatVector.broadcast(F, 1f), minusOne = FloatVector.broadcast(F, -1f);
        final boolean decoupled = c.decayFactor() != 1, maximize = c.maximize();
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
            FloatVector g = FloatVector.fromMemorySegment(F, grad, at, ORDER);
            if (scaled) g = g.mul(gradScale);
            if (clamped) g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
            if (maximize) g = g.neg();
            FloatVector m = FloatVector.fromMemorySegment(F, expAvg, at, ORDER);
            FloatVector p = FloatVector.fromMemorySegment(F, param, at, ORDER);
            FloatVector interpolated = g.fma(oneMinusBeta1, m.mul(beta1));
            // Math.signum: ±1 for nonzero numbers, the value itself for ±0 and NaN
            FloatVector sign = interpolated.blend(one, interpolated.compare(VectorOperators.GT, 0f))
                    .blend(minusOne, interpolated.compare(VectorOperators.LT, 0f));
            if (decoupled) p = p.mul(decay);
            sign.fma(negLr, p).intoMemorySegment(param, at, ORDER);
            g.fma(oneMinusBeta2, m.mul(beta2)).intoMemorySegment(expAvg, at, ORDER);
        }
    }

    private static void doubles(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                                long from, long upper) {
        final DoubleVector beta1 = DoubleVector.broadcast(D, c.beta1());
        final DoubleVector oneMinusBeta1 = DoubleVector.broadcast(D, c.oneMinusBeta1());
        final DoubleVector beta2 = DoubleVector.broadcast(D, c.beta2());
        final DoubleVector oneMinusBeta2 = DoubleVector.broadcast(D, c.oneMinusBeta2());
        final DoubleVector decay = DoubleVector.broadcast(D, c.decayFactor());
        final DoubleVector negLr = DoubleVector.broadcast(D, c.negLr());
        final DoubleVector one = DoubleVector.broadcast(D, 1d), minusOne = DoubleVector.broadcast(D, -1d);
        final boolean decoupled = c.decayFactor() != 1, maximize = c.maximize();
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
            DoubleVector g = DoubleVector.fromMemorySegment(D, grad, at, ORDER);
            if (scaled) g = g.mul(gradScale);
            if (clamped) g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
            if (maximize) g = g.neg();
            DoubleVector m = DoubleVector.fromMemorySegment(D, expAvg, at, ORDER);
            DoubleVector p = DoubleVector.fromMemorySegment(D, param, at, ORDER);
            DoubleVector interpolated = g.fma(oneMinusBeta1, m.mul(beta1));
            DoubleVector sign = interpolated.blend(one, interpolated.compare(VectorOperators.GT, 0d))
                    .blend(minusOne, interpolated.compare(VectorOperators.LT, 0d));
            if (decoupled) p = p.mul(decay);
            sign.fma(negLr, p).intoMemorySegment(param, at, ORDER);
            g.fma(oneMinusBeta2, m.mul(beta2)).intoMemorySegment(expAvg, at, ORDER);
        }
    }

    /**
     * {@link #floats} plus the monitoring figures, kept in lanes over blocks of {@link FusedStats#BLOCK}
     * elements (see {@link FusedStats}). The update lines are those of {@link #floats}: the same bits.
     */
    private static void floatsMonitored(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                                        long from, long upper,
                                        StepStatsSink stats) {
        final FloatVector beta1 = FloatVector.broadcast(F, (float) c.beta1());
        final FloatVector oneMinusBeta1 = FloatVector.broadcast(F, (float) c.oneMinusBeta1());
        final FloatVector beta2 = FloatVector.broadcast(F, (float) c.beta2());
        final FloatVector oneMinusBeta2 = FloatVector.broadcast(F, (float) c.oneMinusBeta2());
        final FloatVector decay = FloatVector.broadcast(F, (float) c.decayFactor());
        final FloatVector negLr = FloatVector.broadcast(F, (float) c.negLr());
        final FloatVector one = FloatVector.broadcast(F, 1f), minusOne = FloatVector.broadcast(F, -1f);
        final boolean decoupled = c.decayFactor() != 1, maximize = c.maximize();
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
                FloatVector g = FloatVector.fromMemorySegment(F, grad, at, ORDER);
                if (scaled) g = g.mul(gradScale);
                if (clamped) {
                    unclampedSum = unclampedSum.add(g); // still ±∞ where the clamp makes the bound of it
                    g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
                }
                gradSquares = g.fma(g, gradSquares);
                if (maximize) g = g.neg();
                FloatVector m = FloatVector.fromMemorySegment(F, expAvg, at, ORDER);
                final FloatVector old = FloatVector.fromMemorySegment(F, param, at, ORDER);
                FloatVector p = old;
                FloatVector interpolated = g.fma(oneMinusBeta1, m.mul(beta1));
                // Math.signum: ±1 for nonzero numbers, the value itself for ±0 and NaN
                FloatVector sign = interpolated.blend(one, interpolated.compare(VectorOperators.GT, 0f))
                        .blend(minusOne, interpolated.compare(VectorOperators.LT, 0f));
                if (decoupled) p = p.mul(decay);
                p = sign.fma(negLr, p);
                p.intoMemorySegment(param, at, ORDER);
                FloatVector next = g.fma(oneMinusBeta2, m.mul(beta2));
                next.intoMemorySegment(expAvg, at, ORDER);
                firstAbs = firstAbs.add(next.abs());
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
            FusedStats.addFloatBlock(into, grad, c.gradScale(), c.clipValue(), block, end, lanes, true, false,
                    secondMin.reduceLanes(VectorOperators.MIN), secondMax.reduceLanes(VectorOperators.MAX));
        }
    }

    /** {@link #doubles} plus the monitoring figures, as {@link #floatsMonitored} (block sums in double). */
    private static void doublesMonitored(LionCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                                         long from, long upper,
                                         StepStatsSink stats) {
        final DoubleVector beta1 = DoubleVector.broadcast(D, c.beta1());
        final DoubleVector oneMinusBeta1 = DoubleVector.broadcast(D, c.oneMinusBeta1());
        final DoubleVector beta2 = DoubleVector.broadcast(D, c.beta2());
        final DoubleVector oneMinusBeta2 = DoubleVector.broadcast(D, c.oneMinusBeta2());
        final DoubleVector decay = DoubleVector.broadcast(D, c.decayFactor());
        final DoubleVector negLr = DoubleVector.broadcast(D, c.negLr());
        final DoubleVector one = DoubleVector.broadcast(D, 1d), minusOne = DoubleVector.broadcast(D, -1d);
        final boolean decoupled = c.decayFactor() != 1, maximize = c.maximize();
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
                DoubleVector g = DoubleVector.fromMemorySegment(D, grad, at, ORDER);
                if (scaled) g = g.mul(gradScale);
                if (clamped) {
                    unclampedSum = unclampedSum.add(g); // still ±∞ where the clamp makes the bound of it
                    g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
                }
                gradSquares = g.fma(g, gradSquares);
                if (maximize) g = g.neg();
                DoubleVector m = DoubleVector.fromMemorySegment(D, expAvg, at, ORDER);
                final DoubleVector old = DoubleVector.fromMemorySegment(D, param, at, ORDER);
                DoubleVector p = old;
                DoubleVector interpolated = g.fma(oneMinusBeta1, m.mul(beta1));
                DoubleVector sign = interpolated.blend(one, interpolated.compare(VectorOperators.GT, 0d))
                        .blend(minusOne, interpolated.compare(VectorOperators.LT, 0d));
                if (decoupled) p = p.mul(decay);
                p = sign.fma(negLr, p);
                p.intoMemorySegment(param, at, ORDER);
                DoubleVector next = g.fma(oneMinusBeta2, m.mul(beta2));
                next.intoMemorySegment(expAvg, at, ORDER);
                firstAbs = firstAbs.add(next.abs());
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
            FusedStats.addDoubleBlock(into, grad, c.gradScale(), c.clipValue(), block, end, lanes, true, false,
                    secondMin.reduceLanes(VectorOperators.MIN), secondMax.reduceLanes(VectorOperators.MAX));
        }
    }
}
