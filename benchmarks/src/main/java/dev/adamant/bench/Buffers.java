package dev.adamant.bench;

import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * The four fp32 buffers of one AdamW tensor (param, grad, exp_avg, exp_avg_sq), off-heap, with
 * the same seeded contents in every benchmark so that all of them move the same bytes.
 */
final class Buffers implements AutoCloseable {
    /** Bytes an fp32 AdamW step moves per element: reads p, g, m, v; writes p, m, v. */
    static final int BYTES_PER_ELEMENT = 28;

    final Tensor param, grad, expAvg, expAvgSq;

    Buffers(int size) {
        param = gaussian(size, 1);
        grad = gaussian(size, 2);
        expAvg = Tensor.allocate(DType.FLOAT32, size);
        expAvgSq = Tensor.allocate(DType.FLOAT32, size);
    }

    static float[] gaussianArray(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static Tensor gaussian(int size, long seed) {
        Tensor t = Tensor.allocate(DType.FLOAT32, size);
        t.copyFrom(gaussianArray(size, seed));
        return t;
    }

    @Override
    public void close() {
        param.close();
        grad.close();
        expAvg.close();
        expAvgSq.close();
    }
}
