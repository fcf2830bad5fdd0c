package dev.adamant.simd;

import dev.adamant.kernel.NAdamCoefficients;
import dev.adamant.kernel.NAdamKernel;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarNAdamKernel;
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
import static jdk.incubator.vector.VectorOperators.NE;

/**
 * Fused NAdam over MemorySegments with the Vector API, in the same operation order as
 * {@link ScalarNAdamKernel} and therefore bit-identical to it: lanes never mix, {@code fma},
 * {@code sqrt} and {@code div} are correctly rounded per lane, and the tail is the scalar kernel.
 *
 * <p>A template: it is never loaded as itself, only as hidden copies made by {@link KernelCopies},
 * one per lane width and numerics mode, whose class data fixes the species and the mode.
 *
 * <p>The monitored entries run their own loops ({@link #floatsMonitored}, {@link #doublesMonitored}):
 * the plain loops carry no monitoring state.
 *
 * <p>In exact numerics the float32 loops divide sqrt(v) by sqrt(1 − β2^t) by the reciprocal with one
 * fused-multiply-add correction, correctly rounded, as {@code VectorAdamKernel} does (see
 * {@code VectorMixedAdamKernel}'s class comment); a vector with an infinite or NaN sqrt(v) divides.
 */
final class VectorNAdamKernel implements NAdamKernel {
    private static final Specialization SPEC = Specialization.of(MethodHandles.lookup());
    private static final VectorSpecies<Float> F = SPEC.floats();
    private static final VectorSpecies<Double> D = SPEC.doubles();
    private static final boolean FAST = SPEC.numerics() == Numerics.FAST;
    private static final ScalarNAdamKernel TAIL = ScalarNAdamKernel.of(SPEC.numerics());
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public void updateFloats(NAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                             MemorySegment expAvgSq, long from, long to) {
        long upper = from + F.loopBound(to - from);
        floats(c, param, grad, expAvg, expAvgSq, from, upper);
        TAIL.updateFloats(c, param, grad, expAvg, expAvgSq, upper, to);
    }

    @Override
    public void updateDoubles(NAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                              MemorySegment expAvgSq, long from, long to) {
        long upper = from + D.loopBound(to - from);
        doubles(c, param, grad, expAvg, expAvgSq, from, upper);
        TAIL.updateDoubles(c, param, grad, expAvg, expAvgSq, upper, to);
    }

    @Override
    public void updateFloats(NAdamCoefficients c, MemorySegment param, MemorySegment grad,
                             MemorySegment expAvg, MemorySegment expAvgSq, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateFloats(c, param, grad, expAvg, expAvgSq, from, to);
            return;
        }
        long upper = from + F.loopBound(to - from);
        floatsMonitored(c, param, grad, expAvg, expAvgSq, from, upper, stats);
        // the tail through the scalar kernel's two-pass default: a few elements
        TAIL.updateFloats(c, param, grad, expAvg, expAvgSq, upper, to, stats);
    }

    @Override
    public void updateDoubles(NAdamCoefficients c, MemorySegment param, MemorySegment grad,
                              MemorySegment expAvg, MemorySegment expAvgSq, long from, long to, StepStatsSink stats) {
        if (stats == null) { // not monitored
            updateDoubles(c, param, grad, expAvg, expAvgSq, from, to);
            return;
        }
        long upper = from + D.loopBound(to - from);
        doublesMonitored(c, param, grad, expAvg, expAvgSq, from, upper, stats);
        TAIL.updateDoubles(c, param, grad, expAvg, expAvgSq, upper, to, stats);
    }

    private static void floats(NAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                               MemorySegment expAvgSq, long from, long upper) {
        final FloatVector beta1 = FloatVector.broadcast(F, (float) c.beta1());
        final FloatVector oneMinusBeta1 = FloatVector.broadcast(F, (float) c.oneMinusBeta1());
        final FloatVector beta2 = FloatVector.broadcast(F, (float) c.beta2());
        final FloatVector oneMinusBeta2 = FloatVector.broadcast(F, (float) c.oneMinusBeta2());
        final FloatVector wd = FloatVector.broadcast(F, (float) c.weightDecay());
        final FloatVector gradStep = FloatVector.broadcast(F,
                (float) (FAST ? c.fastNegGradStepSize() : c.negGradStepSize()));
        final FloatVector expAvgStep = FloatVector.broadcast(F,
                (float) (FAST ? c.fastNegExpAvgStepSize() : c.negExpAvgStepSize()));
        final FloatVector eps = FloatVector.broadcast(F, (float) (FAST ? c.fastEps() : c.eps()));
        final FloatVector sqrtBc2 = FloatVector.broadcast(F, (float) c.sqrtBiasCorrection2());
        final FloatVector negSqrtBc2 = sqrtBc2.neg(), sqrtBc2Reciprocal = FloatVector.broadcast(F, 1f / (float) c.sqrtBiasCorrection2());
        final boolean dividesByBc2 = (float) c.sqrtBiasCorrection2() != 1f;
        final boolean l2 = c.weightDecay() != 0;
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
            if (l2) g = p.fma(wd, g);
            FloatVector m = g.fma(oneMinusBeta1, FloatVector.fromMemorySegment(F, expAvg, at, ORDER).mul(beta1));
            FloatVector v = oneMinusBeta2.mul(g).fma(g, FloatVector.fromMemorySegment(F, expAvgSq, at, ORDER).mul(beta2));
            m.intoMemorySegment(expAvg, at, ORDER);
            v.intoMemorySegment(expAvgSq, at, ORDER);
            if (FAST) {
                // sqrt(bc2) folded into both step sizes and eps; both terms added at once: one division
                p = p.add(gradStep.fma(g, expAvgStep.mul(m)).div(v.sqrt().add(eps)));
            } else {
                p = exactUpdate(p, g, m, v, gradStep, expAvgStep, eps, sqrtBc2, negSqrtBc2, sqrtBc2Reciprocal, dividesByBc2);
            }
            p.intoMemorySegment(param, at, ORDER);
        }
    }

    /**
     * Exact numerics' update of the float32 loops (plain and monitored), torch's foreach order:
     * sqrt(v)/sqrt(bc2) + eps, that division by the reciprocal and one correction (see
     * {@code VectorMixedAdamKernel}'s class comment), then two addcdivs; a vector whose correction met an
     * infinite or NaN sqrt(v) divides. Small enough that C2 inlines it in both loops, as it must: a vector
     * argument of a call that is not inlined is boxed.
     */
    private static FloatVector exactUpdate(FloatVector p, FloatVector g, FloatVector m, FloatVector v, FloatVector gradStep,
                                           FloatVector expAvgStep, FloatVector eps, FloatVector sqrtBc2, FloatVector negSqrtBc2,
                                           FloatVector sqrtBc2Reciprocal, boolean dividesByBc2) {
        FloatVector root = v.sqrt(), q = root;
        if (dividesByBc2) {
            q = root.mul(sqrtBc2Reciprocal);
            q = q.fma(negSqrtBc2, root).fma(sqrtBc2Reciprocal, q);
        }
        FloatVector denom = q.add(eps);
        FloatVector updated = p.add(gradStep.mul(g).div(denom)).add(expAvgStep.mul(m).div(denom));
        if (dividesByBc2 && updated.compare(NE, updated).anyTrue()) {
            denom = root.div(sqrtBc2).add(eps);
            updated = p.add(gradStep.mul(g).div(denom)).add(expAvgStep.mul(m).div(denom));
        }
        return updated;
    }

    private static void doubles(NAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                                MemorySegment expAvgSq, long from, long upper) {
        final DoubleVector beta1 = DoubleVector.broadcast(D, c.beta1());
        final DoubleVector oneMinusBeta1 = DoubleVector.broadcast(D, c.oneMinusBeta1());
        final DoubleVector beta2 = DoubleVector.broadcast(D, c.beta2());
        final DoubleVector oneMinusBeta2 = DoubleVector.broadcast(D, c.oneMinusBeta2());
        final DoubleVector wd = DoubleVector.broadcast(D, c.weightDecay());
        final DoubleVector gradStep = DoubleVector.broadcast(D, FAST ? c.fastNegGradStepSize() : c.negGradStepSize());
        final DoubleVector expAvgStep = DoubleVector.broadcast(D,
                FAST ? c.fastNegExpAvgStepSize() : c.negExpAvgStepSize());
        final DoubleVector eps = DoubleVector.broadcast(D, FAST ? c.fastEps() : c.eps());
        final DoubleVector sqrtBc2 = DoubleVector.broadcast(D, c.sqrtBiasCorrection2());
        final boolean l2 = c.weightDecay() != 0;
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
            if (l2) g = p.fma(wd, g);
            DoubleVector m = g.fma(oneMinusBeta1, DoubleVector.fromMemorySegment(D, expAvg, at, ORDER).mul(beta1));
            DoubleVector v = oneMinusBeta2.mul(g).fma(g, DoubleVector.fromMemorySegment(D, expAvgSq, at, ORDER).mul(beta2));
            m.intoMemorySegment(expAvg, at, ORDER);
            v.intoMemorySegment(expAvgSq, at, ORDER);
            if (FAST) {
                p = p.add(gradStep.fma(g, expAvgStep.mul(m)).div(v.sqrt().add(eps)));
            } else {
                DoubleVector denom = v.sqrt().div(sqrtBc2).add(eps);
                p = p.add(gradStep.mul(g).div(denom));
                p = p.add(expAvgStep.mul(m).div(denom));
            }
            p.intoMemorySegment(param, at, ORDER);
        }
    }

    /**
     * {@link #floats} plus the monitoring figures, kept in lanes over blocks of {@link FusedStats#BLOCK}
     * elements (see {@link FusedStats}). The update lines are those of {@link #floats}: the same bits.
     */
    private static void floatsMonitored(NAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                                        MemorySegment expAvgSq, long from, long upper,
                                        StepStatsSink stats) {
        final FloatVector beta1 = FloatVector.broadcast(F, (float) c.beta1());
        final FloatVector oneMinusBeta1 = FloatVector.broadcast(F, (float) c.oneMinusBeta1());
        final FloatVector beta2 = FloatVector.broadcast(F, (float) c.beta2());
        final FloatVector oneMinusBeta2 = FloatVector.broadcast(F, (float) c.oneMinusBeta2());
        final FloatVector wd = FloatVector.broadcast(F, (float) c.weightDecay());
        final FloatVector gradStep = FloatVector.broadcast(F,
                (float) (FAST ? c.fastNegGradStepSize() : c.negGradStepSize()));
        final FloatVector expAvgStep = FloatVector.broadcast(F,
                (float) (FAST ? c.fastNegExpAvgStepSize() : c.negExpAvgStepSize()));
        final FloatVector eps = FloatVector.broadcast(F, (float) (FAST ? c.fastEps() : c.eps()));
        final FloatVector sqrtBc2 = FloatVector.broadcast(F, (float) c.sqrtBiasCorrection2());
        final FloatVector negSqrtBc2 = sqrtBc2.neg(), sqrtBc2Reciprocal = FloatVector.broadcast(F, 1f / (float) c.sqrtBiasCorrection2());
        final boolean dividesByBc2 = (float) c.sqrtBiasCorrection2() != 1f;
        final boolean l2 = c.weightDecay() != 0;
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
                if (l2) g = p.fma(wd, g);
                FloatVector m = g.fma(oneMinusBeta1, FloatVector.fromMemorySegment(F, expAvg, at, ORDER).mul(beta1));
                FloatVector v = oneMinusBeta2.mul(g).fma(g, FloatVector.fromMemorySegment(F, expAvgSq, at, ORDER).mul(beta2));
                m.intoMemorySegment(expAvg, at, ORDER);
                v.intoMemorySegment(expAvgSq, at, ORDER);
                if (FAST) {
                    // sqrt(bc2) folded into both step sizes and eps; both terms added at once: one division
                    p = p.add(gradStep.fma(g, expAvgStep.mul(m)).div(v.sqrt().add(eps)));
                } else {
                    p = exactUpdate(p, g, m, v, gradStep, expAvgStep, eps, sqrtBc2, negSqrtBc2, sqrtBc2Reciprocal, dividesByBc2);
                }
                p.intoMemorySegment(param, at, ORDER);
                FloatVector step = p.sub(old);
                updateSquares = step.fma(step, updateSquares);
                paramSquares = p.fma(p, paramSquares);
                firstAbs = firstAbs.add(m.abs());
                secondSum = secondSum.add(v);
                // compare and blend: NaN never wins, as in StepStatsKernel
                secondMin = secondMin.blend(v, v.compare(LT, secondMin));
                secondMax = secondMax.blend(v, v.compare(GT, secondMax));
            }
            gradSquares.intoArray(lanes, 0);
            unclampedSum.intoArray(lanes, F.length());
            updateSquares.intoArray(lanes, 2 * F.length());
            paramSquares.intoArray(lanes, 3 * F.length());
            firstAbs.intoArray(lanes, 4 * F.length());
            secondSum.intoArray(lanes, 5 * F.length());
            FusedStats.addFloatBlock(into, grad, c.gradScale(), c.clipValue(), block, end, lanes, true, true,
                    secondMin.reduceLanes(VectorOperators.MIN), secondMax.reduceLanes(VectorOperators.MAX));
        }
    }

    /** {@link #doubles} plus the monitoring figures, as {@link #floatsMonitored} (block sums in double). */
    private static void doublesMonitored(NAdamCoefficients c, MemorySegment param, MemorySegment grad, MemorySegment expAvg,
                                         MemorySegment expAvgSq, long from, long upper,
                                         StepStatsSink stats) {
        final DoubleVector beta1 = DoubleVector.broadcast(D, c.beta1());
        final DoubleVector oneMinusBeta1 = DoubleVector.broadcast(D, c.oneMinusBeta1());
        final DoubleVector beta2 = DoubleVector.broadcast(D, c.beta2());
        final DoubleVector oneMinusBeta2 = DoubleVector.broadcast(D, c.oneMinusBeta2());
        final DoubleVector wd = DoubleVector.broadcast(D, c.weightDecay());
        final DoubleVector gradStep = DoubleVector.broadcast(D, FAST ? c.fastNegGradStepSize() : c.negGradStepSize());
        final DoubleVector expAvgStep = DoubleVector.broadcast(D,
                FAST ? c.fastNegExpAvgStepSize() : c.negExpAvgStepSize());
        final DoubleVector eps = DoubleVector.broadcast(D, FAST ? c.fastEps() : c.eps());
        final DoubleVector sqrtBc2 = DoubleVector.broadcast(D, c.sqrtBiasCorrection2());
        final boolean l2 = c.weightDecay() != 0;
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
                if (l2) g = p.fma(wd, g);
                DoubleVector m = g.fma(oneMinusBeta1, DoubleVector.fromMemorySegment(D, expAvg, at, ORDER).mul(beta1));
                DoubleVector v = oneMinusBeta2.mul(g).fma(g, DoubleVector.fromMemorySegment(D, expAvgSq, at, ORDER).mul(beta2));
                m.intoMemorySegment(expAvg, at, ORDER);
                v.intoMemorySegment(expAvgSq, at, ORDER);
                if (FAST) {
                    p = p.add(gradStep.fma(g, expAvgStep.mul(m)).div(v.sqrt().add(eps)));
                } else {
                    DoubleVector denom = v.sqrt().div(sqrtBc2).add(eps);
                    p = p.add(gradStep.mul(g).div(denom));
                    p = p.add(expAvgStep.mul(m).div(denom));
                }
                p.intoMemorySegment(param, at, ORDER);
                DoubleVector step = p.sub(old);
                updateSquares = step.fma(step, updateSquares);
                paramSquares = p.fma(p, paramSquares);
                firstAbs = firstAbs.add(m.abs());
                secondSum = secondSum.add(v);
                // compare and blend: NaN never wins, as in StepStatsKernel
                secondMin = secondMin.blend(v, v.compare(LT, secondMin));
                secondMax = secondMax.blend(v, v.compare(GT, secondMax));
            }
            gradSquares.intoArray(lanes, 0);
            unclampedSum.intoArray(lanes, D.length());
            updateSquares.intoArray(lanes, 2 * D.length());
            paramSquares.intoArray(lanes, 3 * D.length());
            firstAbs.intoArray(lanes, 4 * D.length());
            secondSum.intoArray(lanes, 5 * D.length());
            FusedStats.addDoubleBlock(into, grad, c.gradScale(), c.clipValue(), block, end, lanes, true, true,
                    secondMin.reduceLanes(VectorOperators.MIN), secondMax.reduceLanes(VectorOperators.MAX));
        }
    }
}
