package dev.adamant.bench;

import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.FlatParameters;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameter lists of the scale benchmarks, as flat blocks or as caller-owned tensors, and an
 * AdamW over them. Values are a cheap deterministic pattern in [-0.5, 0.5): a seeded Gaussian
 * fill of GPT-2's 124M elements would take longer than the measurement.
 */
final class ScaleSetup implements AutoCloseable {
    private final List<AutoCloseable> owned = new ArrayList<>();
    final AdamW adamW;
    final long elements;

    /**
     * @param layout  {@code flat}: one {@link FlatParameters} block; {@code separate}: each tensor
     *                and gradient allocated on its own, as a backend that owns its tensors has them
     * @param threads the step's threads; 0 for the engine's default (all processors)
     */
    ScaleSetup(long[] sizes, String layout, int threads) {
        AdamW opt = new AdamW(AdamConfig.adamW());
        owned.add(opt);
        if (threads > 0) {
            opt.setThreads(threads);
        }
        List<Parameter> params = new ArrayList<>();
        long total = 0;
        switch (layout) {
            case "flat" -> {
                FlatParameters.Builder b = FlatParameters.builder(DType.FLOAT32);
                for (int i = 0; i < sizes.length; i++) {
                    b.add("t" + i, sizes[i]);
                }
                FlatParameters flat = b.build();
                owned.add(flat);
                fill(flat.params().segment(), 1);
                fill(flat.grads().segment(), 2);
                params.addAll(flat.parameters().castToList());
            }
            case "separate" -> {
                for (int i = 0; i < sizes.length; i++) {
                    Tensor w = Tensor.allocate(DType.FLOAT32, sizes[i]), g = Tensor.allocate(DType.FLOAT32, sizes[i]);
                    owned.add(w);
                    owned.add(g);
                    fill(w.segment(), 1 + 2L * i);
                    fill(g.segment(), 2 + 2L * i);
                    Parameter p = Parameter.of("t" + i, w);
                    p.setGrad(g);
                    params.add(p);
                }
            }
            default -> throw new IllegalArgumentException("unknown layout " + layout + " (expected flat or separate)");
        }
        for (long s : sizes) {
            total += s;
        }
        opt.addParamGroup(params);
        this.adamW = opt;
        this.elements = total;
    }

    private static void fill(MemorySegment s, long seed) {
        long n = s.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            long h = (i + seed * 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) ((h >>> 40) * 0x1p-24 - 0.5));
        }
    }

    /** Parses a thread-count parameter: a whole number, 0 for the engine's default. */
    static int threads(String value) {
        int t = Integer.parseInt(value);
        if (t < 0) {
            throw new IllegalArgumentException("invalid stepThreads " + value + " (expected 0 for the default, or >= 1)");
        }
        return t;
    }

    @Override
    public void close() throws Exception {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
    }
}
