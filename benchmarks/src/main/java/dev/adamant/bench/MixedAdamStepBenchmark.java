package dev.adamant.bench;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedAdamKernel;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import dev.adamant.precision.BlockCode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * How much faster is an AdamW step when parameters, gradients or state take fewer bytes? The
 * variants differ only in the {@link MixedLayout} ({@code param[+master]/grad/state[+sr]}); run it
 * with {@link AdamWStepBenchmark} at the same kernel, numerics and size, in one JMH run, and divide:
 * {@code fp32/fp32/fp32} is the mixed kernel's own fp32 path (bit-identical to the fp32 kernel),
 * the fp32 kernel the bar. One call updates {@code size} elements with the step's fused kernel; the
 * bytes each layout moves per element are {@link MixedLayout#bytesMovedPerElement()}.
 */
public class MixedAdamStepBenchmark extends BenchmarkDefaults {

    /** {@code scalar}, {@code 128}, {@code 256}, {@code 512} or {@code preferred}. */
    @Param({"preferred"})
    public String kernel;

    @Param({"EXACT"})
    public Numerics numerics;

    @Param({"67108864"})
    public int size;

    @Param({"fp32/fp32/fp32", "fp32/fp32/bf16", "fp32/fp32/8bit", "fp32/bf16/fp32", "bf16+master/bf16/bf16",
            "bf16+master/bf16/8bit", "bf16/bf16/bf16+sr"})
    public String layout;

    private Arena arena;
    private MixedLayout mixed;
    private MixedAdamBuffers buffers;
    private MixedAdamKernel kernelImpl;
    private AdamCoefficients coefficients;

    @Setup
    public void setUp() {
        mixed = MixedLayout.parse(layout);
        kernelImpl = AdamWStepBenchmark.backend(kernel, numerics).kernel(MixedAdamKernel.KIND);
        arena = Arena.ofShared();
        long state = mixed.state().byteSize(), blocks = BlockCode.blocks(size);
        MemorySegment param = arena.allocate((long) size * mixed.param().byteSize(), 64);
        MemorySegment master = mixed.master() ? arena.allocate(4L * size, 64) : null;
        MemorySegment grad = arena.allocate((long) size * mixed.grad().byteSize(), 64);
        // the same seeded values as the fp32 benchmarks, rounded to each format; zero state
        fill(param, master, mixed.param(), 1);
        fill(grad, null, mixed.grad(), 2);
        buffers = new MixedAdamBuffers(param, master, grad, arena.allocate(size * state, 64), arena.allocate(size * state, 64),
                mixed.quantized() ? arena.allocate(4 * blocks, 64) : null,
                mixed.quantized() ? arena.allocate(4 * blocks, 64) : null);
        coefficients = AdamConfig.adamW().coefficients(10);
    }

    private void fill(MemorySegment s, MemorySegment master, dev.adamant.precision.FloatFormat format, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < size; i++) {
            float value = (float) random.nextGaussian();
            format.store(s, i, value);
            if (master != null) master.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void step() {
        kernelImpl.update(mixed, coefficients, 0x5EED, buffers, 0, size);
    }
}
