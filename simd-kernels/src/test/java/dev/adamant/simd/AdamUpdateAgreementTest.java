package dev.adamant.simd;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamState;
import dev.adamant.optim.AdamUpdate;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Parameter;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.Bits;
import dev.adamant.testing.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * For every backend of this JVM (scalar and each vector width, both numerics), the low-level
 * entry point on float[] / double[] and on native segments gives the same bits as the optimizer
 * over the same data, and as the scalar reference of the same numerics.
 */
class AdamUpdateAgreementTest {
    private static final int N = 1003;
    private static final int STEPS = 4;
    private static final List<AdamConfig> CONFIGS = List.of(
            AdamConfig.adamW().withAmsgrad(true).withMaximize(true).withLr(0.01),
            AdamConfig.adam().withWeightDecay(0.1).withAmsgrad(true));

    static Stream<Arguments> backendsAndTypes() {
        return Stream.of(Numerics.values())
                .flatMap(n -> Backends.all(n).stream())
                .flatMap(b -> Stream.of(DType.FLOAT32, DType.FLOAT64).flatMap(d -> CONFIGS.stream().map(c -> Arguments.of(b, d, c))));
    }

    /** Param, exp_avg, exp_avg_sq and max_exp_avg_sq after each path, flattened to bytes. */
    private record Result(MemorySegment param, MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment max) {
        void assertSameBits(String what, Result other, DType dtype) {
            Bits.assertSameBits(what + " param", param, other.param, dtype);
            Bits.assertSameBits(what + " exp_avg", expAvg, other.expAvg, dtype);
            Bits.assertSameBits(what + " exp_avg_sq", expAvgSq, other.expAvgSq, dtype);
            Bits.assertSameBits(what + " max_exp_avg_sq", max, other.max, dtype);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("backendsAndTypes")
    void adamUpdateOnArraysAndSegmentsMatchesTheOptimizer(Backend backend, DType dtype, AdamConfig config) {
        SplittableRandom random = new SplittableRandom(backend.laneBits() * 31L + dtype.ordinal());
        Arena auto = Arena.ofAuto();
        MemorySegment initial = auto.allocate(N * dtype.byteSize(), 64);
        TestData.fillGaussian(initial, dtype, random, 1, false);
        MemorySegment[] grads = new MemorySegment[STEPS];
        for (int t = 0; t < STEPS; t++) {
            grads[t] = auto.allocate(N * dtype.byteSize(), 64);
            TestData.fillGaussian(grads[t], dtype, random, 1, false);
        }
        try (Arena arena = Arena.ofConfined()) {
            Result viaOptimizer = optimizer(backend, dtype, config, initial, grads);
            Result viaArrays = arrays(backend, dtype, config, initial, grads);
            Result viaSegments = segments(arena, backend, dtype, config, initial, grads);
            Result reference = segments(arena, Backends.scalar(backend.numerics()), dtype, config, initial, grads);
            viaOptimizer.assertSameBits(backend + " arrays vs optimizer:", viaArrays, dtype);
            viaOptimizer.assertSameBits(backend + " segments vs optimizer:", viaSegments, dtype);
            reference.assertSameBits(backend + " vs the scalar reference:", viaOptimizer, dtype);
        }
    }

    private static Result optimizer(Backend backend, DType dtype, AdamConfig config, MemorySegment initial,
                                    MemorySegment[] grads) {
        try (Tensor data = Tensor.allocate(dtype, N); Tensor grad = Tensor.allocate(dtype, N);
             Adam adam = config.decoupledWeightDecay() ? new AdamW(config, backend) : new Adam(config, backend)) {
            data.segment().copyFrom(initial);
            Parameter p = Parameter.of("p", data);
            p.setGrad(grad);
            adam.addParamGroup(List.of(p));
            for (MemorySegment g : grads) {
                grad.segment().copyFrom(g);
                adam.step();
            }
            AdamState s = adam.state(p).orElseThrow();
            assertEquals(STEPS, s.step());
            return new Result(copy(data.segment()), copy(s.expAvg().segment()), copy(s.expAvgSq().segment()),
                    copy(s.maxExpAvgSq().segment()));
        }
    }

    private static Result arrays(Backend backend, DType dtype, AdamConfig config, MemorySegment initial,
                                 MemorySegment[] grads) {
        AdamUpdate update = AdamUpdate.with(backend);
        if (dtype == DType.FLOAT32) {
            float[] p = initial.toArray(ValueLayout.JAVA_FLOAT), m = new float[N], v = new float[N], max = new float[N];
            for (int t = 0; t < STEPS; t++) {
                update.apply(config, t + 1, p, grads[t].toArray(ValueLayout.JAVA_FLOAT), m, v, max, 0, N);
            }
            return new Result(MemorySegment.ofArray(p), MemorySegment.ofArray(m), MemorySegment.ofArray(v), MemorySegment.ofArray(max));
        }
        double[] p = initial.toArray(ValueLayout.JAVA_DOUBLE), m = new double[N], v = new double[N], max = new double[N];
        for (int t = 0; t < STEPS; t++) {
            update.apply(config, t + 1, p, grads[t].toArray(ValueLayout.JAVA_DOUBLE), m, v, max, 0, N);
        }
        return new Result(MemorySegment.ofArray(p), MemorySegment.ofArray(m), MemorySegment.ofArray(v), MemorySegment.ofArray(max));
    }

    private static Result segments(Arena arena, Backend backend, DType dtype, AdamConfig config, MemorySegment initial,
                                   MemorySegment[] grads) {
        long bytes = N * dtype.byteSize();
        MemorySegment p = arena.allocate(bytes, 64).copyFrom(initial), g = arena.allocate(bytes, 64);
        MemorySegment m = arena.allocate(bytes, 64), v = arena.allocate(bytes, 64), max = arena.allocate(bytes, 64);
        for (int t = 0; t < STEPS; t++) {
            g.copyFrom(grads[t]);
            AdamUpdate.with(backend).apply(config, t + 1, dtype, p, g, m, v, max, 0, N);
        }
        return new Result(p, m, v, max);
    }

    private static MemorySegment copy(MemorySegment s) {
        return Arena.ofAuto().allocate(s.byteSize(), 64).copyFrom(s);
    }
}
