package dev.adamant.simd;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.GradNormKernel;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The gradient-norm reductions at every lane width against the scalar reference, bit for bit: the
 * sums of squares keep the same 16 accumulators in the same order, so no width may differ.
 */
class GradNormVectorAgainstScalarTest {
    private static final GradNormKernel SCALAR = GradNormKernel.KIND.scalar(Numerics.EXACT);
    private static final double[] SPECIAL = {0.0, -0.0, Float.MIN_VALUE, -1e-40, 3e38, -1e19, Double.NaN,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

    private static void fill(MemorySegment f, MemorySegment d, int n, Random r, boolean special) {
        for (int i = 0; i < n; i++) {
            double v = r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3);
            if (special && r.nextInt(50) == 0) v = SPECIAL[r.nextInt(SPECIAL.length)];
            f.setAtIndex(JAVA_FLOAT, i, (float) v);
            d.setAtIndex(JAVA_DOUBLE, i, v);
        }
    }

    @Test
    void everyWidthGivesTheReferenceBits() {
        Simd.assumeSimd();
        Random r = new Random(42);
        int[] sizes = java.util.stream.IntStream.concat(java.util.stream.IntStream.rangeClosed(0, 300),
                java.util.stream.IntStream.of(1021, 4099, 65537)).toArray();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(65540L * 4, 64), d = arena.allocate(65540L * 8, 64);
            for (int bits : Backends.laneWidths().toArray()) {
                GradNormKernel v = Backends.vector(bits, Numerics.EXACT).orElseThrow().kernel(GradNormKernel.KIND);
                for (int n : sizes) {
                    for (int from : new int[] {0, 3}) {
                        if (from > n) continue;
                        fill(f, d, n, r, n % 3 == 0);
                        String at = bits + "-bit n=" + n + " from=" + from;
                        assertEquals(SCALAR.sumOfSquaresFloats(f, from, n), v.sumOfSquaresFloats(f, from, n), at);
                        assertEquals(SCALAR.sumOfSquaresDoubles(d, from, n), v.sumOfSquaresDoubles(d, from, n), at);
                        assertEquals(SCALAR.maxAbsFloats(f, from, n), v.maxAbsFloats(f, from, n), at);
                        assertEquals(SCALAR.maxAbsDoubles(d, from, n), v.maxAbsDoubles(d, from, n), at);
                    }
                }
            }
        }
    }

    @Test
    void clipGradNormIsTheSameOnEveryBackend() {
        Simd.assumeSimd();
        Random r = new Random(3);
        float[][] grads = {new float[12], new float[5], new float[1021]};
        for (float[] g : grads) for (int i = 0; i < g.length; i++) g[i] = (float) r.nextGaussian();
        Double expected2 = null, expectedInf = null;
        for (var backend : Backends.all(Numerics.EXACT)) {
            try (Tensor a = Tensor.ofFloats(grads[0]); Tensor b = Tensor.ofFloats(grads[1]); Tensor c = Tensor.ofFloats(grads[2]);
                 Tensor pa = Tensor.ofFloats(grads[0]); Tensor pb = Tensor.ofFloats(grads[1]); Tensor pc = Tensor.ofFloats(grads[2]);
                 Sgd sgd = new Sgd(SgdConfig.sgd(), backend)) {
                List<Parameter> ps = List.of(Parameter.of(pa), Parameter.of(pb), Parameter.of(pc));
                ps.get(0).setGrad(a);
                ps.get(1).setGrad(b);
                ps.get(2).setGrad(c);
                sgd.addParamGroup(ps);
                double n2 = sgd.clipGradNorm(1, 2), nInf = sgd.clipGradNorm(1, Double.POSITIVE_INFINITY);
                if (expected2 == null) {
                    expected2 = n2;
                    expectedInf = nInf;
                }
                assertEquals(expected2, n2, backend.name());
                assertEquals(expectedInf, nInf, backend.name());
            }
        }
    }
}
