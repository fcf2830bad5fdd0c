package dev.adamant.bench;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * How many fp32 AdamW elements per second does one backend update, at one size? The variants
 * differ only in the kernel (scalar reference, or vector at one lane width) and numerics mode;
 * the step is the engine's fused kernel over off-heap buffers, one call per operation.
 */
public class AdamWStepBenchmark extends BenchmarkDefaults {

    /** {@code scalar}, {@code 128}, {@code 256}, {@code 512} or {@code preferred}. */
    @Param({"scalar", "128", "256", "512"})
    public String kernel;

    @Param({"EXACT", "FAST"})
    public Numerics numerics;

    @Param({"4096", "65536", "1048576", "16777216"})
    public int size;

    private Buffers buffers;
    private AdamKernel adam;
    private AdamCoefficients coefficients;

    @Setup
    public void setUp() {
        adam = backend(kernel, numerics).adam();
        buffers = new Buffers(size);
        // a mid-run step: bias corrections are neither 0 nor 1
        coefficients = AdamConfig.adamW().coefficients(10);
    }

    static Backend backend(String kernel, Numerics numerics) {
        if (kernel.equals("scalar")) {
            return Backends.scalar(numerics);
        }
        int bits = kernel.equals("preferred") ? Backends.preferredLaneWidth() : Integer.parseInt(kernel);
        return Backends.vector(bits, numerics).orElseThrow(() -> new IllegalStateException(
                "no " + kernel + "-bit vector kernel here: " + Backends.simdUnavailableReason().orElse("width unavailable")));
    }

    @TearDown
    public void tearDown() {
        buffers.close();
    }

    @Benchmark
    public void step() {
        adam.updateFloats(coefficients, buffers.param.segment(), buffers.grad.segment(), buffers.expAvg.segment(),
                buffers.expAvgSq.segment(), null, 0, size);
    }
}
