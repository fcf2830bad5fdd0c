package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The low-level entry point for other tensor libraries: one fused Adam/AdamW step over an element
 * range of buffers the caller owns, with no optimizer object and no allocation. The caller keeps
 * the step count (1 on the first step).
 *
 * <pre>{@code
 * AdamUpdate.withDefaultBackend().apply(AdamConfig.adamW(), step, param, grad, expAvg, expAvgSq, null, 0, n);
 * }</pre>
 *
 * Every argument is checked before any element is written: buffer types, sizes, liveness,
 * read-only memory and overlap between any two of the buffers.
 */
public final class AdamUpdate {
    private static final String[] NAMES = {"param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

    private final Backend backend;
    // resolved once, as the optimizers do: the lookup is not free and apply() is per tensor per step
    private final AdamKernel kernel;

    private AdamUpdate(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.kernel = backend.adam();
    }

    public static AdamUpdate withDefaultBackend() {
        return new AdamUpdate(Backends.defaultBackend());
    }

    public static AdamUpdate with(Backend backend) {
        return new AdamUpdate(backend);
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Updates elements {@code [from, to)} of off-heap or heap segments holding {@code dtype}
     * elements in native byte order. {@code maxExpAvgSq} is required with amsgrad, ignored
     * otherwise.
     */
    public void apply(AdamConfig config, long step, DType dtype, MemorySegment param, MemorySegment grad,
                      MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment maxExpAvgSq, long from, long to) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(dtype, "dtype");
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
            throw new IllegalArgumentException("AdamUpdate runs on float32 and float64 buffers, not " + dtype.torchName()
                    + " (MixedAdamUpdate updates bfloat16/float16 parameters and compact state)");
        }
        MemorySegment max = config.amsgrad() ? maxExpAvgSq : null;
        MemorySegment[] buffers = {param, grad, expAvg, expAvgSq, max};
        int count = config.amsgrad() ? 5 : 4;
        if (from < 0 || from > to) {
            throw new IndexOutOfBoundsException("Invalid element range [" + from + ", " + to + ")");
        }
        for (int i = 0; i < count; i++) {
            MemorySegment b = buffers[i];
            if (b == null) {
                throw new NullPointerException(NAMES[i] + (i == 4 ? " is required with amsgrad" : " is null"));
            }
            Checks.usable(NAMES[i], b, i != 1);
            Checks.elementType(NAMES[i], b, dtype);
            Checks.covers(NAMES[i], b, dtype, to);
        }
        long offset = from * dtype.byteSize(), length = (to - from) * dtype.byteSize();
        for (int i = 0; i < count; i++) {
            for (int j = i + 1; j < count; j++) {
                Checks.disjoint(NAMES[i], buffers[i].asSlice(offset, length), NAMES[j], buffers[j].asSlice(offset, length));
            }
        }
        AdamCoefficients c = config.coefficients(step);
        switch (dtype) {
            case FLOAT32 -> kernel.updateFloats(c, param, grad, expAvg, expAvgSq, max, from, to);
            case FLOAT64 -> kernel.updateDoubles(c, param, grad, expAvg, expAvgSq, max, from, to);
        }
    }

    /** Updates elements {@code [from, to)} of float arrays. */
    public void apply(AdamConfig config, long step, float[] param, float[] grad, float[] expAvg, float[] expAvgSq,
                      float[] maxExpAvgSq, int from, int to) {
        apply(config, step, DType.FLOAT32, segment(param), segment(grad), segment(expAvg), segment(expAvgSq),
                maxExpAvgSq == null ? null : MemorySegment.ofArray(maxExpAvgSq), from, to);
    }

    /** Updates elements {@code [from, to)} of double arrays. */
    public void apply(AdamConfig config, long step, double[] param, double[] grad, double[] expAvg,
                      double[] expAvgSq, double[] maxExpAvgSq, int from, int to) {
        apply(config, step, DType.FLOAT64, segment(param), segment(grad), segment(expAvg), segment(expAvgSq),
                maxExpAvgSq == null ? null : MemorySegment.ofArray(maxExpAvgSq), from, to);
    }

    private static MemorySegment segment(float[] a) {
        return a == null ? null : MemorySegment.ofArray(a);
    }

    private static MemorySegment segment(double[] a) {
        return a == null ? null : MemorySegment.ofArray(a);
    }
}
