package dev.adamant.kernel;

import java.util.Arrays;

/**
 * The 16 fixed-order accumulators of a pass's sums of squares ({@link LambKernel}'s two norms,
 * {@link GradNormKernel}'s one), and the lanes a vector kernel spills into them, kept per thread:
 * a kernel call runs for every chunk of every tensor, and fresh arrays per call were about 770 bytes
 * per tensor and step for LAMB. A thread uses one set at a time; a kernel takes it with
 * {@link #ofThread()} at the start of its call and passes the arrays to the scalar tail it calls.
 */
public final class SquareSums {
    private static final ThreadLocal<SquareSums> OF_THREAD = ThreadLocal.withInitial(SquareSums::new);

    /** Accumulators of the first and second sum, zeroed by {@link #ofThread()}. */
    public final double[] first = new double[LambKernel.ACCUMULATORS], second = new double[LambKernel.ACCUMULATORS];
    /** Scratch for one block's lane values, float32 and float64 kernels. */
    public final float[] firstFloats = new float[LambKernel.ACCUMULATORS], secondFloats = new float[LambKernel.ACCUMULATORS];
    public final double[] firstDoubles = new double[LambKernel.ACCUMULATORS], secondDoubles = new double[LambKernel.ACCUMULATORS];

    private SquareSums() {
    }

    /** This thread's set, with both accumulators zeroed. */
    public static SquareSums ofThread() {
        SquareSums s = OF_THREAD.get();
        Arrays.fill(s.first, 0);
        Arrays.fill(s.second, 0);
        return s;
    }
}
