package dev.adamant.simd;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsKernel;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.IntStream;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The monitoring reductions at every lane width against the scalar reference: counts, minima and
 * maxima exactly, sums to the relative 1e-5 that {@link StepStatsKernel} documents (the vector
 * kernel sums float32 lanes within blocks, the reference sums every element in double).
 */
class StepStatsVectorAgainstScalarTest {
    private static final StepStatsKernel SCALAR = StepStatsKernel.KIND.scalar(Numerics.EXACT);
    private static final int CAPACITY = 70_000;

    private record Buffers(MemorySegment old, MemorySegment param, MemorySegment grad, MemorySegment m,
                           MemorySegment v, MemorySegment c) {
        static Buffers allocate(Arena arena, ValueLayout layout) {
            long bytes = CAPACITY * layout.byteSize();
            return new Buffers(arena.allocate(bytes, 64), arena.allocate(bytes, 64), arena.allocate(bytes, 64),
                    arena.allocate(bytes, 64), arena.allocate(bytes, 64), arena.allocate(bytes, 64));
        }
    }

    private static void fill(Buffers f, Buffers d, int n, Random r, boolean nonFinite) {
        for (int i = 0; i < n; i++) {
            double p = r.nextGaussian(), update = r.nextGaussian() * 1e-3;
            double g = r.nextGaussian() * Math.pow(10, r.nextInt(5) - 2);
            if (nonFinite && r.nextInt(40) == 0) g = r.nextBoolean() ? Double.NaN : Double.NEGATIVE_INFINITY;
            double m = r.nextGaussian() * 0.1, c = r.nextGaussian() * 0.01, v = c * c + r.nextDouble() * 0.01;
            // a NaN second moment counts in the sum only, in both kernels
            if (nonFinite && r.nextInt(60) == 0) v = Double.NaN;
            double[] values = {p - update, p, g, m, v, c};
            MemorySegment[] fs = {f.old, f.param, f.grad, f.m, f.v, f.c}, ds = {d.old, d.param, d.grad, d.m, d.v, d.c};
            for (int k = 0; k < values.length; k++) {
                fs[k].setAtIndex(JAVA_FLOAT, i, (float) values[k]);
                ds[k].setAtIndex(JAVA_DOUBLE, i, values[k]);
            }
        }
    }

    @Test
    void everyWidthAgreesWithTheReference() {
        Simd.assumeSimd();
        Random r = new Random(7);
        int[] sizes = IntStream.concat(IntStream.rangeClosed(0, 130), IntStream.of(1023, 1024, 1025, 4099, 65537)).toArray();
        try (Arena arena = Arena.ofConfined()) {
            Buffers f = Buffers.allocate(arena, JAVA_FLOAT), d = Buffers.allocate(arena, JAVA_DOUBLE);
            for (int bits : Backends.laneWidths().toArray()) {
                StepStatsKernel vector = Backends.vector(bits, Numerics.EXACT).orElseThrow().kernel(StepStatsKernel.KIND);
                for (int n : sizes) {
                    int from = n > 5 ? n % 5 : 0;
                    boolean nonFinite = n % 4 == 1;
                    fill(f, d, n, r, nonFinite);
                    for (int moments = 0; moments < 3; moments++) {
                        double scale = moments == 1 ? 0.5 : 1, clamp = moments == 2 ? 0.05 : Double.POSITIVE_INFINITY;
                        String at = bits + "-bit n=" + n + " from=" + from + " moments=" + moments;
                        compare(at, run(SCALAR, f, true, scale, clamp, moments, from, n), run(vector, f, true, scale, clamp, moments, from, n));
                        compare(at + " f64", run(SCALAR, d, false, scale, clamp, moments, from, n), run(vector, d, false, scale, clamp, moments, from, n));
                    }
                }
            }
        }
    }

    /** moments: 0 none, 1 first + second, 2 first + centered second. */
    private static StatsAccumulator run(StepStatsKernel k, Buffers b, boolean floats, double scale, double clamp, int moments,
                                       int from, int to) {
        StatsAccumulator into = new StatsAccumulator();
        MemorySegment old = b.old.asSlice((long) from * (floats ? 4 : 8));
        MemorySegment m = moments > 0 ? b.m : null, v = moments > 0 ? b.v : null, c = moments == 2 ? b.c : null;
        if (floats) {
            k.accumulateFloats(old, b.param, b.grad, scale, clamp, m, v, c, from, to, into);
        } else {
            k.accumulateDoubles(old, b.param, b.grad, scale, clamp, m, v, c, from, to, into);
        }
        return into;
    }

    private static void compare(String at, StatsAccumulator expected, StatsAccumulator actual) {
        assertEquals(expected.elements, actual.elements, at + " elements");
        assertEquals(expected.nonFiniteGrads, actual.nonFiniteGrads, at + " nonFiniteGrads");
        assertEquals(expected.secondMomentMin, actual.secondMomentMin, at + " secondMomentMin");
        assertEquals(expected.secondMomentMax, actual.secondMomentMax, at + " secondMomentMax");
        close(expected.gradSquares, actual.gradSquares, at + " gradSquares");
        close(expected.updateSquares, actual.updateSquares, at + " updateSquares");
        close(expected.paramSquares, actual.paramSquares, at + " paramSquares");
        close(expected.firstMomentAbs, actual.firstMomentAbs, at + " firstMomentAbs");
        close(expected.secondMoment, actual.secondMoment, at + " secondMoment");
    }

    private static void close(double expected, double actual, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN but was " + actual);
            return;
        }
        assertEquals(expected, actual, Math.abs(expected) * 1e-5, what);
    }
}
