package dev.adamant.simd;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Monitoring;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints the bytes one monitored AdamW step over 2,000 tensors of 1,024 elements allocates on the
 * stepping thread, at the preferred width, once C2 has compiled the monitored loop (the interpreter
 * boxes every vector). Run in a JVM of its own by {@link MonitoringOnVectorBackendsTest}.
 */
final class MonitoredStepAllocation {
    static final String PREFIX = "bytes per step: ";

    public static void main(String[] args) {
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Tensor> tensors = new ArrayList<>();
        try (AdamW opt = new AdamW(AdamConfig.adamW(), Backends.vector(Backends.preferredLaneWidth(), Numerics.EXACT).orElseThrow())) {
            opt.setThreads(1);
            List<Parameter> params = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                Tensor w = Tensor.allocate(DType.FLOAT32, 1024), g = Tensor.allocate(DType.FLOAT32, 1024);
                tensors.add(w);
                tensors.add(g);
                Parameter p = Parameter.of(w);
                p.setGrad(g);
                params.add(p);
            }
            opt.addParamGroup(params);
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
}
