package dev.adamant.testing;

import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** Reproducible random buffers for tests; every generator takes an explicit seed or random. */
public final class TestData {
    /** Values that stress IEEE corner cases: signed zeros, subnormals, huge values, NaN and infinities. */
    public static final float[] SPECIAL_FLOATS = {
            0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL / 3, -1e-40f,
            1e30f, -3e38f, Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    public static final double[] SPECIAL_DOUBLES = {
            0d, -0d, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL / 3, -1e-310,
            1e200, -1e308, Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

    private TestData() {
    }

    /** {@code n} values ~ N(0, scale²). */
    public static float[] gaussianFloats(SplittableRandom random, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextGaussian() * scale);
        }
        return a;
    }

    public static double[] gaussianDoubles(SplittableRandom random, int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextGaussian() * scale;
        }
        return a;
    }

    /** Replaces about one element in {@code every} with a value of {@link #SPECIAL_FLOATS}. */
    public static float[] sprinkleSpecials(SplittableRandom random, float[] a, int every) {
        for (int i = 0; i < a.length; i++) {
            if (random.nextInt(every) == 0) {
                a[i] = SPECIAL_FLOATS[random.nextInt(SPECIAL_FLOATS.length)];
            }
        }
        return a;
    }

    public static double[] sprinkleSpecials(SplittableRandom random, double[] a, int every) {
        for (int i = 0; i < a.length; i++) {
            if (random.nextInt(every) == 0) {
                a[i] = SPECIAL_DOUBLES[random.nextInt(SPECIAL_DOUBLES.length)];
            }
        }
        return a;
    }

    /** An owned tensor of {@code n} values ~ N(0, 1). */
    public static Tensor gaussianTensor(DType dtype, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return switch (dtype) {
            case FLOAT32, BFLOAT16, FLOAT16 -> Tensor.ofFloats(dtype, gaussianFloats(random, n, 1));
            case FLOAT64 -> Tensor.ofDoubles(gaussianDoubles(random, n, 1));
            case UINT8 -> throw new IllegalArgumentException("no gaussian uint8 tensor");
        };
    }

    /** Fills a whole segment with values ~ N(0, scale²), optionally with special values sprinkled in. */
    public static void fillGaussian(MemorySegment segment, DType dtype, SplittableRandom random, double scale,
                                    boolean specials) {
        int n = Math.toIntExact(segment.byteSize() / dtype.byteSize());
        switch (dtype) {
            case FLOAT32 -> {
                float[] a = gaussianFloats(random, n, scale);
                if (specials) sprinkleSpecials(random, a, 8);
                MemorySegment.copy(a, 0, segment, ValueLayout.JAVA_FLOAT, 0, n);
            }
            case FLOAT64 -> {
                double[] a = gaussianDoubles(random, n, scale);
                if (specials) sprinkleSpecials(random, a, 8);
                MemorySegment.copy(a, 0, segment, ValueLayout.JAVA_DOUBLE, 0, n);
            }
            case BFLOAT16, FLOAT16 -> {
                float[] a = gaussianFloats(random, n, scale);
                if (specials) sprinkleSpecials(random, a, 8);
                Tensor.wrap(segment, dtype).copyFrom(a);
            }
            case UINT8 -> throw new IllegalArgumentException("no gaussian uint8 values");
        }
    }

    /** An owned copy of {@code t} with the same type and contents. */
    public static Tensor copyOf(Tensor t) {
        Tensor copy = Tensor.allocate(t.dtype(), t.size());
        copy.copyFrom(t);
        return copy;
    }
}
