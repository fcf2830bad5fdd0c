package dev.adamant.conformance;

import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.util.List;

/**
 * Golden values (kept as {@code double[]} in both dtypes, see {@link GoldenCase}) in and out of the
 * engine's tensors, shared by every replay.
 */
final class EngineTensors {
    private EngineTensors() {
    }

    /** {@code t}, remembered in {@code owned} so the replay closes it. */
    static Tensor own(List<Tensor> owned, Tensor t) {
        owned.add(t);
        return t;
    }

    static Tensor tensor(DType dtype, double[] values) {
        Tensor t = Tensor.allocate(dtype, values.length);
        copy(t, values);
        return t;
    }

    /** Narrowing a widened float32 gives back its exact bits. */
    static void copy(Tensor t, double[] values) {
        if (t.dtype() == DType.FLOAT64) {
            t.copyFrom(values);
        } else {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            t.copyFrom(f);
        }
    }

    static double[] values(Tensor t) {
        if (t.dtype() == DType.FLOAT64) {
            return t.toDoubleArray();
        }
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
