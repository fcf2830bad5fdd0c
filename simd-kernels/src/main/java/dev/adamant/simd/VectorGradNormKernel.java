package dev.adamant.simd;

import dev.adamant.kernel.GradNormKernel;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.ScalarGradNormKernel;
import dev.adamant.kernel.SquareSums;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * The gradient-norm reductions with the Vector API, bit-identical to {@link ScalarGradNormKernel}:
 * lane {@code k} of the accumulator array is the scalar's accumulator {@code k}, so each one adds
 * the same squares in the same order at every width. A template, copied per lane width.
 */
final class VectorGradNormKernel implements GradNormKernel {
    private static final Specialization SPEC = Specialization.of(MethodHandles.lookup());
    private static final VectorSpecies<Float> F = SPEC.floats();
    private static final VectorSpecies<Double> D = SPEC.doubles();
    private static final ScalarGradNormKernel TAIL = ScalarGradNormKernel.INSTANCE;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Override
    public double sumOfSquaresFloats(MemorySegment grad, long from, long to) {
        double[] acc = SquareSums.ofThread().first;
        // whole blocks of 16 elements, so the tail continues the accumulators in the same order
        long upper = from + (to - from) / ACCUMULATORS * ACCUMULATORS;
        squareBlocksFloats(grad, from, upper, acc);
        return LambKernel.combine(TAIL.sumOfSquaresFloats(grad, upper, to, acc));
    }

    @Override
    public double sumOfSquaresDoubles(MemorySegment grad, long from, long to) {
        double[] acc = SquareSums.ofThread().first;
        long upper = from + (to - from) / ACCUMULATORS * ACCUMULATORS;
        squareBlocksDoubles(grad, from, upper, acc);
        return LambKernel.combine(TAIL.sumOfSquaresDoubles(grad, upper, to, acc));
    }

    private static void squareBlocksFloats(MemorySegment grad, long from, long upper, double[] acc) {
        final int half = D.length();
        for (long block = from; block < upper; block += ACCUMULATORS) {
            for (int j = 0; j < ACCUMULATORS; j += F.length()) {
                FloatVector g = FloatVector.fromMemorySegment(F, grad, (block + j) * Float.BYTES, ORDER);
                // widen each half to double: float·float is exact there, so only the adds round
                DoubleVector lo = (DoubleVector) g.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector hi = (DoubleVector) g.convertShape(VectorOperators.F2D, D, 1);
                DoubleVector.fromArray(D, acc, j).add(lo.mul(lo)).intoArray(acc, j);
                DoubleVector.fromArray(D, acc, j + half).add(hi.mul(hi)).intoArray(acc, j + half);
            }
        }
    }

    private static void squareBlocksDoubles(MemorySegment grad, long from, long upper, double[] acc) {
        for (long block = from; block < upper; block += ACCUMULATORS) {
            for (int j = 0; j < ACCUMULATORS; j += D.length()) {
                DoubleVector g = DoubleVector.fromMemorySegment(D, grad, (block + j) * Double.BYTES, ORDER);
                // mul then add, no fma: the scalar reference rounds g·g first
                DoubleVector.fromArray(D, acc, j).add(g.mul(g)).intoArray(acc, j);
            }
        }
    }

    @Override
    public float maxAbsFloats(MemorySegment grad, long from, long to) {
        long upper = from + F.loopBound(to - from);
        FloatVector max = FloatVector.zero(F);
        for (long i = from; i < upper; i += F.length()) {
            max = max.max(FloatVector.fromMemorySegment(F, grad, i * Float.BYTES, ORDER).abs());
        }
        return Math.max(max.reduceLanes(VectorOperators.MAX), TAIL.maxAbsFloats(grad, upper, to));
    }

    @Override
    public double maxAbsDoubles(MemorySegment grad, long from, long to) {
        long upper = from + D.loopBound(to - from);
        DoubleVector max = DoubleVector.zero(D);
        for (long i = from; i < upper; i += D.length()) {
            max = max.max(DoubleVector.fromMemorySegment(D, grad, i * Double.BYTES, ORDER).abs());
        }
        return Math.max(max.reduceLanes(VectorOperators.MAX), TAIL.maxAbsDoubles(grad, upper, to));
    }
}
