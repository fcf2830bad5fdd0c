package dev.adamant.bench;

import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Monitoring;
import dev.adamant.optim.NonFinitePolicy;
import dev.adamant.optim.Parameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.util.List;

/**
 * What do the training-loop features cost on top of a plain AdamW {@code step()} at the preferred
 * width? Each variant differs only in what runs around the step: global-norm clipping (one
 * read-only reduction over the gradients, the coefficient then applied inside the kernel),
 * loss-scale unscaling (a read-only non-finite check, the factor applied inside the kernel), both,
 * the skip-on-non-finite policy alone, per-element value clipping (no extra pass at all: the
 * clamp runs inside the kernel, so this is the clamp's arithmetic and nothing else), per-group
 * monitoring (the statistics computed inside the update kernel's loop, from the values it already
 * holds), or clipping + unscaling + monitoring together. One step thread by default, so the ratios
 * are those of the work, not of the scheduling; {@code -p featureThreads=2} gives the cost on the
 * threads a training run would use, where arithmetic that fills a thread's idle slots in DRAM may
 * cost nothing at all.
 */
public class StepFeaturesBenchmark extends BenchmarkDefaults {
    /** The variants, {@code plain} first. */
    public static final List<String> FEATURES = List.of("plain", "clip", "unscale", "clip+unscale", "skip-policy",
            "value-clip", "monitor", "clip+unscale+monitor");

    /** See {@link #FEATURES}. */
    @Param({"plain", "clip", "unscale", "clip+unscale", "skip-policy", "value-clip", "monitor", "clip+unscale+monitor"})
    public String feature;

    /** fp32 elements in the tensor (not {@code size}: the sweep sets that for the AdamW benchmark). */
    @Param({"65536"})
    public int elements;

    /**
     * The step's numerics mode; the sweep runs EXACT only ({@code -p stepNumerics=FAST} for the other).
     * Not named {@code numerics}: the sweep sets that parameter for every benchmark it runs.
     */
    @Param({"EXACT"})
    public Numerics stepNumerics;

    /** The step's threads; not {@code stepThreads}, which other benchmarks declare with a 0 for "all". */
    @Param({"1"})
    public int featureThreads;

    private Buffers buffers;
    private AdamW adamW;
    private boolean clip, unscale, valueClip;

    @Setup
    public void setUp() {
        buffers = new Buffers(elements);
        adamW = new AdamW(AdamConfig.adamW(), AdamWStepBenchmark.backend("preferred", stepNumerics));
        Parameter p = Parameter.of(buffers.param);
        p.setGrad(buffers.grad);
        adamW.addParamGroup(List.of(p));
        adamW.setThreads(featureThreads);
        switch (feature) {
            case "plain" -> { }
            case "clip" -> clip = true;
            case "unscale" -> unscale = true;
            case "clip+unscale" -> clip = unscale = true;
            case "skip-policy" -> adamW.setNonFinitePolicy(NonFinitePolicy.SKIP_STEP);
            case "value-clip" -> valueClip = true;
            case "monitor" -> adamW.setMonitoring(Monitoring.PER_GROUP);
            case "clip+unscale+monitor" -> {
                clip = unscale = true;
                adamW.setMonitoring(Monitoring.PER_GROUP);
            }
            default -> throw new IllegalArgumentException("unknown feature " + feature);
        }
    }

    @TearDown
    public void tearDown() {
        adamW.close();
        buffers.close();
    }

    @Benchmark
    public void step() {
        if (unscale) {
            adamW.unscale(1024);
        }
        if (clip) {
            adamW.clipGradNorm(1.0, 2.0);
        }
        if (valueClip) {
            adamW.clipGradValue(1.0); // the gradients are N(0, 1): about a third of them are clamped
        }
        adamW.step();
    }
}
