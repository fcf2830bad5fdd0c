package dev.adamant.simd;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Monitoring;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints the bytes one monitored AdamW step over 2,000 tensors of 1,024 elements allocates on the
 * stepping thread, at the preferred width, once C2 has compiled the monitored loop (the interpreter
 * boxes every vector). Run in a JVM of its own by {@link MonitoringOnVectorBackendsTest}, after
 * monitored Adam (L2 decay, per tensor) and AdamW (amsgrad) steps on the same kernel: with that history
 * C2 stopped inlining the fallback reduction of the fused kernels' (empty) tails, and every call
 * allocated a 40-byte segment slice.
 */
final class MonitoredStepAllocation {
    static final String PREFIX = "bytes per step: ";

    public static void main(String[] args) {
        Backend backend = Backends.vector(Backends.preferredLaneWidth(), Numerics.EXACT).orElseThrow();
        for (int round = 0; round < 20; round++) {
            history(new Adam(AdamConfig.adam().withLr(0.01).withWeightDecay(0.1), backend), Monitoring.PER_TENSOR);
            history(new AdamW(AdamConfig.adamW().withLr(0.01).withAmsgrad(true), backend), Monitoring.PER_GROUP);
        }
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Tensor> tensors = new ArrayList<>();
        try (AdamW opt = new AdamW(AdamConfig.adamW(), backend)) {
            opt.setThreads(1);
            opt.addParamGroup(parameters(2000, 1024, tensors));
            opt.setMonitoring(Monitoring.PER_GROUP);
            for (int s = 0; s < 1000; s++) {
                opt.step();
            }
            long thread = Thread.currentThread().threadId();
            int steps = 200;
            long before = threadBean.getThreadAllocatedBytes(thread);
            for (int s = 0; s < steps; s++) {
                opt.step();
            }
            System.out.println(PREFIX + (threadBean.getThreadAllocatedBytes(thread) - before) / steps);
        } finally {
            tensors.forEach(Tensor::close);
        }
    }

    /** A few monitored steps of {@code opt} over three tensors of 4,100 elements, then closed. */
    private static void history(Optimizer<?, ?> opt, Monitoring monitoring) {
        List<Tensor> tensors = new ArrayList<>();
        try (opt) {
            opt.addParamGroup(parameters(3, 4100, tensors));
            opt.setMonitoring(monitoring);
            for (int s = 0; s < 5; s++) {
                opt.step();
            }
        } finally {
            tensors.forEach(Tensor::close);
        }
    }

    /**
     * {@code count} fp32 parameters of {@code size} elements with gradients, values and gradients
     * {@code sin(k + i)}; every tensor made goes into {@code owned}.
     */
    private static List<Parameter> parameters(int count, int size, List<Tensor> owned) {
        List<Parameter> params = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Tensor w = Tensor.allocate(DType.FLOAT32, size), g = Tensor.allocate(DType.FLOAT32, size);
            owned.add(w);
            owned.add(g);
            float[] values = new float[size];
            for (int k = 0; k < size; k++) values[k] = (float) Math.sin(k + i);
            w.copyFrom(values);
            g.copyFrom(values);
            Parameter p = Parameter.of(w);
            p.setGrad(g);
            params.add(p);
        }
        return params;
    }
}
