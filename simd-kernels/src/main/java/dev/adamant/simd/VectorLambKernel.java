package dev.adamant.simd;

import dev.adamant.kernel.LambCoefficients;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarLambKernel;
import dev.adamant.kernel.SquareSums;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LT;

/**
 * LAMB with the Vector API, bit-identical to {@link ScalarLambKernel}. The element-wise work is
 * vectorized; the sums of squares keep the reference's lane-width-independent order: blocks of 16
 * elements, whose p and u go through a small scratch array into 16 sequential double
 * accumulators. A template for per-width hidden copies, as {@link VectorAdamKernel}.
 */
final class VectorLambKernel implements LambKernel {
    private static final Specialization SPEC = Specialization.of(MethodHandles.lookup());
    private static final VectorSpecies<Float> F = SPEC.floats();
    private static final VectorSpecies<Double> D = SPEC.doubles();
    private static final ScalarLambKernel TAIL = (ScalarLambKernel) LambKernel.KIND.scalar(Numerics.EXACT);
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public SquaredNorms momentsFloats(LambCoefficients c, MemorySegment param, MemorySegment grad,
                                      MemorySegment expAvg, MemorySegment expAvgSq, long from, long to) {
        SquareSums sums = SquareSums.ofThread();
        // whole blocks of 16 elements, so the tail continues the accumulators in the same order
        long upper = from + (to - from) / ACCUMULATORS * ACCUMULATORS;
        momentBlocksFloats(c, param, grad, expAvg, expAvgSq, from, upper, sums);
        return TAIL.momentsFloats(c, param, grad, expAvg, expAvgSq, upper, to, sums.first, sums.second);
    }

    private static void momentBlocksFloats(LambCoefficients c, MemorySegment param, MemorySegment grad,
                                           MemorySegment expAvg, MemorySegment expAvgSq, long from, long upper,
                                           SquareSums sums) {
        final FloatVector beta1 = FloatVector.broadcast(F, (float) c.beta1());
        final FloatVector oneMinusBeta1 = FloatVector.broadcast(F, (float) c.oneMinusBeta1());
        final FloatVector beta2 = FloatVector.broadcast(F, (float) c.beta2());
        final FloatVector oneMinusBeta2 = FloatVector.broadcast(F, (float) c.oneMinusBeta2());
        final FloatVector bc1 = FloatVector.broadcast(F, (float) c.biasCorrection1());
        final FloatVector bc2 = FloatVector.broadcast(F, (float) c.biasCorrection2());
        final FloatVector eps = FloatVector.broadcast(F, (float) c.eps());
        final FloatVector wd = FloatVector.broadcast(F, (float) c.weightDecay());
        final float[] ps = sums.firstFloats, us = sums.secondFloats;
        final double[] paramSq = sums.first, updateSq = sums.second;
        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final FloatVector gradScale = FloatVector.broadcast(F, (float) c.gradScale());
        // then torch's clip_grad_value_ (clamp_), as two compare-and-blends: for a bound c >= +0 the same
        // bits as Math.min(Math.max(g, -c), c) (NaN compares false and stays NaN; zeros keep their sign),
        // without the NaN and signed-zero fix-ups of lane-wise min/max
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final FloatVector clipValue = FloatVector.broadcast(F, (float) c.clipValue());
        final FloatVector negClipValue = clipValue.neg();
        for (long block = from; block < upper; block += ACCUMULATORS) {
            for (int j = 0; j < ACCUMULATORS; j += F.length()) {
                long at = (block + j) * Float.BYTES;
                FloatVector p = FloatVector.fromMemorySegment(F, param, at, ORDER);
                FloatVector g = FloatVector.fromMemorySegment(F, grad, at, ORDER);
                if (scaled) g = g.mul(gradScale);
                if (clamped) g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
                FloatVector m = g.fma(oneMinusBeta1, FloatVector.fromMemorySegment(F, expAvg, at, ORDER).mul(beta1));
                FloatVector v = oneMinusBeta2.mul(g).fma(g, FloatVector.fromMemorySegment(F, expAvgSq, at, ORDER).mul(beta2));
                m.intoMemorySegment(expAvg, at, ORDER);
                v.intoMemorySegment(expAvgSq, at, ORDER);
                p.intoArray(ps, j);
                p.fma(wd, m.div(bc1).div(v.div(bc2).sqrt().add(eps))).intoArray(us, j);
            }
            for (int k = 0; k < ACCUMULATORS; k++) {
                paramSq[k] += (double) ps[k] * ps[k];
                updateSq[k] += (double) us[k] * us[k];
            }
        }
    }

    @Override
    public void applyFloats(LambCoefficients c, double ratio, MemorySegment param, MemorySegment expAvg,
                            MemorySegment expAvgSq, long from, long to) {
        long upper = from + F.loopBound(to - from);
        final FloatVector bc1 = FloatVector.broadcast(F, (float) c.biasCorrection1());
        final FloatVector bc2 = FloatVector.broadcast(F, (float) c.biasCorrection2());
        final FloatVector eps = FloatVector.broadcast(F, (float) c.eps());
        final FloatVector wd = FloatVector.broadcast(F, (float) c.weightDecay());
        final FloatVector negRatio = FloatVector.broadcast(F, (float) -ratio);
        for (long i = from; i < upper; i += F.length()) {
            long at = i * Float.BYTES;
            FloatVector p = FloatVector.fromMemorySegment(F, param, at, ORDER);
            FloatVector m = FloatVector.fromMemorySegment(F, expAvg, at, ORDER);
            FloatVector v = FloatVector.fromMemorySegment(F, expAvgSq, at, ORDER);
            FloatVector u = p.fma(wd, m.div(bc1).div(v.div(bc2).sqrt().add(eps)));
            u.fma(negRatio, p).intoMemorySegment(param, at, ORDER);
        }
        TAIL.applyFloats(c, ratio, param, expAvg, expAvgSq, upper, to);
    }

    @Override
    public SquaredNorms momentsDoubles(LambCoefficients c, MemorySegment param, MemorySegment grad,
                                       MemorySegment expAvg, MemorySegment expAvgSq, long from, long to) {
        SquareSums sums = SquareSums.ofThread();
        long upper = from + (to - from) / ACCUMULATORS * ACCUMULATORS;
        momentBlocksDoubles(c, param, grad, expAvg, expAvgSq, from, upper, sums);
        return TAIL.momentsDoubles(c, param, grad, expAvg, expAvgSq, upper, to, sums.first, sums.second);
    }

    private static void momentBlocksDoubles(LambCoefficients c, MemorySegment param, MemorySegment grad,
                                            MemorySegment expAvg, MemorySegment expAvgSq, long from, long upper,
                                            SquareSums sums) {
        final DoubleVector beta1 = DoubleVector.broadcast(D, c.beta1());
        final DoubleVector oneMinusBeta1 = DoubleVector.broadcast(D, c.oneMinusBeta1());
        final DoubleVector beta2 = DoubleVector.broadcast(D, c.beta2());
        final DoubleVector oneMinusBeta2 = DoubleVector.broadcast(D, c.oneMinusBeta2());
        final DoubleVector bc1 = DoubleVector.broadcast(D, c.biasCorrection1());
        final DoubleVector bc2 = DoubleVector.broadcast(D, c.biasCorrection2());
        final DoubleVector eps = DoubleVector.broadcast(D, c.eps());
        final DoubleVector wd = DoubleVector.broadcast(D, c.weightDecay());
        final double[] ps = sums.firstDoubles, us = sums.secondDoubles;
        final double[] paramSq = sums.first, updateSq = sums.second;
        // clipping/loss scaling, first as torch's in-place grad.mul_(coef) before step()
        final boolean scaled = c.gradScale() != 1;
        final DoubleVector gradScale = DoubleVector.broadcast(D, c.gradScale());
        // then torch's clip_grad_value_ (clamp_), as two compare-and-blends: for a bound c >= +0 the same
        // bits as Math.min(Math.max(g, -c), c) (NaN compares false and stays NaN; zeros keep their sign),
        // without the NaN and signed-zero fix-ups of lane-wise min/max
        final boolean clamped = c.clipValue() != Double.POSITIVE_INFINITY;
        final DoubleVector clipValue = DoubleVector.broadcast(D, c.clipValue());
        final DoubleVector negClipValue = clipValue.neg();
        for (long block = from; block < upper; block += ACCUMULATORS) {
            for (int j = 0; j < ACCUMULATORS; j += D.length()) {
                long at = (block + j) * Double.BYTES;
                DoubleVector p = DoubleVector.fromMemorySegment(D, param, at, ORDER);
                DoubleVector g = DoubleVector.fromMemorySegment(D, grad, at, ORDER);
                if (scaled) g = g.mul(gradScale);
                if (clamped) g = g.blend(clipValue, g.compare(GT, clipValue)).blend(negClipValue, g.compare(LT, negClipValue));
                DoubleVector m = g.fma(oneMinusBeta1, DoubleVector.fromMemorySegment(D, expAvg, at, ORDER).mul(beta1));
                DoubleVector v = oneMinusBeta2.mul(g).fma(g, DoubleVector.fromMemorySegment(D, expAvgSq, at, ORDER).mul(beta2));
                m.intoMemorySegment(expAvg, at, ORDER);
                v.intoMemorySegment(expAvgSq, at, ORDER);
                p.intoArray(ps, j);
                p.fma(wd, m.div(bc1).div(v.div(bc2).sqrt().add(eps))).intoArray(us, j);
            }
            for (int k = 0; k < ACCUMULATORS; k++) {
                paramSq[k] += ps[k] * ps[k];
                updateSq[k] += us[k] * us[k];
            }
        }
    }

    @Override
    public void applyDoubles(LambCoefficients c, double ratio, MemorySegment param, MemorySegment expAvg,
                             MemorySegment expAvgSq, long from, long to) {
        long upper = from + D.loopBound(to - from);
        final DoubleVector bc1 = DoubleVector.broadcast(D, c.biasCorrection1());
        final DoubleVector bc2 = DoubleVector.broadcast(D, c.biasCorrection2());
        final DoubleVector eps = DoubleVector.broadcast(D, c.eps());
        final DoubleVector wd = DoubleVector.broadcast(D, c.weightDecay());
        final DoubleVector negRatio = DoubleVector.broadcast(D, -ratio);
        for (long i = from; i < upper; i += D.length()) {
            long at = i * Double.BYTES;
            DoubleVector p = DoubleVector.fromMemorySegment(D, param, at, ORDER);
            DoubleVector m = DoubleVector.fromMemorySegment(D, expAvg, at, ORDER);
            DoubleVector v = DoubleVector.fromMemorySegment(D, expAvgSq, at, ORDER);
            DoubleVector u = p.fma(wd, m.div(bc1).div(v.div(bc2).sqrt().add(eps)));
            u.fma(negRatio, p).intoMemorySegment(param, at, ORDER);
        }
        TAIL.applyDoubles(c, ratio, param, expAvg, expAvgSq, upper, to);
    }
}
