package dev.adamant.bench;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * What does C2 make on its own of a plain Java AdamW loop over heap {@code float[]} arrays? It
 * auto-vectorizes such loops (it does not for MemorySegment loops), so this is the bar a
 * hand-written vector kernel has to clear. Same formulas as the engine's scalar kernel, per
 * numerics mode.
 */
public class HeapLoopBenchmark extends BenchmarkDefaults {

    @Param({"EXACT", "FAST"})
    public Numerics numerics;

    @Param({"4096", "65536", "1048576", "16777216"})
    public int size;

    private float[] param, grad, expAvg, expAvgSq;
    private AdamCoefficients c;

    @Setup
    public void setUp() {
        param = Buffers.gaussianArray(size, 1);
        grad = Buffers.gaussianArray(size, 2);
        expAvg = new float[size];
        expAvgSq = new float[size];
        c = AdamConfig.adamW().coefficients(10);
    }

    @Benchmark
    public void step() {
        if (numerics == Numerics.EXACT) {
            exact(param, grad, expAvg, expAvgSq, c);
        } else {
            fast(param, grad, expAvg, expAvgSq, c);
        }
    }

    private static void exact(float[] param, float[] grad, float[] expAvg, float[] expAvgSq, AdamCoefficients c) {
        float beta1 = (float) c.beta1(), oneMinusBeta1 = (float) c.oneMinusBeta1();
        float beta2 = (float) c.beta2(), oneMinusBeta2 = (float) c.oneMinusBeta2();
        float decay = (float) c.decayFactor(), negStep = (float) c.negStepSize();
        float sqrtBc2 = (float) c.sqrtBiasCorrection2(), eps = (float) c.eps();
        for (int i = 0; i < param.length; i++) {
            float g = grad[i];
            float p = param[i] * decay;
            float m = Math.fma(g, oneMinusBeta1, expAvg[i] * beta1);
            float v = Math.fma(oneMinusBeta2 * g, g, expAvgSq[i] * beta2);
            expAvg[i] = m;
            expAvgSq[i] = v;
            param[i] = p + (negStep * m) / ((float) Math.sqrt(v) / sqrtBc2 + eps);
        }
    }

    private static void fast(float[] param, float[] grad, float[] expAvg, float[] expAvgSq, AdamCoefficients c) {
        float beta1 = (float) c.beta1(), oneMinusBeta1 = (float) c.oneMinusBeta1();
        float beta2 = (float) c.beta2(), oneMinusBeta2 = (float) c.oneMinusBeta2();
        float decay = (float) c.decayFactor(), negStep = (float) c.fastNegStepSize(), eps = (float) c.fastEps();
        for (int i = 0; i < param.length; i++) {
            float g = grad[i];
            float m = Math.fma(g, oneMinusBeta1, expAvg[i] * beta1);
            float v = Math.fma(oneMinusBeta2 * g, g, expAvgSq[i] * beta2);
            expAvg[i] = m;
            expAvgSq[i] = v;
            param[i] = Math.fma(param[i], decay, (negStep * m) / ((float) Math.sqrt(v) + eps));
        }
    }
}
