package dev.adamant.testing;

import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.precision.BlockCode;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.StateFormat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The buffers of one mixed-precision Adam update for tests: allocated for a {@link MixedLayout} at
 * exactly {@code n} elements (an access past the end throws), filled with reproducible values,
 * copied, and compared bit for bit, where as in {@link Bits} any NaN equals any NaN (in float32
 * and in 16-bit buffers: NaN payloads are not part of the contract); 8-bit codes byte for byte.
 * amsgrad's running maximum (and its scales for 8-bit state) is always allocated;
 * {@link #buffers()} leaves it out, {@link #buffersWithMax()} passes it.
 */
public final class MixedFixture {
    /**
     * Values that stress the conversions: the float specials plus fp16's and bf16's edges, and NaNs
     * whose payload's low half would carry when rounded as a number (into the exponent, or past it).
     */
    private static final float[] SPECIALS = {
            0f, -0f, Float.MIN_VALUE, -1e-40f, 1e30f, -3e38f, Float.MAX_VALUE, Float.NaN,
            Float.intBitsToFloat(0x7FC0_FFFF), Float.intBitsToFloat(0xFFFF_8001),
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            65504f, -65519f, 65520f, 70000f, 6e-8f, -3e-8f, 1e-6f, 3.3895e38f, -3.3895314e38f};

    public final MixedLayout layout;
    public final int n;
    public final MemorySegment param, master, grad, expAvg, expAvgSq, expAvgScale, expAvgSqScale;
    public final MemorySegment maxExpAvgSq, maxExpAvgSqScale;

    private MixedFixture(MixedLayout layout, int n, MemorySegment param, MemorySegment master, MemorySegment grad,
                         MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment expAvgScale,
                         MemorySegment expAvgSqScale, MemorySegment maxExpAvgSq, MemorySegment maxExpAvgSqScale) {
        this.layout = layout;
        this.n = n;
        this.param = param;
        this.master = master;
        this.grad = grad;
        this.expAvg = expAvg;
        this.expAvgSq = expAvgSq;
        this.expAvgScale = expAvgScale;
        this.expAvgSqScale = expAvgSqScale;
        this.maxExpAvgSq = maxExpAvgSq;
        this.maxExpAvgSqScale = maxExpAvgSqScale;
    }

    /** Zeroed buffers (zero state) for {@code layout} at {@code n} elements, 64-byte aligned. */
    public static MixedFixture allocate(Arena arena, MixedLayout layout, int n) {
        long state = layout.state().byteSize();
        boolean quantized = layout.quantized();
        long blocks = BlockCode.blocks(n);
        return new MixedFixture(layout, n,
                arena.allocate((long) n * layout.param().byteSize(), 64),
                layout.master() ? arena.allocate(4L * n, 64) : null,
                arena.allocate((long) n * layout.grad().byteSize(), 64),
                arena.allocate(n * state, 64), arena.allocate(n * state, 64),
                quantized ? arena.allocate(4 * blocks, 64) : null,
                quantized ? arena.allocate(4 * blocks, 64) : null,
                arena.allocate(n * state, 64), quantized ? arena.allocate(4 * blocks, 64) : null);
    }

    /** The buffers of an update without amsgrad. */
    public MixedAdamBuffers buffers() {
        return new MixedAdamBuffers(param, master, grad, expAvg, expAvgSq, expAvgScale, expAvgSqScale);
    }

    /** The buffers of an amsgrad update. */
    public MixedAdamBuffers buffersWithMax() {
        return buffers().withMaxExpAvgSq(maxExpAvgSq, maxExpAvgSqScale);
    }

    /** {@link #buffersWithMax()} when {@code amsgrad}, else {@link #buffers()}. */
    public MixedAdamBuffers buffers(boolean amsgrad) {
        return amsgrad ? buffersWithMax() : buffers();
    }

    /** An identical copy, in {@code arena}. */
    public MixedFixture copy(Arena arena) {
        return new MixedFixture(layout, n, copyOf(arena, param), copyOf(arena, master), copyOf(arena, grad),
                copyOf(arena, expAvg), copyOf(arena, expAvgSq), copyOf(arena, expAvgScale), copyOf(arena, expAvgSqScale),
                copyOf(arena, maxExpAvgSq), copyOf(arena, maxExpAvgSqScale));
    }

    private static MemorySegment copyOf(Arena arena, MemorySegment s) {
        return s == null ? null : arena.allocate(s.byteSize(), 64).copyFrom(s);
    }

    /** The parameter (and its master copy) ~ N(0, 1), optionally with one special value in 8. */
    public void fillParam(SplittableRandom random, boolean specials) {
        for (int i = 0; i < n; i++) {
            float p = value(random, 1, specials);
            if (master != null) master.setAtIndex(ValueLayout.JAVA_FLOAT, i, p);
            layout.param().store(param, i, p);
        }
    }

    /** A new gradient ~ N(0, scale²), optionally with specials. */
    public void fillGrad(SplittableRandom random, double scale, boolean specials) {
        for (int i = 0; i < n; i++) {
            layout.grad().store(grad, i, value(random, scale, specials));
        }
    }

    /**
     * A previous-step-like state: moments ~ N(0, 0.01) and their squares, stored in the layout's
     * format (8-bit: blockwise, with their absolute maxima as scales); amsgrad's maximum is the
     * second moment, larger by a random amount in half of the elements.
     */
    public void fillState(SplittableRandom random) {
        float[] m = new float[n], v = new float[n], max = new float[n];
        for (int i = 0; i < n; i++) {
            m[i] = (float) (random.nextGaussian() * 0.1);
            v[i] = (float) Math.abs(random.nextGaussian() * 0.01);
            max[i] = random.nextBoolean() ? v[i] : v[i] + (float) Math.abs(random.nextGaussian() * 0.01);
        }
        storeState(layout.state(), BlockCode.SIGNED, m, expAvg, expAvgScale);
        storeState(layout.state(), BlockCode.UNSIGNED, v, expAvgSq, expAvgSqScale);
        storeState(layout.state(), BlockCode.UNSIGNED, max, maxExpAvgSq, maxExpAvgSqScale);
    }

    /** Stores moment values the way the kernels do (bf16 nearest even, 8-bit per block). */
    public static void storeState(StateFormat state, BlockCode code, float[] values, MemorySegment s, MemorySegment scales) {
        int n = values.length;
        for (int start = 0; start < n; start += BlockCode.BLOCK) {
            int end = Math.min(n, start + BlockCode.BLOCK);
            float absMax = 0;
            for (int i = start; i < end; i++) absMax = Math.max(absMax, Math.abs(values[i]));
            float scale = BlockCode.scaleOf(absMax), inverse = BlockCode.inverseOf(scale);
            if (state == StateFormat.BLOCKWISE_8BIT) scales.setAtIndex(ValueLayout.JAVA_FLOAT, start / BlockCode.BLOCK, scale);
            for (int i = start; i < end; i++) {
                switch (state) {
                    case FP32 -> FloatFormat.FP32.store(s, i, values[i]);
                    case BF16 -> FloatFormat.BF16.store(s, i, values[i]);
                    case BLOCKWISE_8BIT -> s.set(ValueLayout.JAVA_BYTE, i, code.encode(values[i], inverse));
                }
            }
        }
    }

    /** The moment values of a state buffer, decoded. */
    public static float[] loadState(StateFormat state, BlockCode code, MemorySegment s, MemorySegment scales, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = switch (state) {
                case FP32 -> FloatFormat.FP32.load(s, i);
                case BF16 -> FloatFormat.BF16.load(s, i);
                case BLOCKWISE_8BIT -> code.decode(s.get(ValueLayout.JAVA_BYTE, i),
                        scales.getAtIndex(ValueLayout.JAVA_FLOAT, i / BlockCode.BLOCK));
            };
        }
        return values;
    }

    private static float value(SplittableRandom random, double scale, boolean specials) {
        if (specials && random.nextInt(8) == 0) return SPECIALS[random.nextInt(SPECIALS.length)];
        return (float) (random.nextGaussian() * scale);
    }

    /** How a buffer's elements compare. */
    public enum Kind { FP32, BF16, FP16, CODES }

    /** The buffers with names, for comparisons (null ones left out). */
    public List<Named> named() {
        Kind state = switch (layout.state()) {
            case FP32 -> Kind.FP32;
            case BF16 -> Kind.BF16;
            case BLOCKWISE_8BIT -> Kind.CODES;
        };
        List<Named> all = new ArrayList<>();
        for (Named b : new Named[] {new Named("param", param, kind(layout.param())), new Named("master", master, Kind.FP32),
                new Named("grad", grad, kind(layout.grad())), new Named("exp_avg", expAvg, state),
                new Named("exp_avg_sq", expAvgSq, state), new Named("exp_avg_scale", expAvgScale, Kind.FP32),
                new Named("exp_avg_sq_scale", expAvgSqScale, Kind.FP32), new Named("max_exp_avg_sq", maxExpAvgSq, state),
                new Named("max_exp_avg_sq_scale", maxExpAvgSqScale, Kind.FP32)}) {
            if (b.segment() != null) all.add(b);
        }
        return all;
    }

    private static Kind kind(FloatFormat f) {
        return switch (f) {
            case FP32 -> Kind.FP32;
            case BF16 -> Kind.BF16;
            case FP16 -> Kind.FP16;
        };
    }

    public record Named(String name, MemorySegment segment, Kind kind) {
        /** Index of the first element that differs, or -1. */
        long firstDifference(MemorySegment other) {
            long elementBytes = switch (kind) {
                case FP32 -> 4;
                case BF16, FP16 -> 2;
                case CODES -> 1;
            };
            for (long i = 0; i < segment.byteSize() / elementBytes; i++) {
                boolean same = switch (kind) {
                    case FP32 -> Bits.same(segment.getAtIndex(ValueLayout.JAVA_FLOAT, i), other.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                    case BF16 -> Bits.same(FloatFormat.BF16.load(segment, i), FloatFormat.BF16.load(other, i));
                    case FP16 -> Bits.same(FloatFormat.FP16.load(segment, i), FloatFormat.FP16.load(other, i));
                    case CODES -> segment.get(ValueLayout.JAVA_BYTE, i) == other.get(ValueLayout.JAVA_BYTE, i);
                };
                if (!same) return i;
            }
            return -1;
        }

        String describe(long i) {
            return switch (kind) {
                case FP32 -> Float.toString(segment.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                case BF16, FP16 -> "0x" + Integer.toHexString(segment.getAtIndex(ValueLayout.JAVA_SHORT, i) & 0xFFFF);
                case CODES -> "0x" + Integer.toHexString(segment.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
            };
        }
    }

    /** Every buffer of {@code actual} equals the same buffer of {@code expected}, bit for bit (NaN = NaN). */
    public static void assertSameBits(String where, MixedFixture expected, MixedFixture actual) {
        List<Named> e = expected.named(), a = actual.named();
        for (int b = 0; b < e.size(); b++) {
            Named ours = e.get(b), theirs = a.get(b);
            long i = ours.firstDifference(theirs.segment());
            if (i >= 0) {
                fail(ours.name() + " differs at element " + i + ": expected " + ours.describe(i) + " but was "
                        + theirs.describe(i) + " (" + where + ")");
            }
        }
    }
}
