package dev.adamant.bench;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * How fast is one fused AdamW step over n fp32 elements, per backend (scalar reference or vector
 * kernel at one lane width) and numerics mode? Throughput is reported per call; elements/s is
 * n times that.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow"})
@OutputTimeUnit(TimeUnit.SECONDS)
public class AdamWStepBenchmark {

    @Param({"4096", "65536", "16777216"})
    public int size;

    /** "scalar" or a lane width in bits. */
    @Param({"scalar", "128", "256", "512"})
    public String kernel;

    @Param({"EXACT", "FAST"})
    public Numerics numerics;

    private Tensor param, grad, expAvg, expAvgSq;
    private AdamKernel adam;
    private AdamCoefficients coefficients;

    @Setup(Level.Trial)
    public void setUp() {
        Backend backend = kernel.equals("scalar") ? Backends.scalar(numerics)
                : Backends.vector(Integer.parseInt(kernel), numerics).orElseThrow();
        adam = backend.adam();
        param = random(size, 1);
        grad = random(size, 2);
        expAvg = Tensor.allocate(DType.FLOAT32, size);
        expAvgSq = Tensor.allocate(DType.FLOAT32, size);
        coefficients = AdamConfig.adamW().coefficients(10);
    }

    private static Tensor random(int n, long seed) {
        Tensor t = Tensor.allocate(DType.FLOAT32, n);
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) {
            t.setFloat(i, (float) r.nextGaussian());
        }
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        param.close();
        grad.close();
        expAvg.close();
        expAvgSq.close();
    }

    @Benchmark
    public void step() {
        adam.updateFloats(coefficients, param.segment(), grad.segment(), expAvg.segment(), expAvgSq.segment(),
                null, 0, size);
    }
}
