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
 *
 * <p>It works chunk by chunk ({@link BlockCode#BLOCK} elements), in stages: a bf16/fp16 parameter
 * or gradient is first decoded into float32 scratch; then the Adam loop runs on float32 parameter
 * and gradient (their own buffers when fp32, else the scratch), with the moments read and written
 * in their own format inside the loop (fp32, bf16), or for 8-bit state decoded inside the loop and
 * kept in scratch until the block's new scale is known; then the parameter is encoded from the
 * scratch or the master copy, and the 8-bit moments are requantized. Every buffer is still read and
 * written once from memory; the scratch stays in L1. Why stages: one loop doing every conversion of
 * every layout is too large for C2 to inline its vector helpers, and a vector that is not inlined
 * is boxed (measured about ten times slower); each stage is a small loop C2 compiles whole. The
 * tail that does not fill a vector, and with 8-bit state the last, partial block, run on the
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
    /** At 128 bits a float vector has 4 lanes but the smallest byte vector 8: byte accesses are masked. */
    private static final boolean MASKED_BYTES = B.length() != F.length();
    private static final VectorMask<Byte> BYTE_LANES = B.indexInRange(0, F.length());
    private static final boolean FAST = SPEC.numerics() == Numerics.FAST;
    private static final ScalarMixedAdamKernel REFERENCE = ScalarMixedAdamKernel.of(SPEC.numerics());
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int CHUNK = BlockCode.BLOCK;
    private static final int SIGNED_REBIAS = BlockCode.SIGNED.rebias(), UNSIGNED_REBIAS = BlockCode.UNSIGNED.rebias();
    private static final float SIGNED_STEP = BlockCode.SIGNED.subnormalStep(), UNSIGNED_STEP = BlockCode.UNSIGNED.subnormalStep();
    private static final long CHUNK_BYTES = 4L * CHUNK;
    /** Four float32 chunks: param, grad, and the new exp_avg and exp_avg_sq of 8-bit state. */
    private static final Scratch SCRATCH = new Scratch(4 * CHUNK_BYTES);

    @Override
    public void update(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b, long from, long to) {
        // 8-bit state: whole blocks only (the scale needs the block); otherwise whole vectors
        long upper = layout.quantized() ? to - (to - from) % CHUNK : from + F.loopBound(to - from);
        if (upper > from && layout.grad() == FloatFormat.FP32 && (layout.master() || layout.param() == FloatFormat.FP32)
                && !layout.quantized()) {
            // float32 parameter and gradient in memory, moments converted in the loop: one pass, no scratch
            MemorySegment p = layout.master() ? b.master() : b.param();
            AdamBroadcasts k = broadcasts(c);
            if (layout.state() == StateFormat.FP32) {
                adam(k, p, from * 4, b.grad(), from * 4, b.expAvg(), from * 4, b.expAvgSq(), from * 4, upper - from);
            } else {
                adamBf16State(k, p, from * 4, b.grad(), from * 4, b.expAvg(), b.expAvgSq(), from, upper - from);
            }
            if (layout.master()) {
                encodeParam(layout, b, from, upper);
            }
        } else if (upper > from) {
            chunks(layout, c, noiseKey, b, from, upper);
        }
        REFERENCE.update(layout, c, noiseKey, b, upper, to);
    }

    private static void chunks(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b,
                               long from, long upper) {
        final AdamBroadcasts k = broadcasts(c);
        final MemorySegment scratch = SCRATCH.get();
        final FloatFormat paramFormat = layout.param(), gradFormat = layout.grad();
        final StateFormat state = layout.state();
        final boolean master = layout.master();
        for (long start = from; start < upper; start += CHUNK) {
            final int n = (int) Math.min(CHUNK, upper - start);
            // where each float32 operand of the Adam stage lives: its own buffer when fp32, else scratch
            MemorySegment p, g;
            long pAt, gAt;
            if (master) {
                p = b.master();
                pAt = start * 4;
            } else if (paramFormat == FloatFormat.FP32) {
                p = b.param();
                pAt = start * 4;
            } else {
                p = scratch;
                pAt = 0;
                decode(paramFormat, b.param(), start, scratch, 0, n);
            }
            if (gradFormat == FloatFormat.FP32) {
                g = b.grad();
                gAt = start * 4;
            } else {
                g = scratch;
                gAt = CHUNK_BYTES;
                decode(gradFormat, b.grad(), start, scratch, CHUNK_BYTES, n);
            }
            switch (state) {
                case FP32 -> adam(k, p, pAt, g, gAt, b.expAvg(), start * 4, b.expAvgSq(), start * 4, n);
                // the moments go straight between their 16-bit buffers and registers
                case BF16 -> adamBf16State(k, p, pAt, g, gAt, b.expAvg(), b.expAvgSq(), start, n);
                case BLOCKWISE_8BIT -> {
                    // dequantized in the loop; the new moments wait in scratch for the block's new scales
                    long block = start / CHUNK;
                    adamQuantized(k, p, pAt, g, gAt, b.expAvg(), b.expAvgScale().getAtIndex(ValueLayout.JAVA_FLOAT, block),
                            b.expAvgSq(), b.expAvgSqScale().getAtIndex(ValueLayout.JAVA_FLOAT, block), start, scratch);
                }
            }
            if (layout.stochasticRounding()) {
                encodeBf16Stochastic(p, pAt, b.param(), start, n, noiseKey);
            } else if (master || paramFormat != FloatFormat.FP32) {
                encode(paramFormat, p, pAt, b.param(), start, n);
            }
            if (state == StateFormat.BLOCKWISE_8BIT) {
                long block = start / CHUNK;
                quantize(true, scratch, 2 * CHUNK_BYTES, b.expAvg(), start, b.expAvgScale(), block);
                quantize(false, scratch, 3 * CHUNK_BYTES, b.expAvgSq(), start, b.expAvgSqScale(), block);
            }
        }
    }

    /** The parameter rounded from its master copy, elements [from, upper). */
    private static void encodeParam(MixedLayout layout, MixedAdamBuffers b, long from, long upper) {
        for (long start = from; start < upper; start += CHUNK) {
            encode(layout.param(), b.master(), start * 4, b.param(), start, (int) Math.min(CHUNK, upper - start));
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

    /** AdamKernel's float32 update of n elements, in place; operands at byte offsets. */
    private static void adam(AdamBroadcasts k, MemorySegment ps, long pAt, MemorySegment gs, long gAt,
                             MemorySegment ms, long mAt, MemorySegment vs, long vAt, long n) {
        for (long j = 0; j < n; j += F.length()) {
            long o = 4L * j;
            FloatVector p = FloatVector.fromMemorySegment(F, ps, pAt + o, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(F, gs, gAt + o, ORDER);
            if (k.scaled()) g = g.mul(k.gradScale());
            if (k.maximize()) g = g.neg();
            if (k.l2()) g = p.fma(k.wd(), g);
            if (k.decoupled() && !FAST) p = p.mul(k.decay());
            FloatVector m = g.fma(k.oneMinusBeta1(), FloatVector.fromMemorySegment(F, ms, mAt + o, ORDER).mul(k.beta1()));
            FloatVector v = k.oneMinusBeta2().mul(g).fma(g, FloatVector.fromMemorySegment(F, vs, vAt + o, ORDER).mul(k.beta2()));
            m.intoMemorySegment(ms, mAt + o, ORDER);
            v.intoMemorySegment(vs, vAt + o, ORDER);
            if (FAST) {
                FloatVector update = k.negStep().mul(m).div(v.sqrt().add(k.eps()));
                p = k.decoupled() ? p.fma(k.decay(), update) : p.add(update);
            } else {
                p = p.add(k.negStep().mul(m).div(v.sqrt().div(k.sqrtBc2()).add(k.eps())));
            }
            p.intoMemorySegment(ps, pAt + o, ORDER);
        }
    }

    /** {@link #adam} with bf16 moments read and written in their buffers, elements [start, start+n). */
    private static void adamBf16State(AdamBroadcasts k, MemorySegment ps, long pAt, MemorySegment gs, long gAt,
                                      MemorySegment expAvg, MemorySegment expAvgSq, long start, long n) {
        for (long j = 0; j < n; j += F.length()) {
            long o = 4L * j, i = start + j;
            FloatVector p = FloatVector.fromMemorySegment(F, ps, pAt + o, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(F, gs, gAt + o, ORDER);
            if (k.scaled()) g = g.mul(k.gradScale());
            if (k.maximize()) g = g.neg();
            if (k.l2()) g = p.fma(k.wd(), g);
            if (k.decoupled() && !FAST) p = p.mul(k.decay());
            // widen, round and narrow written out: in a loop this large C2 stops inlining our own helpers
            // (NodeCountInliningCutoff), and a vector passed to a call that is not inlined is boxed
            FloatVector m0 = ((IntVector) ShortVector.fromMemorySegment(S, expAvg, 2 * i, ORDER).castShape(I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector v0 = ((IntVector) ShortVector.fromMemorySegment(S, expAvgSq, 2 * i, ORDER).castShape(I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector m = g.fma(k.oneMinusBeta1(), m0.mul(k.beta1()));
            FloatVector v = k.oneMinusBeta2().mul(g).fma(g, v0.mul(k.beta2()));
            IntVector mBits = m.reinterpretAsInts(), mHigh = mBits.lanewise(VectorOperators.LSHR, 16);
            ((ShortVector) mBits.add(0x7FFF).add(mHigh.and(1)).lanewise(VectorOperators.LSHR, 16)
                    .blend(mHigh.or(0x0040), mBits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000))
                    .castShape(S, 0)).intoMemorySegment(expAvg, 2 * i, ORDER);
            IntVector vBits = v.reinterpretAsInts(), vHigh = vBits.lanewise(VectorOperators.LSHR, 16);
            ((ShortVector) vBits.add(0x7FFF).add(vHigh.and(1)).lanewise(VectorOperators.LSHR, 16)
                    .blend(vHigh.or(0x0040), vBits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000))
                    .castShape(S, 0)).intoMemorySegment(expAvgSq, 2 * i, ORDER);
            if (FAST) {
                FloatVector update = k.negStep().mul(m).div(v.sqrt().add(k.eps()));
                p = k.decoupled() ? p.fma(k.decay(), update) : p.add(update);
            } else {
                p = p.add(k.negStep().mul(m).div(v.sqrt().div(k.sqrtBc2()).add(k.eps())));
            }
            p.intoMemorySegment(ps, pAt + o, ORDER);
        }
    }

    /**
     * {@link #adam} on one block with 8-bit moments decoded in the loop (code × block scale); the
     * new moments go to scratch (first moment at 2, second at 3 chunks) for {@link #quantize}.
     */
    private static void adamQuantized(AdamBroadcasts k, MemorySegment ps, long pAt, MemorySegment gs, long gAt,
                                      MemorySegment expAvg, float expAvgScale, MemorySegment expAvgSq, float expAvgSqScale,
                                      long start, MemorySegment scratch) {
        FloatVector mScale = FloatVector.broadcast(F, expAvgScale), vScale = FloatVector.broadcast(F, expAvgSqScale);
        for (int j = 0; j < CHUNK; j += F.length()) {
            long o = 4L * j, i = start + j;
            FloatVector p = FloatVector.fromMemorySegment(F, ps, pAt + o, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(F, gs, gAt + o, ORDER);
            if (k.scaled()) g = g.mul(k.gradScale());
            if (k.maximize()) g = g.neg();
            if (k.l2()) g = p.fma(k.wd(), g);
            if (k.decoupled() && !FAST) p = p.mul(k.decay());
            // BlockCode.decode written out, as in adamBf16State: SIGNED for m, UNSIGNED for v
            ByteVector mBytes = MASKED_BYTES ? ByteVector.fromMemorySegment(B, expAvg, i, ORDER, BYTE_LANES)
                    : ByteVector.fromMemorySegment(B, expAvg, i, ORDER);
            IntVector mCode = ((IntVector) mBytes.castShape(I, 0)).and(0xFF), mMagnitude = mCode.and(0x7F);
            FloatVector m0 = mMagnitude.lanewise(VectorOperators.LSHL, 20).add(SIGNED_REBIAS)
                    .blend(((FloatVector) mMagnitude.convert(VectorOperators.I2F, 0)).mul(SIGNED_STEP).reinterpretAsInts(),
                            mMagnitude.compare(VectorOperators.LT, 8))
                    .or(mCode.and(0x80).lanewise(VectorOperators.LSHL, 24)).reinterpretAsFloats();
            ByteVector vBytes = MASKED_BYTES ? ByteVector.fromMemorySegment(B, expAvgSq, i, ORDER, BYTE_LANES)
                    : ByteVector.fromMemorySegment(B, expAvgSq, i, ORDER);
            IntVector vCode = ((IntVector) vBytes.castShape(I, 0)).and(0xFF);
            FloatVector v0 = vCode.lanewise(VectorOperators.LSHL, 20).add(UNSIGNED_REBIAS)
                    .blend(((FloatVector) vCode.convert(VectorOperators.I2F, 0)).mul(UNSIGNED_STEP).reinterpretAsInts(),
                            vCode.compare(VectorOperators.LT, 8))
                    .reinterpretAsFloats();
            FloatVector m = g.fma(k.oneMinusBeta1(), m0.mul(mScale).mul(k.beta1()));
            FloatVector v = k.oneMinusBeta2().mul(g).fma(g, v0.mul(vScale).mul(k.beta2()));
            m.intoMemorySegment(scratch, 2 * CHUNK_BYTES + o, ORDER);
            v.intoMemorySegment(scratch, 3 * CHUNK_BYTES + o, ORDER);
            if (FAST) {
                FloatVector update = k.negStep().mul(m).div(v.sqrt().add(k.eps()));
                p = k.decoupled() ? p.fma(k.decay(), update) : p.add(update);
            } else {
                p = p.add(k.negStep().mul(m).div(v.sqrt().div(k.sqrtBc2()).add(k.eps())));
            }
            p.intoMemorySegment(ps, pAt + o, ORDER);
        }
    }

    // ---- 16-bit formats: Bf16 and Fp16 lane-wise, a chunk at a time

    /** Elements [start, start+n) of a 16-bit buffer, decoded into float32 at byte offset {@code to}. */
    private static void decode(FloatFormat format, MemorySegment src, long start, MemorySegment dst, long to, int n) {
        if (format == FloatFormat.BF16) {
            for (int j = 0; j < n; j += F.length()) {
                widen(src, start + j).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                        .intoMemorySegment(dst, to + 4L * j, ORDER);
            }
        } else {
            for (int j = 0; j < n; j += F.length()) {
                decodeFp16(widen(src, start + j).and(0xFFFF)).intoMemorySegment(dst, to + 4L * j, ORDER);
            }
        }
    }

    /** n float32 values at byte offset {@code at}, rounded into elements [start, start+n) of a 16-bit buffer. */
    private static void encode(FloatFormat format, MemorySegment src, long at, MemorySegment dst, long start, int n) {
        if (format == FloatFormat.BF16) {
            for (int j = 0; j < n; j += F.length()) {
                IntVector bits = FloatVector.fromMemorySegment(F, src, at + 4L * j, ORDER).reinterpretAsInts();
                narrow(roundBf16(bits)).intoMemorySegment(dst, 2 * (start + j), ORDER);
            }
        } else {
            for (int j = 0; j < n; j += F.length()) {
                FloatVector f = FloatVector.fromMemorySegment(F, src, at + 4L * j, ORDER);
                narrow(encodeFp16(f)).intoMemorySegment(dst, 2 * (start + j), ORDER);
            }
        }
    }

    private static IntVector widen(MemorySegment s, long i) {
        return (IntVector) ShortVector.fromMemorySegment(S, s, 2 * i, ORDER).castShape(I, 0);
    }

    private static ShortVector narrow(IntVector x) {
        return (ShortVector) x.castShape(S, 0);
    }

    /** Float bits to bf16 bits (in the low half), nearest even; NaN made quiet. */
    private static IntVector roundBf16(IntVector bits) {
        IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = bits.add(0x7FFF).add(high.and(1)).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = bits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000);
        return rounded.blend(high.or(0x0040), nan);
    }

    private static void encodeBf16Stochastic(MemorySegment src, long at, MemorySegment dst, long start, int n, long noiseKey) {
        for (int j = 0; j < n; j += F.length()) {
            IntVector bits = FloatVector.fromMemorySegment(F, src, at + 4L * j, ORDER).reinterpretAsInts();
            IntVector stochastic = bits.add(noise(noiseKey, start + j).and(0xFFFF)).lanewise(VectorOperators.LSHR, 16);
            // infinities and NaN round to nearest: adding noise would turn an infinity into a NaN
            VectorMask<Integer> nonFinite = bits.and(0x7F80_0000).compare(VectorOperators.EQ, 0x7F80_0000);
            narrow(stochastic.blend(roundBf16(bits), nonFinite)).intoMemorySegment(dst, 2 * (start + j), ORDER);
        }
    }

    /** RoundingNoise.bits(noiseKey, i + lane) for each lane. */
    private static IntVector noise(long noiseKey, long i) {
        IntVector low = ((IntVector) I.iotaShuffle(0, 1, false).toVector()).add((int) i);
        // the high word steps up in the lanes whose low word wrapped around past 2^32
        int high = (int) (i >>> 32);
        IntVector highs = IntVector.broadcast(I, high).blend(high + 1, low.compare(VectorOperators.ULT, (int) i));
        IntVector h = fmix32(low.lanewise(VectorOperators.XOR, (int) noiseKey));
        return fmix32(h.lanewise(VectorOperators.XOR, highs).lanewise(VectorOperators.XOR, (int) (noiseKey >>> 32)));
    }

    private static IntVector fmix32(IntVector h) {
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85EB_CA6B);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2_AE35);
        return h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
    }

    /** Fp16.toFloat of the low 16 bits of each lane. */
    private static FloatVector decodeFp16(IntVector h) {
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

    /** Fp16.fromFloat of each lane, in the low 16 bits. */
    private static IntVector encodeFp16(FloatVector f) {
        IntVector bits = f.reinterpretAsInts();
        IntVector sign = bits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
        IntVector magnitude = bits.and(0x7FFF_FFFF);
        FloatVector base = f.abs().mul(0x1.0p112f).mul(0x1.0p-110f);
        IntVector exponent = magnitude.and(0x7F80_0000).max(0x3880_0000);
        IntVector rounded = exponent.add(0x0780_0000).reinterpretAsFloats().add(base).reinterpretAsInts();
        IntVector result = rounded.lanewise(VectorOperators.LSHR, 13).and(0x7C00).add(rounded.and(0x0FFF))
                .blend(0x7E00, magnitude.compare(VectorOperators.GT, 0x7F80_0000));
        return result.or(sign);
    }

    // ---- 8-bit codes: BlockCode.decode / encode lane-wise, a block at a time

    /** The float32 block at byte offset {@code at}: its scale (the absolute maximum), then its codes. */
    private static void quantize(boolean signed, MemorySegment src, long at, MemorySegment codes, long start,
                                 MemorySegment scales, long block) {
        BlockCode code = signed ? BlockCode.SIGNED : BlockCode.UNSIGNED;
        FloatVector max = FloatVector.zero(F);
        for (int j = 0; j < CHUNK; j += F.length()) {
            max = max.max(FloatVector.fromMemorySegment(F, src, at + 4L * j, ORDER).abs());
        }
        float scale = BlockCode.scaleOf(max.reduceLanes(VectorOperators.MAX));
        float inverse = BlockCode.inverseOf(scale);
        scales.setAtIndex(ValueLayout.JAVA_FLOAT, block, scale);
        if (inverse == 0) {
            codes.asSlice(start, CHUNK).fill((byte) 0);
            return;
        }
        FloatVector inv = FloatVector.broadcast(F, inverse);
        int minNormalBits = Float.floatToRawIntBits(code.minNormal());
        FloatVector rounder = FloatVector.broadcast(F, code.subnormalRounder());
        int rounderBits = Float.floatToRawIntBits(code.subnormalRounder());
        for (int j = 0; j < CHUNK; j += F.length()) {
            FloatVector value = FloatVector.fromMemorySegment(F, src, at + 4L * j, ORDER);
            FloatVector magnitude = value.abs().mul(inv);
            IntVector bits = magnitude.reinterpretAsInts();
            IntVector normal = bits.add(0x7FFFF).add(bits.lanewise(VectorOperators.LSHR, 20).and(1))
                    .sub(code.rebias()).lanewise(VectorOperators.LSHR, 20);
            IntVector subnormal = magnitude.add(rounder).reinterpretAsInts().sub(rounderBits);
            // magnitude is >= 0 and not NaN, so comparing its bits as ints orders it as the floats
            IntVector c = normal.blend(subnormal, bits.compare(VectorOperators.LT, minNormalBits)).min(code.maxMagnitude());
            if (signed) c = c.or(value.reinterpretAsInts().lanewise(VectorOperators.LSHR, 24).and(0x80));
            ByteVector bytes = (ByteVector) c.castShape(B, 0);
            if (MASKED_BYTES) {
                bytes.intoMemorySegment(codes, start + j, ORDER, BYTE_LANES);
            } else {
                bytes.intoMemorySegment(codes, start + j, ORDER);
            }
        }
    }
}
