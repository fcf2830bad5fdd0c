package dev.adamant.bench;

import org.eclipse.collections.api.factory.primitive.LongLists;
import org.eclipse.collections.api.list.primitive.MutableLongList;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * How fast is one AdamW {@code step()} over a real model's parameter list — GPT-2 small's 148
 * tensors, 124,439,808 fp32 elements — in flat storage, against the caller-owned tensors a backend
 * may hand over, on all the machine's threads? Its element rate is divided by the stream probe's
 * (single-threaded, at the largest size of the run). About 2 GB off-heap (p, g, m, v).
 */
public class ModelStepBenchmark extends BenchmarkDefaults {
    /** GPT-2 small's parameter sizes in {@code named_parameters()} order. */
    public static final long[] GPT2_SMALL = gpt2Small();
    /** Its total element count, 124,439,808. */
    public static final long GPT2_SMALL_ELEMENTS = LongLists.immutable.with(GPT2_SMALL).sum();

    @Param({"gpt2-small"})
    public String model;

    /** {@code flat} or {@code separate}. */
    @Param({"flat", "separate"})
    public String layout;

    /** Threads of the step; 0 for the engine's default (all processors). */
    @Param({"0"})
    public String stepThreads;

    private ScaleSetup setup;

    private static long[] gpt2Small() {
        long d = 768;
        MutableLongList sizes = LongLists.mutable.with(50257 * d, 1024 * d); // wte, wpe
        for (int layer = 0; layer < 12; layer++) {
            sizes.addAll(d, d);                 // ln_1 weight, bias
            sizes.addAll(d * 3 * d, 3 * d);     // attn.c_attn weight, bias
            sizes.addAll(d * d, d);             // attn.c_proj weight, bias
            sizes.addAll(d, d);                 // ln_2 weight, bias
            sizes.addAll(d * 4 * d, 4 * d);     // mlp.c_fc weight, bias
            sizes.addAll(4 * d * d, d);         // mlp.c_proj weight, bias
        }
        sizes.addAll(d, d);                     // ln_f weight, bias
        return sizes.toArray();
    }

    /** Elements of {@code model}. */
    public static long elements(String model) {
        if (!model.equals("gpt2-small")) {
            throw new IllegalArgumentException("unknown model " + model + " (expected gpt2-small)");
        }
        return GPT2_SMALL_ELEMENTS;
    }

    @Setup
    public void setUp() {
        elements(model);
        setup = new ScaleSetup(GPT2_SMALL, layout, ScaleSetup.threads(stepThreads));
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
