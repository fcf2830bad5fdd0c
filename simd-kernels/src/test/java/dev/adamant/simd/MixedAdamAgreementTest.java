package dev.adamant.simd;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.MixedAdamKernel;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarMixedAdamKernel;
import dev.adamant.optim.AdamConfig;
import dev.adamant.precision.Bf16;
import dev.adamant.precision.BlockCode;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.Fp16;
import dev.adamant.precision.RoundingNoise;
import dev.adamant.precision.StateFormat;
import dev.adamant.testing.MixedFixture;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mixed-precision vector kernel against its scalar reference, bit for bit, for every layout
 * (parameter format with and without master copy, gradient format, state format, stochastic
 * rounding), at every lane width, in both numerics: sizes 0..40 and around the 256-element blocks
 * and the 2048-element stages (every tail of the vector loop, full and partial blocks and stages), ranges starting off the vector grid
 * (block-aligned for 8-bit state), several steps, special values in a third of the runs, zero and
 * random initial state. Then the conversions on their own, through the kernel with a zero update:
 * every bf16 and fp16 pattern decoded and re-encoded, and millions of float patterns encoded.
 */
class MixedAdamAgreementTest {
    private static final String TEMPLATE = "dev.adamant.simd.VectorMixedAdamKernel";
    private static final int[] SIZES = IntStream.concat(IntStream.rangeClosed(0, 40),
            IntStream.of(63, 255, 256, 257, 300, 511, 512, 515, 781, 1021, 2053)).toArray();
    private static final long[] STEPS = {1, 2, 3, 1_000_000};
    private static final List<LongFunction<AdamCoefficients>> CONFIGS = List.of(
            t -> AdamConfig.adam().withWeightDecay(0.1).withMaximize(true).coefficients(t).withGradScale(0.37),
            t -> AdamConfig.adamW().withLr(0.01).coefficients(t),
            t -> AdamConfig.adamW().withLr(0.01).withAmsgrad(true).coefficients(t));

    static List<MixedLayout> layouts() {
        List<MixedLayout> all = new ArrayList<>();
        for (FloatFormat param : FloatFormat.values()) {
            for (FloatFormat grad : FloatFormat.values()) {
                for (StateFormat state : StateFormat.values()) {
                    MixedLayout plain = MixedLayout.of(param, grad, state);
                    all.add(plain);
                    if (param != FloatFormat.FP32) all.add(plain.withMaster());
                    if (param == FloatFormat.BF16) all.add(plain.withStochasticRounding());
                }
            }
        }
        return all;
    }

    private static MixedAdamKernel vector(int bits, Numerics numerics) {
        return Backends.vector(bits, numerics).orElseThrow().kernel(MixedAdamKernel.KIND);
    }

    @TestFactory
    Stream<DynamicNode> everyLayoutAtEveryWidth() {
        Simd.assumeSimd();
        List<DynamicNode> widths = new ArrayList<>();
        widths.add(DynamicTest.dynamicTest("every width and numerics runs a hidden copy of " + TEMPLATE, this::hiddenCopies));
        for (int bits : Backends.laneWidths().toArray()) {
            List<DynamicNode> modes = new ArrayList<>();
            for (Numerics numerics : Numerics.values()) {
                List<DynamicNode> perLayout = new ArrayList<>();
                for (MixedLayout layout : layouts()) {
                    perLayout.add(DynamicTest.dynamicTest(layout.toString(),
                            () -> agree(vector(bits, numerics), ScalarMixedAdamKernel.of(numerics), layout,
                                    bits + "-bit " + numerics)));
                }
                modes.add(DynamicContainer.dynamicContainer(numerics.name().toLowerCase(), perLayout));
            }
            widths.add(DynamicContainer.dynamicContainer(bits + " bits", modes));
        }
        return widths.stream();
    }

    private void hiddenCopies() {
        for (int bits : Backends.laneWidths().toArray()) {
            for (Numerics numerics : Numerics.values()) {
                Class<?> k = vector(bits, numerics).getClass();
                assertTrue(k.isHidden() && k.getName().startsWith(TEMPLATE + "/"), () -> bits + " " + numerics + ": " + k.getName());
                assertEquals(k, vector(bits, numerics).getClass(), "one copy per width and mode, reused");
            }
            assertNotEquals(vector(bits, Numerics.EXACT).getClass(), vector(bits, Numerics.FAST).getClass());
        }
    }

    private static void agree(MixedAdamKernel vector, MixedAdamKernel reference, MixedLayout layout, String label) {
        for (int n : SIZES) {
            for (int k = 0; k < CONFIGS.size(); k++) {
                run(vector, reference, layout, label, k, n, 0, n, n % 3 == 0, (n & 1) == 1);
            }
        }
        // ranges off the vector grid; with 8-bit state only whole blocks can be a range's start. The last of
        // each spans several 2048-element stages, a partial one and a tail
        int[][] ranges = layout.quantized()
                ? new int[][] {{1021, 256, 1021}, {1021, 256, 768}, {2053, 512, 2053}, {4869, 1280, 4869}}
                : new int[][] {{300, 1, 300}, {300, 3, 298}, {300, 7, 300}, {300, 13, 298}, {1021, 5, 1019}, {4869, 9, 4869}};
        for (int[] r : ranges) {
            for (int k = 0; k < CONFIGS.size(); k++) {
                run(vector, reference, layout, label, k, r[0], r[1], r[2], r[1] % 2 == 1, true);
            }
        }
        // a float32 parameter without master copy is updated in calls of 32768 elements: a range over two of them
        // and a partial third (the other layouts stage 2048 at a time, which the ranges above cross)
        if (!layout.master() && layout.param() == FloatFormat.FP32 && layout.grad() != FloatFormat.FP16) {
            run(vector, reference, layout, label, 2, 70_001, 256, 70_001, true, true); // amsgrad: all three moments
        }
    }

    private static void run(MixedAdamKernel vector, MixedAdamKernel reference, MixedLayout layout, String label,
                            int config, int n, int from, int to, boolean specials, boolean randomState) {
        String where = label + " " + layout + ", config " + config + ", n=" + n + ", range [" + from + ", " + to + ")"
                + (specials ? ", with special values" : "") + (randomState ? ", from a random state" : "");
        SplittableRandom random = new SplittableRandom(31L * n + from + 7L * config);
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture vec = MixedFixture.allocate(arena, layout, n);
            vec.fillParam(random, specials);
            if (randomState) vec.fillState(random);
            MixedFixture ref = vec.copy(arena), initial = vec.copy(arena);
            for (long t : STEPS) {
                vec.fillGrad(random, t == 2 ? 1e-3 : 1, specials);
                ref.grad.copyFrom(vec.grad);
                AdamCoefficients c = CONFIGS.get(config).apply(t);
                long key = RoundingNoise.stepKey(config, t);
                vector.update(layout, c, key, vec.buffers(c.amsgrad()), from, to);
                reference.update(layout, c, key, ref.buffers(c.amsgrad()), from, to);
                MixedFixture.assertSameBits(where + ", step " + t, ref, vec);
            }
            if (to - from > 0 && !specials) {
                assertTrue(vec.param.mismatch(initial.param) >= 0 || (vec.master != null && vec.master.mismatch(initial.master) >= 0),
                        () -> "the parameter must have moved (" + where + ")");
            }
        }
    }

    // ---- the conversions on their own: a step of exactly zero (lr 0, zero gradient and state)

    private static final AdamCoefficients ZERO_STEP = AdamConfig.adam().withLr(0).coefficients(1);

    /** Every 16-bit pattern as a bf16 or fp16 parameter: decoded (into the master copy) and re-encoded. */
    @TestFactory
    Stream<DynamicNode> everySixteenBitPatternAtEveryWidth() {
        Simd.assumeSimd();
        List<DynamicNode> tests = new ArrayList<>();
        for (int bits : Backends.laneWidths().toArray()) {
            for (FloatFormat format : List.of(FloatFormat.BF16, FloatFormat.FP16)) {
                for (boolean master : List.of(false, true)) {
                    MixedLayout layout = master ? MixedLayout.of(format, FloatFormat.FP32, StateFormat.FP32).withMaster()
                            : MixedLayout.of(format, FloatFormat.FP32, StateFormat.FP32);
                    tests.add(DynamicTest.dynamicTest(bits + " bits " + layout, () -> everyPattern(bits, layout)));
                }
            }
        }
        return tests.stream();
    }

    private static void everyPattern(int bits, MixedLayout layout) {
        int n = 0x10000;
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture vec = MixedFixture.allocate(arena, layout, n);
            for (int h = 0; h < n; h++) {
                vec.param.setAtIndex(ValueLayout.JAVA_SHORT, h, (short) h);
                if (layout.master()) {
                    // the master copy holds the decoded pattern: the parameter is encoded from it
                    vec.master.setAtIndex(ValueLayout.JAVA_FLOAT, h, layout.param() == FloatFormat.BF16
                            ? Bf16.toFloat((short) h) : Fp16.toFloat((short) h));
                }
            }
            MixedFixture ref = vec.copy(arena);
            vector(bits, Numerics.EXACT).update(layout, ZERO_STEP, 0, vec.buffers(), 0, n);
            ScalarMixedAdamKernel.of(Numerics.EXACT).update(layout, ZERO_STEP, 0, ref.buffers(), 0, n);
            MixedFixture.assertSameBits(bits + "-bit " + layout, ref, vec);
            for (int h = 0; h < n; h++) {
                boolean nan = layout.param() == FloatFormat.BF16 ? (h & 0x7F80) == 0x7F80 && (h & 0x7F) != 0
                        : (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
                if (!nan) {
                    assertEquals((short) h, vec.param.getAtIndex(ValueLayout.JAVA_SHORT, h), "round trip of " + h);
                }
            }
        }
    }

    /**
     * Float patterns in the master copy of a bf16 and an fp16 parameter, written by the zero step
     * as the parameter: every exponent with dropped-bit classes around both formats' ties, and a
     * million random patterns; the vector kernel must give the reference's bits, and those are the
     * conversion's.
     */
    @TestFactory
    Stream<DynamicNode> floatPatternsEncodeAtEveryWidth() {
        Simd.assumeSimd();
        List<DynamicNode> tests = new ArrayList<>();
        for (int bits : Backends.laneWidths().toArray()) {
            for (FloatFormat format : List.of(FloatFormat.BF16, FloatFormat.FP16)) {
                MixedLayout layout = MixedLayout.of(format, FloatFormat.FP32, StateFormat.FP32).withMaster();
                tests.add(DynamicTest.dynamicTest(bits + " bits " + layout, () -> floatPatterns(bits, layout)));
            }
        }
        return tests.stream();
    }

    private static void floatPatterns(int bits, MixedLayout layout) {
        int[] low = {0, 1, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x7FFF, 0x8000, 0x8001, 0xFFFF};
        List<Integer> patterns = new ArrayList<>();
        for (int sign = 0; sign < 2; sign++) {
            for (int exponent = 0; exponent < 0x100; exponent++) {
                for (int kept = 0; kept < 0x80; kept += 3) {
                    for (int l : low) patterns.add(sign << 31 | exponent << 23 | kept << 16 | l);
                }
            }
        }
        SplittableRandom random = new SplittableRandom(bits);
        for (int i = 0; i < 1_000_000; i++) patterns.add(random.nextInt());
        int n = patterns.size() + 7; // not a multiple of any vector length
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture vec = MixedFixture.allocate(arena, layout, n);
            for (int i = 0; i < patterns.size(); i++) {
                vec.master.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.intBitsToFloat(patterns.get(i)));
            }
            MixedFixture ref = vec.copy(arena);
            vector(bits, Numerics.EXACT).update(layout, ZERO_STEP, 0, vec.buffers(), 0, n);
            ScalarMixedAdamKernel.of(Numerics.EXACT).update(layout, ZERO_STEP, 0, ref.buffers(), 0, n);
            MixedFixture.assertSameBits(bits + "-bit " + layout, ref, vec);
            // NaN payloads of the float32 buffer are not compared above; the 16-bit outputs are
            MemorySegment a = vec.param, b = ref.param;
            assertEquals(-1, a.mismatch(b), "16-bit parameter bytes, NaNs included");
        }
    }

    /**
     * Every 8-bit code, decoded: each block of both moments and of amsgrad's maximum holds all 256
     * codes (in a different order per buffer; the 7 codes above 1.0 that encoding never writes
     * included), under scales from tiny to huge; with a small gradient the decoded moments decide
     * the fp32 parameter, so any decoding difference shows in it and in the requantized state.
     */
    @TestFactory
    Stream<DynamicNode> everyEightBitCodeDecodesAtEveryWidth() {
        Simd.assumeSimd();
        return IntStream.of(Backends.laneWidths().toArray())
                .mapToObj(bits -> DynamicTest.dynamicTest(bits + " bits", () -> everyCode(bits)));
    }

    private static void everyCode(int bits) {
        MixedLayout layout = MixedLayout.of(FloatFormat.FP32, FloatFormat.FP32, StateFormat.BLOCKWISE_8BIT);
        float[] scales = {1f, 3.5e-3f, 7e25f, 1e-30f};
        int n = scales.length * BlockCode.BLOCK;
        for (Numerics numerics : Numerics.values()) {
            try (Arena arena = Arena.ofConfined()) {
                MixedFixture vec = MixedFixture.allocate(arena, layout, n);
                SplittableRandom random = new SplittableRandom(bits);
                vec.fillParam(random, false);
                vec.fillGrad(random, 1e-6, false);
                for (int i = 0; i < n; i++) {
                    vec.expAvg.set(ValueLayout.JAVA_BYTE, i, (byte) i);
                    vec.expAvgSq.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 3));
                    vec.maxExpAvgSq.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 13 + 5));
                }
                for (int b = 0; b < scales.length; b++) {
                    vec.expAvgScale.setAtIndex(ValueLayout.JAVA_FLOAT, b, scales[b]);
                    vec.expAvgSqScale.setAtIndex(ValueLayout.JAVA_FLOAT, b, scales[(b + 1) % scales.length]);
                    vec.maxExpAvgSqScale.setAtIndex(ValueLayout.JAVA_FLOAT, b, scales[(b + 2) % scales.length]);
                }
                MixedFixture ref = vec.copy(arena);
                for (boolean amsgrad : new boolean[] {false, true}) {
                    AdamCoefficients c = AdamConfig.adamW().withAmsgrad(amsgrad).coefficients(7);
                    vector(bits, numerics).update(layout, c, 0, vec.buffers(amsgrad), 0, n);
                    ScalarMixedAdamKernel.of(numerics).update(layout, c, 0, ref.buffers(amsgrad), 0, n);
                    MixedFixture.assertSameBits(bits + "-bit " + numerics + " every code, amsgrad=" + amsgrad, ref, vec);
                }
            }
        }
    }

    /**
     * A block whose only non-finite value is a NaN with its sign bit set (x86's default NaN, or a
     * negative payload carried through): its scale must still become NaN. Such a NaN's bits are a
     * negative int, below every finite value's in a signed comparison, so this pins down how the
     * kernel takes the block maxima. With betas (0, 0) a step stores m = g and v = g², so the
     * gradient places the NaN in both moments; a second block has a positive NaN, a third none.
     */
    @TestFactory
    Stream<DynamicNode> aNegativeNanSpoilsItsBlockAtEveryWidth() {
        Simd.assumeSimd();
        return IntStream.of(Backends.laneWidths().toArray())
                .mapToObj(bits -> DynamicTest.dynamicTest(bits + " bits", () -> negativeNan(bits)));
    }

    private static void negativeNan(int bits) {
        MixedLayout layout = MixedLayout.of(FloatFormat.FP32, FloatFormat.FP32, StateFormat.BLOCKWISE_8BIT);
        int n = 3 * BlockCode.BLOCK;
        for (Numerics numerics : Numerics.values()) {
            for (boolean amsgrad : new boolean[] {false, true}) {
                try (Arena arena = Arena.ofConfined()) {
                    MixedFixture vec = MixedFixture.allocate(arena, layout, n);
                    SplittableRandom random = new SplittableRandom(bits);
                    vec.fillParam(random, false);
                    vec.fillGrad(random, 1, false);
                    vec.grad.setAtIndex(ValueLayout.JAVA_FLOAT, 37, Float.intBitsToFloat(0xFFC0_0000));
                    vec.grad.setAtIndex(ValueLayout.JAVA_FLOAT, BlockCode.BLOCK + 5, Float.NaN);
                    MixedFixture ref = vec.copy(arena);
                    AdamCoefficients c = AdamConfig.adamW().withBetas(0, 0).withAmsgrad(amsgrad).coefficients(1);
                    vector(bits, numerics).update(layout, c, 0, vec.buffers(amsgrad), 0, n);
                    ScalarMixedAdamKernel.of(numerics).update(layout, c, 0, ref.buffers(amsgrad), 0, n);
                    String label = bits + "-bit " + numerics + " negative NaN, amsgrad=" + amsgrad;
                    MixedFixture.assertSameBits(label, ref, vec);
                    for (MemorySegment scales : amsgrad ? List.of(vec.expAvgScale, vec.expAvgSqScale, vec.maxExpAvgSqScale)
                            : List.of(vec.expAvgScale, vec.expAvgSqScale)) {
                        assertTrue(Float.isNaN(scales.getAtIndex(ValueLayout.JAVA_FLOAT, 0)), label);
                        assertTrue(Float.isNaN(scales.getAtIndex(ValueLayout.JAVA_FLOAT, 1)), label);
                        assertTrue(Float.isFinite(scales.getAtIndex(ValueLayout.JAVA_FLOAT, 2)), label);
                    }
                }
            }
        }
    }

    /**
     * The 8-bit codes at their ties, where random moments almost never land: with betas (0, 0) and
     * lr 0 a step stores m = g and v = g² exactly, so the gradient places them. Each block holds 1
     * (its maximum, so the scale is 1) and, for the first moment, every midpoint between adjacent
     * signed codes, both signs, and their float neighbours; for the second, squares that are
     * midpoints of unsigned codes (1.25² / 4^j = (1.5 + 1/16) / 4^(j-1)). Vector and reference
     * must agree, and both must be what {@link BlockCode} encodes.
     */
    @TestFactory
    Stream<DynamicNode> blockCodeTiesAtEveryWidth() {
        Simd.assumeSimd();
        return IntStream.of(Backends.laneWidths().toArray())
                .mapToObj(bits -> DynamicTest.dynamicTest(bits + " bits", () -> blockCodeTies(bits)));
    }

    private static void blockCodeTies(int bits) {
        List<Float> values = new ArrayList<>();
        BlockCode code = BlockCode.SIGNED;
        for (int c = 0; c < code.maxMagnitude(); c++) {
            float mid = (float) ((code.decode((byte) c, 1) + (double) code.decode((byte) (c + 1), 1)) / 2);
            for (float f : new float[] {mid, -mid, Math.nextUp(mid), -Math.nextDown(mid)}) values.add(f);
        }
        for (int j = 1; j < 15; j++) values.add(Math.scalb(1.25f, -j));
        int perBlock = BlockCode.BLOCK - 1;
        int blocks = (values.size() + perBlock - 1) / perBlock;
        int n = blocks * BlockCode.BLOCK;
        MixedLayout layout = MixedLayout.of(FloatFormat.FP32, FloatFormat.FP32, StateFormat.BLOCKWISE_8BIT);
        AdamCoefficients c = AdamConfig.adam().withLr(0).withBetas(0, 0).coefficients(1);
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture vec = MixedFixture.allocate(arena, layout, n);
            for (int b = 0; b < blocks; b++) {
                vec.grad.setAtIndex(ValueLayout.JAVA_FLOAT, (long) b * BlockCode.BLOCK, 1f);
                for (int k = 0; k < perBlock; k++) {
                    int v = b * perBlock + k;
                    vec.grad.setAtIndex(ValueLayout.JAVA_FLOAT, (long) b * BlockCode.BLOCK + 1 + k,
                            v < values.size() ? values.get(v) : 0f);
                }
            }
            MixedFixture ref = vec.copy(arena);
            vector(bits, Numerics.EXACT).update(layout, c, 0, vec.buffers(), 0, n);
            ScalarMixedAdamKernel.of(Numerics.EXACT).update(layout, c, 0, ref.buffers(), 0, n);
            MixedFixture.assertSameBits(bits + "-bit ties", ref, vec);
            for (int i = 0; i < n; i++) {
                float g = vec.grad.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(BlockCode.SIGNED.encode(g, 1f), vec.expAvg.get(ValueLayout.JAVA_BYTE, i), "m code of " + g);
                assertEquals(BlockCode.UNSIGNED.encode(g * g, 1f), vec.expAvgSq.get(ValueLayout.JAVA_BYTE, i), "v code of " + g + "²");
            }
        }
    }
}
