package dev.adamant.testing;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.KernelKind;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Any optimizer kernel's vector copies against its scalar reference, bit for bit (NaN equals NaN),
 * on identical random buffers: every lane width, both numerics, float32 and float64, every size
 * 0..300 (every tail), a few large odd sizes, and ranges starting at unaligned offsets; several
 * steps in a row, a third of the runs with special values (±0, subnormals, huge, NaN, ±Inf).
 *
 * <p>An optimizer's test supplies only how to call its kernel on {@code buffers} (param, grad,
 * then its state slots, all the same length).
 */
public final class KernelAgreement {
    private static final int[] LARGE_SIZES = {1021, 4099, 65537};
    private static final int[] UNALIGNED_FROMS = {1, 3, 7, 13};
    private static final long[] STEPS = {1, 2, 3, 1_000_000};

    /** One kernel call on element range [from, to) of {@code buffers} at step {@code step}. */
    @FunctionalInterface
    public interface Call<K> {
        void run(K kernel, DType dtype, MemorySegment[] buffers, long from, long to, long step);
    }

    /** Names the buffers in failure messages: param, grad, then the optimizer's slots. */
    public static <K> Stream<DynamicNode> tests(KernelKind<K> kind, List<String> bufferNames, Call<K> call) {
        List<DynamicNode> tests = new ArrayList<>();
        for (int bits : Backends.laneWidths().toArray()) {
            for (Numerics numerics : Numerics.values()) {
                K vector = Backends.vector(bits, numerics).orElseThrow().kernel(kind);
                K scalar = kind.scalar(numerics);
                for (DType dtype : DType.values()) {
                    String label = kind.name() + " " + bits + "-bit " + numerics + " " + dtype.torchName();
                    tests.add(DynamicTest.dynamicTest(label + " sizes 0..300 and large", () -> {
                        IntStream.rangeClosed(0, 300).forEach(n -> agree(vector, scalar, call, dtype, bufferNames, n, 0, n));
                        for (int n : LARGE_SIZES) agree(vector, scalar, call, dtype, bufferNames, n, 0, n);
                    }));
                    tests.add(DynamicTest.dynamicTest(label + " unaligned ranges", () -> {
                        for (int from : UNALIGNED_FROMS) {
                            for (int n : new int[] {20, 131, 1021}) agree(vector, scalar, call, dtype, bufferNames, n, from, n);
                        }
                    }));
                }
            }
        }
        return tests.stream();
    }

    private static <K> void agree(K vector, K scalar, Call<K> call, DType dtype, List<String> names, int n,
                                  long from, long to) {
        SplittableRandom random = new SplittableRandom(31L * n + from);
        boolean specials = n % 3 == 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] expected = new MemorySegment[names.size()], actual = new MemorySegment[names.size()];
            for (int b = 0; b < names.size(); b++) {
                expected[b] = arena.allocate((long) n * dtype.byteSize(), 64);
                // grads and params random; state slots start from a previous-step-like random state
                TestData.fillGaussian(expected[b], dtype, random, b == 0 ? 1 : b == 1 ? 0.5 : 0.1, specials && b < 2);
                if (b >= 2) absIfSecondMoment(expected[b], dtype, names.get(b));
                actual[b] = arena.allocate((long) n * dtype.byteSize(), 64).copyFrom(expected[b]);
            }
            for (long step : STEPS) {
                TestData.fillGaussian(expected[1], dtype, random, 0.5, specials);
                actual[1].copyFrom(expected[1]);
                call.run(scalar, dtype, expected, from, to, step);
                call.run(vector, dtype, actual, from, to, step);
                for (int b = 0; b < names.size(); b++) {
                    long i = Bits.firstDifference(expected[b], actual[b], dtype);
                    if (i >= 0) {
                        throw new AssertionError(names.get(b) + " differs at n=" + n + " from=" + from + " step=" + step
                                + ": " + Bits.describe(expected[b], dtype, i) + " vs " + Bits.describe(actual[b], dtype, i));
                    }
                }
            }
        }
    }

    /** Second-moment-like slots (squares, sums, maxima) are non-negative in real runs. */
    private static void absIfSecondMoment(MemorySegment s, DType dtype, String name) {
        if (!(name.contains("sq") || name.equals("sum") || name.contains("inf") || name.contains("square"))) {
            return;
        }
        long n = s.byteSize() / dtype.byteSize();
        for (long i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i,
                        Math.abs(s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i)));
                case FLOAT64 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i,
                        Math.abs(s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i)));
            }
        }
    }

    private KernelAgreement() {
    }
}
