package dev.adamant.bench;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adagrad;
import dev.adamant.optim.AdagradConfig;
import dev.adamant.optim.Adam;
import dev.adamant.optim.Adamax;
import dev.adamant.optim.AdamaxConfig;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Lamb;
import dev.adamant.optim.LambConfig;
import dev.adamant.optim.Lion;
import dev.adamant.optim.LionConfig;
import dev.adamant.optim.NAdam;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.RAdam;
import dev.adamant.optim.RAdamConfig;
import dev.adamant.optim.RmsProp;
import dev.adamant.optim.RmsPropConfig;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import org.eclipse.collections.api.factory.Maps;
import org.eclipse.collections.api.map.ImmutableMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.util.List;
import java.util.function.Function;

/**
 * How fast is one {@code step()} of each optimizer of the family over one fp32 tensor, on the
 * scalar reference and on the vector kernels at the preferred width? The variants differ only in
 * the optimizer and the kernel; every optimizer runs with torch's defaults (SGD with momentum 0.9,
 * so that it keeps state) through the public API, as a training loop would call it.
 */
public class OptimizerStepBenchmark extends BenchmarkDefaults {

    /** An optimizer of the family and the fp32 bytes one step moves per element. */
    public record Member(int bytesPerElement, Function<Backend, Optimizer<?, ?>> create) {
    }

    /** torch name to the member; LAMB reads p, m, v twice (two passes) and so moves the most. */
    public static final ImmutableMap<String, Member> FAMILY = Maps.immutable.<String, Member>empty()
            .newWithKeyValue("adagrad", new Member(20, b -> new Adagrad(AdagradConfig.adagrad(), b)))
            .newWithKeyValue("adam", new Member(28, b -> new Adam(AdamConfig.adam(), b)))
            .newWithKeyValue("adamax", new Member(28, b -> new Adamax(AdamaxConfig.adamax(), b)))
            .newWithKeyValue("adamw", new Member(28, b -> new AdamW(AdamConfig.adamW(), b)))
            .newWithKeyValue("lamb", new Member(40, b -> new Lamb(LambConfig.defaults(), b)))
            .newWithKeyValue("lion", new Member(20, b -> new Lion(LionConfig.defaults(), b)))
            .newWithKeyValue("nadam", new Member(28, b -> new NAdam(NAdamConfig.nadam(), b)))
            .newWithKeyValue("radam", new Member(28, b -> new RAdam(RAdamConfig.radam(), b)))
            .newWithKeyValue("rmsprop", new Member(20, b -> new RmsProp(RmsPropConfig.rmsprop(), b)))
            .newWithKeyValue("sgd", new Member(20, b -> new Sgd(SgdConfig.sgd().withMomentum(0.9), b)));

    @Param({"adagrad", "adam", "adamax", "adamw", "lamb", "lion", "nadam", "radam", "rmsprop", "sgd"})
    public String optimizer;

    /**
     * {@code scalar} or {@code preferred}. (Not named {@code kernel}/{@code size}: the sweep sets
     * those for the AdamW lane-width benchmark, and this one keeps its own.)
     */
    @Param({"scalar", "preferred"})
    public String backend;

    /** fp32 elements in the tensor. */
    @Param({"65536"})
    public int elements;

    private Buffers buffers;
    private Optimizer<?, ?> step;

    @Setup
    public void setUp() {
        Member member = FAMILY.get(optimizer);
        if (member == null) {
            throw new IllegalArgumentException("unknown optimizer " + optimizer + "; known: " + FAMILY.keysView());
        }
        buffers = new Buffers(elements);
        step = member.create().apply(AdamWStepBenchmark.backend(backend, Numerics.EXACT));
        Parameter p = Parameter.of(buffers.param);
        p.setGrad(buffers.grad);
        step.addParamGroup(List.of(p));
        // one step thread: the kernel's throughput per core, comparable with AdamWStepBenchmark
        // (ThreadScalingBenchmark measures threads)
        step.setThreads(1);
    }

    @TearDown
    public void tearDown() {
        step.close();
        buffers.close();
    }

    @Benchmark
    public void step() {
        step.step();
    }
}
