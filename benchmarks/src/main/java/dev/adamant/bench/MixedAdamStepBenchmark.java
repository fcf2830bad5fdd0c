package dev.adamant.bench;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedAdamKernel;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import dev.adamant.precision.BlockCode;
import dev.adamant.precision.FloatFormat;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * How much faster is an AdamW step when parameters, gradients or state take fewer bytes? The
 * variants differ only in the {@link #format}: a {@link MixedLayout} ({@code param[+master]/grad/state[+sr]})
 * run by the mixed kernel, or {@value #FP32_ADAMW}, the fp32 {@link AdamKernel} itself, the bar every
 * layout is divided by (same width, numerics and size, same run). {@code fp32/fp32/fp32} is the
 * mixed kernel's own fp32 path (bit-identical to the fp32 kernel). One call updates
 * {@link #stepElements} elements; the bytes each layout moves per element are
 * {@link MixedLayout#bytesMovedPerElement()}.
 *
 * <p>Its parameters have names of their own ({@code width}, {@code stepElements}, {@code format},
 * not {@code kernel}, {@code size}, {@code layout}): the bench sweep sets those for the other
 * benchmarks, and runs this one at one width and one size only.
 */
public class MixedAdamStepBenchmark extends BenchmarkDefaults {
    /**
     * Which repetition of the whole set of formats this is; the step ignores it. On a shared machine
     * the same configuration measured a minute apart differs by up to a quarter, as much as the
     * formats differ, and JMH runs configurations one after another. JMH orders them by parameter
     * name, the first name (in {@link String} order) the outermost loop, so this name must sort
     * before every other parameter's: then each cycle measures the bar and every format and thread
     * count once, close together, and the report divides each format by the bar of its own cycle.
     */
    @Param({"1"})
    public int cycle;

    /** The fp32 AdamW kernel, the bar. */
    public static final String FP32_ADAMW = "fp32-adamw";
    /** Every format the benchmark declares, in its {@code @Param} order. */
    public static final List<String> FORMATS = List.of(FP32_ADAMW, "fp32/fp32/fp32", "fp32/fp32/bf16", "fp32/fp32/8bit",
            "fp32/bf16/fp32", "bf16+master/bf16/bf16", "bf16+master/bf16/8bit", "bf16/bf16/bf16+sr");

    /** {@code scalar}, {@code 128}, {@code 256}, {@code 512} or {@code preferred}. */
    @Param({"preferred"})
    public String width;

    @Param({"EXACT"})
    public Numerics numerics;

    @Param({"67108864"})
    public int stepElements;

    /**
     * Threads that share each call, each updating a contiguous run of whole 8-bit blocks. The fp32
     * step is memory bound from one thread on; formats that save bytes but cost arithmetic need
     * the machine's cores to turn the saved bytes into time.
     */
    @Param({"1"})
    public int kernelThreads;

    @Param({FP32_ADAMW, "fp32/fp32/fp32", "fp32/fp32/bf16", "fp32/fp32/8bit", "fp32/bf16/fp32", "bf16+master/bf16/bf16",
            "bf16+master/bf16/8bit", "bf16/bf16/bf16+sr"})
    public String format;

    private Arena arena;
    private MixedLayout mixed;
    private MixedAdamBuffers buffers;
    private MixedAdamKernel mixedKernel;
    private AdamKernel fp32Kernel;
    private AdamCoefficients coefficients;
    private ExecutorService helpers;
    private final List<Future<?>> pending = new ArrayList<>();

    /** The layout of a format; {@value #FP32_ADAMW} has fp32 AdamW's buffers. */
    public static MixedLayout layoutOf(String format) {
        return format.equals(FP32_ADAMW) ? MixedLayout.fp32() : MixedLayout.parse(format);
    }

    @Setup
    public void setUp() {
        if (kernelThreads < 1) {
            throw new IllegalArgumentException("invalid kernelThreads " + kernelThreads + " (expected >= 1)");
        }
        helpers = kernelThreads == 1 ? null : Executors.newFixedThreadPool(kernelThreads - 1, r -> {
            Thread t = new Thread(r, "mixed-step-helper");
            t.setDaemon(true);
            return t;
        });
        mixed = layoutOf(format);
        if (format.equals(FP32_ADAMW)) {
            fp32Kernel = AdamWStepBenchmark.backend(width, numerics).adam();
        } else {
            mixedKernel = AdamWStepBenchmark.backend(width, numerics).kernel(MixedAdamKernel.KIND);
        }
        arena = Arena.ofShared();
        long size = stepElements, state = mixed.state().byteSize(), blocks = BlockCode.blocks(size);
        MemorySegment param = allocate(size * mixed.param().byteSize());
        MemorySegment master = mixed.master() ? allocate(4L * size) : null;
        MemorySegment grad = allocate(size * mixed.grad().byteSize());
        // the same seeded values as the fp32 benchmarks, rounded to each format; zero state
        fill(param, master, mixed.param(), 1);
        fill(grad, null, mixed.grad(), 2);
        buffers = new MixedAdamBuffers(param, master, grad, allocate(size * state), allocate(size * state),
                mixed.quantized() ? allocate(4 * blocks) : null, mixed.quantized() ? allocate(4 * blocks) : null);
        coefficients = AdamConfig.adamW().coefficients(10);
    }

    /** Zeroed memory placed as the library places a tensor's (huge pages from 2 MiB, where available). */
    private MemorySegment allocate(long bytes) {
        return Tensor.allocate(arena, DType.UINT8, bytes).segment();
    }

    private void fill(MemorySegment s, MemorySegment master, FloatFormat format, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < stepElements; i++) {
            float value = (float) random.nextGaussian();
            format.store(s, i, value);
            if (master != null) master.setAtIndex(ValueLayout.JAVA_FLOAT, i, value);
        }
    }

    @TearDown
    public void tearDown() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
        arena.close();
    }

    @Benchmark
    public void step() throws Exception {
        // the helpers take the first parts, this thread the last; the cuts fall on 8-bit block boundaries
        long blocks = BlockCode.blocks(stepElements);
        for (int t = 0; t < kernelThreads - 1; t++) {
            long from = blocks * t / kernelThreads * BlockCode.BLOCK, to = blocks * (t + 1) / kernelThreads * BlockCode.BLOCK;
            pending.add(helpers.submit(() -> update(from, to)));
        }
        update(blocks * (kernelThreads - 1) / kernelThreads * BlockCode.BLOCK, stepElements);
        for (Future<?> f : pending) {
            f.get();
        }
        pending.clear();
    }

    private void update(long from, long to) {
        if (fp32Kernel != null) {
            fp32Kernel.updateFloats(coefficients, buffers.param(), buffers.grad(), buffers.expAvg(), buffers.expAvgSq(), null,
                    from, to);
        } else {
            mixedKernel.update(mixed, coefficients, 0x5EED, buffers, from, to);
        }
    }
}
