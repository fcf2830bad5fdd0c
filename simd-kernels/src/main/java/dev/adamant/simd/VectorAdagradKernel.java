package dev.adamant.simd;

import dev.adamant.kernel.AdagradCoefficients;
import dev.adamant.kernel.AdagradKernel;
import dev.adamant.kernel.ScalarAdagradKernel;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
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
}
