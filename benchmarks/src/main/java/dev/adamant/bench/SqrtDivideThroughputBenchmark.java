package dev.adamant.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Why do the 256- and 512-bit AdamW kernels run at the same speed in cache? Each method pushes
 * 4096 floats (in L1) through one operation mix at one width: if a 512-bit square root or divide
 * processed twice the lanes per second of a 256-bit one, the 512 figures would be twice the 256
 * ones. Not part of the sweep; run it with
 * {@code java --add-modules=jdk.incubator.vector -cp benchmarks/target/adamant.jar org.openjdk.jmh.Main SqrtDivide}.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SqrtDivideThroughputBenchmark extends BenchmarkDefaults {
    private static final VectorSpecies<Float> W512 = FloatVector.SPECIES_512;
    private static final VectorSpecies<Float> W256 = FloatVector.SPECIES_256;
    private static final int N = 4096;

    // positive divisors and radicands; results go to a third array so the inputs never drift
    private final float[] a = new float[N], b = new float[N], out = new float[N];

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < N; i++) {
            a[i] = (float) Math.abs(random.nextGaussian()) + 0.1f;
            b[i] = (float) random.nextGaussian();
        }
    }

    @Benchmark
    public float[] multiply512() {
        for (int i = 0; i < N; i += W512.length()) {
            FloatVector.fromArray(W512, b, i).mul(FloatVector.fromArray(W512, a, i)).intoArray(out, i);
        }
        return out;
    }

    @Benchmark
    public float[] divide256() {
        for (int i = 0; i < N; i += W256.length()) {
            FloatVector.fromArray(W256, b, i).div(FloatVector.fromArray(W256, a, i)).intoArray(out, i);
        }
        return out;
    }

    @Benchmark
    public float[] divide512() {
        for (int i = 0; i < N; i += W512.length()) {
            FloatVector.fromArray(W512, b, i).div(FloatVector.fromArray(W512, a, i)).intoArray(out, i);
        }
        return out;
    }

    @Benchmark
    public float[] sqrt256() {
        for (int i = 0; i < N; i += W256.length()) {
            FloatVector.fromArray(W256, a, i).sqrt().intoArray(out, i);
        }
        return out;
    }

    @Benchmark
    public float[] sqrt512() {
        for (int i = 0; i < N; i += W512.length()) {
            FloatVector.fromArray(W512, a, i).sqrt().intoArray(out, i);
        }
        return out;
    }

    /** Fast AdamW's mix: one square root and one division per element. */
    @Benchmark
    public float[] sqrtThenDivide512() {
        for (int i = 0; i < N; i += W512.length()) {
            FloatVector.fromArray(W512, b, i).div(FloatVector.fromArray(W512, a, i).sqrt()).intoArray(out, i);
        }
        return out;
    }

    /** Exact AdamW's mix: torch's two divisions around the square root. */
    @Benchmark
    public float[] sqrtThenTwoDivides512() {
        FloatVector c = FloatVector.broadcast(W512, 0.7f);
        for (int i = 0; i < N; i += W512.length()) {
            FloatVector.fromArray(W512, b, i).div(FloatVector.fromArray(W512, a, i).sqrt().div(c)).intoArray(out, i);
        }
        return out;
    }
}
