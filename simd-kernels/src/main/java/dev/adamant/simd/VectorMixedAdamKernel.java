package dev.adamant.simd;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedAdamKernel;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.Numerics;
import dev.adamant.kernel.ScalarMixedAdamKernel;
import dev.adamant.precision.BlockCode;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.StateFormat;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * Fused mixed-precision Adam/AdamW with the Vector API, bit-identical to
 * {@link ScalarMixedAdamKernel}: the same float32 operations lane by lane, and conversions made of
 * the same integer and float steps as {@code Bf16}, {@code Fp16}, {@code BlockCode} and
 * {@code RoundingNoise} (each step is exact or correctly rounded per lane, so the bits agree).
 * 16-bit buffers are read as shorts widened to ints, 8-bit codes as bytes; at 128 bits a float
 * vector has 4 lanes but the smallest byte vector 8, so byte accesses there are masked to 4 lanes.
 *
 * <p>8-bit state goes block by block: the update of a full block keeps its new moments in two
 * 256-float scratch arrays (in L1) while it takes their absolute maximum, then encodes them with
 * the new scale. The last, partial block of a buffer, and the tail of unquantized state, run on the
 * scalar reference, which processes them in the same order.
 *
 * <p>A template, copied per lane width and numerics mode by {@link KernelCopies}.
 */
final class VectorMixedAdamKernel implements MixedAdamKernel {
    private static final Specialization SPEC = Specialization.of(MethodHandles.lookup());
    private static final VectorSpecies<Float> F = SPEC.floats();
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_128.withShape(F.vectorShape());
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_64.withShape(VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    /** The byte lanes that belong to one float vector (all of them above 128 bits). */
    private static final VectorMask<Byte> BYTE_LANES = B.indexInRange(0, F.length());
    private static final boolean FAST = SPEC.numerics() == Numerics.FAST;
    private static final ScalarMixedAdamKernel REFERENCE = ScalarMixedAdamKernel.of(SPEC.numerics());
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int BLOCK = BlockCode.BLOCK;

    @Override
    public void update(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b, long from, long to) {
        if (layout.state() == StateFormat.BLOCKWISE_8BIT) {
            long fullBlocksEnd = to - (to - from) % BLOCK;
            if (fullBlocksEnd > from) {
                quantizedBlocks(layout, c, noiseKey, b, from, fullBlocksEnd);
            }
            REFERENCE.update(layout, c, noiseKey, b, fullBlocksEnd, to);
        } else {
            long upper = from + F.loopBound(to - from);
            unquantized(layout, c, noiseKey, b, from, upper);
            REFERENCE.update(layout, c, noiseKey, b, upper, to);
        }
    }

    /** The step's float32 constants, broadcast once. */
    private static AdamBroadcasts broadcasts(AdamCoefficients c) {
        return new AdamBroadcasts(
                FloatVector.broadcast(F, (float) c.beta1()), FloatVector.broadcast(F, (float) c.oneMinusBeta1()),
                FloatVector.broadcast(F, (float) c.beta2()), FloatVector.broadcast(F, (float) c.oneMinusBeta2()),
                FloatVector.broadcast(F, (float) c.l2WeightDecay()), FloatVector.broadcast(F, (float) c.decayFactor()),
                FloatVector.broadcast(F, (float) (FAST ? c.fastNegStepSize() : c.negStepSize())),
                FloatVector.broadcast(F, (float) (FAST ? c.fastEps() : c.eps())),
                FloatVector.broadcast(F, (float) c.sqrtBiasCorrection2()),
                FloatVector.broadcast(F, (float) c.gradScale()),
                c.l2WeightDecay() != 0, c.decayFactor() != 1, c.maximize(), c.gradScale() != 1);
    }

    private static void unquantized(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b,
                                    long from, long upper) {
        final AdamBroadcasts k = broadcasts(c);
        final boolean bf16State = layout.state() == StateFormat.BF16;
        final MemorySegment expAvg = b.expAvg(), expAvgSq = b.expAvgSq();
        for (long i = from; i < upper; i += F.length()) {
            FloatVector m = bf16State ? decodeBf16(expAvg, i) : FloatVector.fromMemorySegment(F, expAvg, i * 4, ORDER);
            FloatVector v = bf16State ? decodeBf16(expAvgSq, i) : FloatVector.fromMemorySegment(F, expAvgSq, i * 4, ORDER);
            FloatVector p = loadParam(layout, b, i);
            FloatVector g = load(layout.grad(), b.grad(), i);
            if (k.scaled()) g = g.mul(k.gradScale());
            if (k.maximize()) g = g.neg();
            if (k.l2()) g = p.fma(k.wd(), g);
            if (k.decoupled() && !FAST) p = p.mul(k.decay());
            m = g.fma(k.oneMinusBeta1(), m.mul(k.beta1()));
            v = k.oneMinusBeta2().mul(g).fma(g, v.mul(k.beta2()));
            if (bf16State) {
                encodeBf16(m).intoMemorySegment(expAvg, i * 2, ORDER);
                encodeBf16(v).intoMemorySegment(expAvgSq, i * 2, ORDER);
            } else {
                m.intoMemorySegment(expAvg, i * 4, ORDER);
                v.intoMemorySegment(expAvgSq, i * 4, ORDER);
            }
            storeParam(layout, b, i, noiseKey, step(k, p, m, v));
        }
    }

    /** Whole blocks [from, upper): the update with the new moments kept in scratch, then their codes. */
    private static void quantizedBlocks(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b,
                                        long from, long upper) {
        final AdamBroadcasts k = broadcasts(c);
        final MemorySegment expAvg = b.expAvg(), expAvgSq = b.expAvgSq();
        final float[] newM = new float[BLOCK], newV = new float[BLOCK];
        for (long start = from; start < upper; start += BLOCK) {
            final long block = start / BLOCK;
            final FloatVector mScale = FloatVector.broadcast(F, b.expAvgScale().getAtIndex(ValueLayout.JAVA_FLOAT, block));
            final FloatVector vScale = FloatVector.broadcast(F, b.expAvgSqScale().getAtIndex(ValueLayout.JAVA_FLOAT, block));
            FloatVector mMax = FloatVector.zero(F), vMax = FloatVector.zero(F);
            for (int j = 0; j < BLOCK; j += F.length()) {
                long i = start + j;
                FloatVector p = loadParam(layout, b, i);
                FloatVector g = load(layout.grad(), b.grad(), i);
                if (k.scaled()) g = g.mul(k.gradScale());
                if (k.maximize()) g = g.neg();
                if (k.l2()) g = p.fma(k.wd(), g);
                if (k.decoupled() && !FAST) p = p.mul(k.decay());
                FloatVector m = g.fma(k.oneMinusBeta1(), decodeCode(expAvg, i, true).mul(mScale).mul(k.beta1()));
                FloatVector v = k.oneMinusBeta2().mul(g).fma(g, decodeCode(expAvgSq, i, false).mul(vScale).mul(k.beta2()));
                m.intoArray(newM, j);
                v.intoArray(newV, j);
                mMax = mMax.max(m.abs());
                vMax = vMax.max(v.abs());
                storeParam(layout, b, i, noiseKey, step(k, p, m, v));
            }
            encodeBlock(newM, true, mMax.reduceLanes(VectorOperators.MAX), expAvg, b.expAvgScale(), start, block);
            encodeBlock(newV, false, vMax.reduceLanes(VectorOperators.MAX), expAvgSq, b.expAvgSqScale(), start, block);
        }
    }

    /** The parameter after the step, from the moments (AdamKernel's exact or fast formula). */
    private static FloatVector step(AdamBroadcasts k, FloatVector p, FloatVector m, FloatVector v) {
        if (FAST) {
            FloatVector update = k.negStep().mul(m).div(v.sqrt().add(k.eps()));
            return k.decoupled() ? p.fma(k.decay(), update) : p.add(update);
        }
        return p.add(k.negStep().mul(m).div(v.sqrt().div(k.sqrtBc2()).add(k.eps())));
    }

    private static FloatVector loadParam(MixedLayout layout, MixedAdamBuffers b, long i) {
        return layout.master() ? FloatVector.fromMemorySegment(F, b.master(), i * 4, ORDER) : load(layout.param(), b.param(), i);
    }

    private static void storeParam(MixedLayout layout, MixedAdamBuffers b, long i, long noiseKey, FloatVector p) {
        if (layout.master()) {
            p.intoMemorySegment(b.master(), i * 4, ORDER);
        }
        if (layout.stochasticRounding()) {
            encodeBf16Stochastic(p, noiseKey, i).intoMemorySegment(b.param(), i * 2, ORDER);
        } else {
            switch (layout.param()) {
                case FP32 -> p.intoMemorySegment(b.param(), i * 4, ORDER);
                case BF16 -> encodeBf16(p).intoMemorySegment(b.param(), i * 2, ORDER);
                case FP16 -> encodeFp16(p).intoMemorySegment(b.param(), i * 2, ORDER);
            }
        }
    }

    private static FloatVector load(FloatFormat format, MemorySegment s, long i) {
        return switch (format) {
            case FP32 -> FloatVector.fromMemorySegment(F, s, i * 4, ORDER);
            case BF16 -> decodeBf16(s, i);
            case FP16 -> decodeFp16(s, i);
        };
    }

    private static IntVector widenShorts(MemorySegment s, long i) {
        return (IntVector) ShortVector.fromMemorySegment(S, s, i * 2, ORDER).convertShape(VectorOperators.S2I, I, 0);
    }

    private static ShortVector narrowToShorts(IntVector x) {
        return (ShortVector) x.convertShape(VectorOperators.I2S, S, 0);
    }

    // ---- bf16: Bf16.toFloat / fromFloat / fromFloatStochastic, lane-wise

    private static FloatVector decodeBf16(MemorySegment s, long i) {
        return widenShorts(s, i).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static ShortVector encodeBf16(FloatVector f) {
        return narrowToShorts(roundBf16(f.reinterpretAsInts()));
    }

    /** Float bits to bf16 bits (in the low half), nearest even; NaN made quiet. */
    private static IntVector roundBf16(IntVector bits) {
        IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = bits.add(0x7FFF).add(high.and(1)).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = bits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000);
        return rounded.blend(high.or(0x0040), nan);
    }

    private static ShortVector encodeBf16Stochastic(FloatVector f, long noiseKey, long i) {
        IntVector bits = f.reinterpretAsInts();
        IntVector stochastic = bits.add(noise(noiseKey, i).and(0xFFFF)).lanewise(VectorOperators.LSHR, 16);
        // infinities and NaN round to nearest: adding noise would turn an infinity into a NaN
        VectorMask<Integer> nonFinite = bits.and(0x7F80_0000).compare(VectorOperators.EQ, 0x7F80_0000);
        return narrowToShorts(stochastic.blend(roundBf16(bits), nonFinite));
    }

    /** RoundingNoise.bits(noiseKey, i + lane) for each lane. */
    private static IntVector noise(long noiseKey, long i) {
        IntVector iota = (IntVector) I.iotaShuffle(0, 1, false).toVector();
        IntVector low = iota.add((int) i);
        // the high word steps up in the lanes whose low word wrapped around past 2^32
        IntVector high = IntVector.broadcast(I, (int) (i >>> 32))
                .blend(IntVector.broadcast(I, (int) (i >>> 32) + 1), low.compare(VectorOperators.ULT, (int) i));
        IntVector h = fmix32(low.lanewise(VectorOperators.XOR, (int) noiseKey));
        return fmix32(h.lanewise(VectorOperators.XOR, high).lanewise(VectorOperators.XOR, (int) (noiseKey >>> 32)));
    }

    private static IntVector fmix32(IntVector h) {
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85EB_CA6B);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2_AE35);
        return h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
    }

    // ---- fp16: Fp16.toFloat / fromFloat, lane-wise

    private static FloatVector decodeFp16(MemorySegment s, long i) {
        IntVector h = widenShorts(s, i).and(0xFFFF);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector magnitude = h.and(0x7FFF);
        IntVector normal = magnitude.lanewise(VectorOperators.LSHL, 13).add((127 - 15) << 23);
        IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1.0p-24f).reinterpretAsInts();
        IntVector payload = magnitude.and(0x03FF).lanewise(VectorOperators.LSHL, 13);
        IntVector special = payload.or(0x7F80_0000)
                .blend(payload.or(0x7FC0_0000), payload.compare(VectorOperators.NE, 0));
        IntVector result = normal.blend(subnormal, magnitude.compare(VectorOperators.LT, 0x0400))
                .blend(special, magnitude.compare(VectorOperators.GE, 0x7C00));
        return result.or(sign).reinterpretAsFloats();
    }

    private static ShortVector encodeFp16(FloatVector f) {
        IntVector bits = f.reinterpretAsInts();
        IntVector sign = bits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
        IntVector magnitude = bits.and(0x7FFF_FFFF);
        FloatVector base = f.abs().mul(0x1.0p112f).mul(0x1.0p-110f);
        IntVector exponent = magnitude.and(0x7F80_0000).max(0x3880_0000);
        IntVector rounded = exponent.add(0x0780_0000).reinterpretAsFloats().add(base).reinterpretAsInts();
        IntVector result = rounded.lanewise(VectorOperators.LSHR, 13).and(0x7C00).add(rounded.and(0x0FFF))
                .blend(0x7E00, magnitude.compare(VectorOperators.GT, 0x7F80_0000));
        return narrowToShorts(result.or(sign));
    }

    // ---- 8-bit codes: BlockCode.decode / encode, lane-wise

    /** The code values in [-1, 1] (before the scale) of one float vector's worth of codes. */
    private static FloatVector decodeCode(MemorySegment codes, long i, boolean signed) {
        BlockCode code = signed ? BlockCode.SIGNED : BlockCode.UNSIGNED;
        IntVector c = ((IntVector) ByteVector.fromMemorySegment(B, codes, i, ORDER, BYTE_LANES)
                .convertShape(VectorOperators.B2I, I, 0)).and(0xFF);
        IntVector magnitude = signed ? c.and(0x7F) : c;
        IntVector normal = magnitude.lanewise(VectorOperators.LSHL, 20).add(code.rebias());
        IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(code.subnormalStep()).reinterpretAsInts();
        IntVector value = normal.blend(subnormal, magnitude.compare(VectorOperators.LT, 8));
        if (signed) value = value.or(c.and(0x80).lanewise(VectorOperators.LSHL, 24));
        return value.reinterpretAsFloats();
    }

    /** Stores block {@code block}: its scale, then the codes of {@code values} (BLOCK of them). */
    private static void encodeBlock(float[] values, boolean signed, float absMax, MemorySegment codes,
                                    MemorySegment scales, long start, long block) {
        BlockCode code = signed ? BlockCode.SIGNED : BlockCode.UNSIGNED;
        float scale = BlockCode.scaleOf(absMax);
        float inverse = BlockCode.inverseOf(scale);
        scales.setAtIndex(ValueLayout.JAVA_FLOAT, block, scale);
        if (inverse == 0) {
            codes.asSlice(start, BLOCK).fill((byte) 0);
            return;
        }
        FloatVector inv = FloatVector.broadcast(F, inverse);
        FloatVector minNormal = FloatVector.broadcast(F, code.minNormal());
        FloatVector rounder = FloatVector.broadcast(F, code.subnormalRounder());
        int rounderBits = Float.floatToRawIntBits(code.subnormalRounder());
        for (int j = 0; j < BLOCK; j += F.length()) {
            FloatVector value = FloatVector.fromArray(F, values, j);
            FloatVector magnitude = value.abs().mul(inv);
            IntVector bits = magnitude.reinterpretAsInts();
            IntVector normal = bits.add(0x7FFFF).add(bits.lanewise(VectorOperators.LSHR, 20).and(1))
                    .sub(code.rebias()).lanewise(VectorOperators.LSHR, 20);
            IntVector subnormal = magnitude.add(rounder).reinterpretAsInts().sub(rounderBits);
            IntVector c = normal.blend(subnormal, magnitude.compare(VectorOperators.LT, minNormal).cast(I)).min(code.maxMagnitude());
            if (signed) c = c.or(value.reinterpretAsInts().lanewise(VectorOperators.LSHR, 24).and(0x80));
            ((ByteVector) c.convertShape(VectorOperators.I2B, B, 0)).intoMemorySegment(codes, start + j, ORDER, BYTE_LANES);
        }
    }
}
