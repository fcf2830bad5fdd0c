package dev.adamant.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What does a tensor cost? One AdamW {@code step()} over 2,000 tensors of 1,024 fp32 elements —
 * caller-owned ({@code separate}) or views of one flat block ({@code flat}) — against one tensor
 * of the same 2,048,000 elements ({@code one}). The variants differ only in how the elements are
 * cut into tensors.
 */
public class ManyTensorsBenchmark extends BenchmarkDefaults {
    static final int TENSOR_ELEMENTS = 1024;

    /** {@code one}, {@code separate} or {@code flat}. */
    @Param({"one", "separate", "flat"})
    public String layout;

    /** fp32 elements in all; a multiple of 1,024. */
    @Param({"2048000"})
    public int elements;

    /** Threads of the step; 0 for the engine's default (all processors). */
    @Param({"1", "0"})
    public String stepThreads;

    private ScaleSetup setup;

    @Setup
    public void setUp() {
        if (elements % TENSOR_ELEMENTS != 0) {
            throw new IllegalArgumentException("elements " + elements + " is not a multiple of " + TENSOR_ELEMENTS);
        }
        long[] sizes;
        if (layout.equals("one")) {
            sizes = new long[] {elements};
        } else {
            sizes = new long[elements / TENSOR_ELEMENTS];
            java.util.Arrays.fill(sizes, TENSOR_ELEMENTS);
        }
        setup = new ScaleSetup(sizes, layout.equals("one") ? "separate" : layout, ScaleSetup.threads(stepThreads));
    }

    @TearDown
    public void tearDown() throws Exception {
        setup.close();
    }

    @Benchmark
    public void step() {
        setup.adamW.step();
    }
}
