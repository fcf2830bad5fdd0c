package dev.adamant.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * How does one AdamW {@code step()} over a tensor in DRAM (64M fp32 elements, 1 GiB of p, g, m, v)
 * scale with the step's threads? The variants differ only in the thread count; the results are
 * bit-identical across them.
 */
public class ThreadScalingBenchmark extends BenchmarkDefaults {

    /** fp32 elements. */
    @Param({"67108864"})
    public int elements;

    /** Threads of the step (the sweep sets 1 to the machine's processors). */
    @Param({"1", "2"})
    public int threadCount;

    private ScaleSetup setup;

    @Setup
    public void setUp() {
        if (threadCount < 1) {
            throw new IllegalArgumentException("invalid threadCount " + threadCount + " (expected >= 1)");
        }
        setup = new ScaleSetup(new long[] {elements}, "separate", threadCount);
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
