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
 * <p>It works in stages, {@link #STAGE} elements at a time: a 16-bit parameter without master copy,
 * or an fp16 gradient, is first decoded into float32 scratch; then the Adam loop runs on the float32
 * parameter (its own buffer, the master copy or the scratch) and the gradient (read in the loop when
 * fp32 or bf16, else from the scratch), with the moments read and written in their own format inside
 * the loop (fp32, bf16); for 8-bit state the loop is two passes over two blocks at a time, the first
 * decoding and scaling the codes (one multiply each) into new moments kept in a float array
 * ({@link MomentScratch}) until the blocks' new scales are known, the second updating the parameter
 * and encoding the moments; then the parameter is encoded from the scratch or the master copy. With
 * a float32 parameter and gradient (or a master copy) nothing is staged but the parameter's rounding. amsgrad's running maximum is a third moment,
 * in the state format, updated in the same loop. Every buffer is still read and written once from
 * memory; the scratch stays in L1. Why stages: one loop doing every conversion of every layout is
 * too large for C2 to inline its vector helpers, and a vector that is not inlined is boxed (measured
 * about ten times slower); each stage is a small loop C2 compiles whole. The tail that does not fill
 * a vector, and with 8-bit state the last, partial block, run on the scalar reference, which
 * processes them in the same order.
 *
 * <p>Exact numerics divide sqrt(v) by sqrt(1 − β2^t) as torch does, correctly rounded, but without the
 * divider, which with the square root and the update's own division was what bounded the step in cache:
 * {@code x / c} is {@code q = x·y} with {@code y = 1/c} (both rounded), corrected once, {@code q + (x − q·c)·y}
 * in two fused multiply-adds. That is the correctly rounded quotient for every x and c while nothing
 * overflows or underflows (Markstein's theorem, as in Brisebarre, Muller and Raina, "Accelerating
 * correctly rounded floating-point division when the divisor is known in advance", IEEE TC 53(8), 2004;
 * {@code DivisionByReciprocalTest} checks it over every significand of x). Here x = sqrt(v) is 0 or at
 * least 2^-75 and c at least sqrt(1 − β2), so only an infinite or NaN x escapes: the correction makes
 * it NaN, and a vector whose new parameter holds a NaN is computed again with the division. Measured in
 * cache (16384 elements, 512-bit): bf16 state about 8% faster, 8-bit state unchanged (its arithmetic is
 * bound by everything else). Once 1 − β2^t rounds to 1 (after about 17,000 steps at β2 = 0.999) there
 * is nothing to divide.
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
    /** 0, 1, 2, ... per lane; a constant, because iotaShuffle().toVector() is not intrinsified and boxes. */
    private static final IntVector IOTA = IntVector.fromArray(I, java.util.stream.IntStream.range(0, I.length()).toArray(), 0);
    private static final int SIGNED_REBIAS = BlockCode.SIGNED.rebias(), UNSIGNED_REBIAS = BlockCode.UNSIGNED.rebias();
    private static final long CHUNK_BYTES = 4L * CHUNK;
    /**
     * Elements per stage pass (16-bit parameter or gradient decoded to scratch, or a master copy rounded
     * to the parameter): whole 8-bit blocks, and few enough that the two float32 scratch buffers (16 KB)
     * stay in L1 beside the streams. Eight blocks, not one: every stage is a call with its own loop
     * set-up, which over 256 elements cost as much as the conversions.
     */
    private static final int STAGE = 8 * CHUNK;
    private static final long STAGE_BYTES = 4L * STAGE;
    /**
     * Elements per call of the Adam loop without a master copy: whole stages, as many as the optimizer's
     * chunks hold. Called once over a 64M-element range, the loop method is compiled by C2 mostly on stack
     * replacement and from a thin profile: at 64M elements the fast 8-bit step then ran at 16 steps/s
     * in four JVM runs of five and 26 in the fifth (one thread, JMH, 5 × 1 s warmup), where called per
     * chunk it is compiled as a method, as in the optimizer's steps.
     */
    private static final int CALL = 16 * STAGE;
    /** Shorts with a float vector's shape: two per float lane, the low half first (little endian). */
    private static final VectorSpecies<Short> PAIRS = ShortVector.SPECIES_64.withShape(F.vectorShape());
    /**
     * Permutation indices from bf16 codes in the lower half of a {@link #PAIRS} vector (the upper half
     * zero) to float32 bits: float lane k takes code k in its upper half and a zero below it.
     */
    private static final ShortVector WIDEN = pairIndices(true);
    /** The inverse of {@link #WIDEN}: the upper half of each float lane, to the lower half of the vector. */
    private static final ShortVector NARROW = pairIndices(false);
    /** Two float32 stages: param and grad decoded from 16 bits. */
    private static final Scratch SCRATCH = new Scratch(2 * STAGE_BYTES);
    /**
     * Elements of each of the 8-bit path's two passes ({@link #newMoments}, then {@link #updateAndEncode}): two
     * blocks. Per call, each pass broadcasts its constants anew: with one block per call the step ran 8% slower
     * in cache (16384 elements, two alternating JMH runs). Larger groups were faster in cache (eight blocks 7%)
     * but slower at 64M elements: on one thread, in three alternating JMH runs, two blocks ran at 19.8/17.6/22.4
     * steps/s, four at 11.7/13.0/18.3, eight at 11.6/13.5/11.9 (a noisy hour: the same code ran at 23 an hour
     * before).
     */
    private static final int GROUP = 2 * CHUNK;
    /**
     * Where the 8-bit path keeps a group's new moments (m, v, amsgrad's v_max, a group each) from its first pass
     * to its second, once the blocks' new scales are known.
     */
    private static final MomentScratch MOMENTS = new MomentScratch(3 * GROUP);
    // BlockCode.decode: a code shifted left by 20 has its exponent in the float32 exponent's low bits
    // and its mantissa on top of the float32 mantissa; the sign bit (sign-extended) lands at bit 31
    private static final int SIGNED_CODE_BITS = 0x87F0_0000, UNSIGNED_CODE_BITS = 0x0FF0_0000;
    private static final float SIGNED_UNBIAS = Float.intBitsToFloat(SIGNED_REBIAS + (127 << 23)),
            UNSIGNED_UNBIAS = Float.intBitsToFloat(UNSIGNED_REBIAS + (127 << 23));
    // BlockCode.encodeMagnitude's constants: (bits + 0x80000) - rebias, its two constants added once
    private static final FloatVector SIGNED_ROUNDER = FloatVector.broadcast(F, BlockCode.SIGNED.subnormalRounder()),
            UNSIGNED_ROUNDER = FloatVector.broadcast(F, BlockCode.UNSIGNED.subnormalRounder());
    private static final int SIGNED_MIN_NORMAL = Float.floatToRawIntBits(BlockCode.SIGNED.minNormal()),
            UNSIGNED_MIN_NORMAL = Float.floatToRawIntBits(BlockCode.UNSIGNED.minNormal());
    private static final int SIGNED_ROUND_REBIAS = 0x8_0000 - SIGNED_REBIAS, UNSIGNED_ROUND_REBIAS = 0x8_0000 - UNSIGNED_REBIAS;

    @Override
    public void update(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b, long from, long to) {
        // 8-bit state: whole blocks only (the scale needs the block); otherwise whole vectors
        long upper = layout.quantized() ? to - (to - from) % CHUNK : from + F.loopBound(to - from);
        if (upper > from && layout.grad() != FloatFormat.FP16 && (layout.master() || layout.param() == FloatFormat.FP32)) {
            // float32 parameter and an fp32 or bf16 gradient in memory, the gradient and moments converted in
            // the loop: no scratch; with a master copy a stage at a time, so that the parameter is rounded
            // from it while it is in L1
            MemorySegment p = layout.master() ? b.master() : b.param();
            boolean bf16Grad = layout.grad() == FloatFormat.BF16;
            long gradBytes = layout.grad().byteSize();
            float[] moments = layout.quantized() ? MOMENTS.get() : null;
            long step = layout.master() ? STAGE : CALL;
            for (long start = from; start < upper; start += step) {
                long n = Math.min(step, upper - start);
                switch (layout.state()) {
                    case FP32 -> adam(c, p, start * 4, b.grad(), start * gradBytes, bf16Grad, b.expAvg(), b.expAvgSq(), b.maxExpAvgSq(),
                            start * 4, n);
                    case BF16 -> adamBf16State(c, p, start * 4, b.grad(), start * gradBytes, bf16Grad, b.expAvg(), b.expAvgSq(),
                            b.maxExpAvgSq(), start, n);
                    case BLOCKWISE_8BIT -> quantized(c, p, start * 4, b.grad(), start * gradBytes, bf16Grad, b, start, n, moments);
                }
                if (layout.master()) {
                    encode(layout.param(), b.master(), start * 4, b.param(), start, (int) n);
                }
            }
        } else if (upper > from) {
            chunks(layout, c, noiseKey, b, from, upper);
        }
        REFERENCE.update(layout, c, noiseKey, b, upper, to);
    }

    private static void chunks(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b,
                               long from, long upper) {
        final MemorySegment scratch = SCRATCH.get();
        final float[] moments = layout.quantized() ? MOMENTS.get() : null;
        final FloatFormat paramFormat = layout.param(), gradFormat = layout.grad();
        final StateFormat state = layout.state();
        final boolean master = layout.master(), bf16Grad = gradFormat == FloatFormat.BF16;
        for (long start = from; start < upper; start += STAGE) {
            final int n = (int) Math.min(STAGE, upper - start);
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
            if (gradFormat != FloatFormat.FP16) { // fp32 or bf16: read in the Adam loop
                g = b.grad();
                gAt = start * gradFormat.byteSize();
            } else {
                g = scratch;
                gAt = STAGE_BYTES;
                decode(gradFormat, b.grad(), start, scratch, STAGE_BYTES, n);
            }
            switch (state) {
                case FP32 -> adam(c, p, pAt, g, gAt, bf16Grad, b.expAvg(), b.expAvgSq(), b.maxExpAvgSq(), start * 4, n);
                // the moments go straight between their 16-bit buffers and registers
                case BF16 -> adamBf16State(c, p, pAt, g, gAt, bf16Grad, b.expAvg(), b.expAvgSq(), b.maxExpAvgSq(), start, n);
                case BLOCKWISE_8BIT -> quantized(c, p, pAt, g, gAt, bf16Grad, b, start, n, moments);
            }
            if (layout.stochasticRounding()) {
                encodeBf16Stochastic(p, pAt, b.param(), start, n, noiseKey);
            } else if (master || paramFormat != FloatFormat.FP32) {
                encode(paramFormat, p, pAt, b.param(), start, n);
            }
        }
    }

    private static ShortVector pairIndices(boolean widen) {
        int lanes = PAIRS.length(), floats = lanes / 2;
        short[] index = new short[lanes];
        for (int lane = 0; lane < lanes; lane++) {
            // widen: even lanes (the low halves) read lane `floats`, which is zero; narrow: the upper half of float lane `lane`
            index[lane] = (short) (widen ? (lane % 2 == 0 ? floats : lane / 2) : (2 * lane + 1) % lanes);
        }
        return ShortVector.fromArray(PAIRS, index, 0);
    }

    /** AdamKernel's float32 update of n elements, in place; operands at byte offsets, the moments' at {@code sAt}. */
    private static void adam(AdamCoefficients c, MemorySegment ps, long pAt, MemorySegment gs, long gAt, boolean bf16Grad,
                             MemorySegment ms, MemorySegment vs, MemorySegment maxes, long sAt, long n) {
        // the constants broadcast here, from the coefficients: a record of broadcast vectors passed in would be
        // allocated on every call (the call is not inlined), and read from memory inside the loop
        final FloatVector beta1 = FloatVector.broadcast(F, (float) c.beta1()), oneMinusBeta1 = FloatVector.broadcast(F, (float) c.oneMinusBeta1());
        final FloatVector beta2 = FloatVector.broadcast(F, (float) c.beta2()), oneMinusBeta2 = FloatVector.broadcast(F, (float) c.oneMinusBeta2());
        final FloatVector wd = FloatVector.broadcast(F, (float) c.l2WeightDecay()), decay = FloatVector.broadcast(F, (float) c.decayFactor());
        final FloatVector negStep = FloatVector.broadcast(F, (float) (FAST ? c.fastNegStepSize() : c.negStepSize()));
        final FloatVector eps = FloatVector.broadcast(F, (float) (FAST ? c.fastEps() : c.eps()));
        final FloatVector sqrtBc2 = FloatVector.broadcast(F, (float) c.sqrtBiasCorrection2()), gradScale = FloatVector.broadcast(F, (float) c.gradScale());
        final FloatVector negSqrtBc2 = sqrtBc2.neg(), sqrtBc2Reciprocal = FloatVector.broadcast(F, 1f / (float) c.sqrtBiasCorrection2());
        final boolean dividesByBc2 = (float) c.sqrtBiasCorrection2() != 1f;
        final boolean l2 = c.l2WeightDecay() != 0, decoupled = c.decayFactor() != 1, maximize = c.maximize(), scaled = c.gradScale() != 1;
        final boolean amsgrad = c.amsgrad();
        for (long j = 0; j < n; j += F.length()) {
            long o = 4L * j;
            FloatVector p = FloatVector.fromMemorySegment(F, ps, pAt + o, ORDER);
            // a bf16 gradient widened as the bf16 moments are (see adamBf16State)
            FloatVector g = bf16Grad ? WIDEN.selectFrom(ShortVector.fromMemorySegment(S, gs, gAt + 2 * j, ORDER)
                    .reinterpretShape(PAIRS, 0)).reinterpretAsFloats() : FloatVector.fromMemorySegment(F, gs, gAt + o, ORDER);
            if (scaled) g = g.mul(gradScale);
            if (maximize) g = g.neg();
            if (l2) g = p.fma(wd, g);
            if (decoupled && !FAST) p = p.mul(decay);
            FloatVector m = g.fma(oneMinusBeta1, FloatVector.fromMemorySegment(F, ms, sAt + o, ORDER).mul(beta1));
            FloatVector v = oneMinusBeta2.mul(g).fma(g, FloatVector.fromMemorySegment(F, vs, sAt + o, ORDER).mul(beta2));
            m.intoMemorySegment(ms, sAt + o, ORDER);
            v.intoMemorySegment(vs, sAt + o, ORDER);
            if (amsgrad) {
                v = FloatVector.fromMemorySegment(F, maxes, sAt + o, ORDER).max(v);
                v.intoMemorySegment(maxes, sAt + o, ORDER);
            }
            if (FAST) {
                FloatVector update = negStep.mul(m).div(v.sqrt().add(eps));
                p = decoupled ? p.fma(decay, update) : p.add(update);
            } else {
                p = exactUpdate(p, m, v, negStep, eps, sqrtBc2, negSqrtBc2, sqrtBc2Reciprocal, dividesByBc2, dividesByBc2);
            }
            p.intoMemorySegment(ps, pAt + o, ORDER);
        }
    }

    /**
     * Exact numerics' update of the float32 parameter from the new moments: torch's two divisions,
     * p + (-step·m) / (sqrt(v)/sqrt(bc2) + eps), the first by the reciprocal and one correction (see the class
     * comment). An infinite or NaN sqrt(v) makes the correction NaN: with {@code checked}, a vector whose result
     * holds a NaN divides. Small enough that C2 inlines it in {@link #adam} and {@link #updateAndEncode}, as it
     * must: a vector argument of a call that is not inlined is boxed. (adamBf16State keeps its own, as its NaN
     * test also mends the moments' codes.)
     */
    private static FloatVector exactUpdate(FloatVector p, FloatVector m, FloatVector v, FloatVector negStep, FloatVector eps,
                                           FloatVector sqrtBc2, FloatVector negSqrtBc2, FloatVector sqrtBc2Reciprocal,
                                           boolean dividesByBc2, boolean checked) {
        FloatVector root = v.sqrt(), q = root;
        if (dividesByBc2) {
            q = root.mul(sqrtBc2Reciprocal);
            q = q.fma(negSqrtBc2, root).fma(sqrtBc2Reciprocal, q);
        }
        FloatVector updated = p.add(negStep.mul(m).div(q.add(eps)));
        return checked && updated.compare(VectorOperators.NE, updated).anyTrue() ? p.add(negStep.mul(m).div(root.div(sqrtBc2).add(eps))) : updated;
    }

    /**
     * {@link #adam} with bf16 moments read and written in their buffers, elements [start, start+n).
     *
     * <p>The conversions are {@code Bf16}'s, lane-wise, and cheaper than a literal transcription: a bf16
     * code becomes a float32 by one permutation that places it in the upper half of its float lane
     * ({@link #WIDEN}), and a rounded float32's upper half becomes a code by one permutation back
     * ({@link #NARROW}), instead of a widening move and a shift each way. A NaN moment makes the
     * parameter NaN, so one test of the new parameter per vector stands for Bf16.fromFloat's NaN case
     * on every moment; only then are the moments' NaN lanes made quiet NaNs (a rounding carry could
     * otherwise turn a NaN into an infinity or a zero).
     */
    private static void adamBf16State(AdamCoefficients c, MemorySegment ps, long pAt, MemorySegment gs, long gAt, boolean bf16Grad,
                                      MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment maxes, long start, long n) {
        // the constants broadcast here, from the coefficients: a record of broadcast vectors passed in would be
        // allocated on every call (the call is not inlined), and read from memory inside the loop
        final FloatVector beta1 = FloatVector.broadcast(F, (float) c.beta1()), oneMinusBeta1 = FloatVector.broadcast(F, (float) c.oneMinusBeta1());
        final FloatVector beta2 = FloatVector.broadcast(F, (float) c.beta2()), oneMinusBeta2 = FloatVector.broadcast(F, (float) c.oneMinusBeta2());
        final FloatVector wd = FloatVector.broadcast(F, (float) c.l2WeightDecay()), decay = FloatVector.broadcast(F, (float) c.decayFactor());
        final FloatVector negStep = FloatVector.broadcast(F, (float) (FAST ? c.fastNegStepSize() : c.negStepSize()));
        final FloatVector eps = FloatVector.broadcast(F, (float) (FAST ? c.fastEps() : c.eps()));
        final FloatVector sqrtBc2 = FloatVector.broadcast(F, (float) c.sqrtBiasCorrection2()), gradScale = FloatVector.broadcast(F, (float) c.gradScale());
        final FloatVector negSqrtBc2 = sqrtBc2.neg(), sqrtBc2Reciprocal = FloatVector.broadcast(F, 1f / (float) c.sqrtBiasCorrection2());
        final boolean dividesByBc2 = (float) c.sqrtBiasCorrection2() != 1f;
        final boolean l2 = c.l2WeightDecay() != 0, decoupled = c.decayFactor() != 1, maximize = c.maximize(), scaled = c.gradScale() != 1;
        final boolean amsgrad = c.amsgrad();
        for (long j = 0; j < n; j += F.length()) {
            long o = 4L * j, i = start + j;
            FloatVector p = FloatVector.fromMemorySegment(F, ps, pAt + o, ORDER);
            // a bf16 gradient widened as the bf16 moments are (see adamBf16State)
            FloatVector g = bf16Grad ? WIDEN.selectFrom(ShortVector.fromMemorySegment(S, gs, gAt + 2 * j, ORDER)
                    .reinterpretShape(PAIRS, 0)).reinterpretAsFloats() : FloatVector.fromMemorySegment(F, gs, gAt + o, ORDER);
            if (scaled) g = g.mul(gradScale);
            if (maximize) g = g.neg();
            if (l2) g = p.fma(wd, g);
            if (decoupled && !FAST) p = p.mul(decay);
            // widen, round and narrow written out: in a loop this large C2 stops inlining our own helpers
            // (NodeCountInliningCutoff), and a vector passed to a call that is not inlined is boxed
            FloatVector m0 = WIDEN.selectFrom(ShortVector.fromMemorySegment(S, expAvg, 2 * i, ORDER).reinterpretShape(PAIRS, 0))
                    .reinterpretAsFloats();
            FloatVector v0 = WIDEN.selectFrom(ShortVector.fromMemorySegment(S, expAvgSq, 2 * i, ORDER).reinterpretShape(PAIRS, 0))
                    .reinterpretAsFloats();
            FloatVector m = g.fma(oneMinusBeta1, m0.mul(beta1));
            FloatVector v = oneMinusBeta2.mul(g).fma(g, v0.mul(beta2));
            // nearest even on the bits: + 0x7FFF + the lowest kept bit, then the upper half is the code
            IntVector mBits = m.reinterpretAsInts(), vBits = v.reinterpretAsInts();
            IntVector mRounded = mBits.add(0x7FFF).add(mBits.lanewise(VectorOperators.LSHR, 16).and(1));
            IntVector vRounded = vBits.add(0x7FFF).add(vBits.lanewise(VectorOperators.LSHR, 16).and(1));
            FloatVector max = v;
            IntVector maxRounded = null;
            if (amsgrad) {
                max = WIDEN.selectFrom(ShortVector.fromMemorySegment(S, maxes, 2 * i, ORDER).reinterpretShape(PAIRS, 0))
                        .reinterpretAsFloats().max(v);
                IntVector maxBits = max.reinterpretAsInts();
                maxRounded = maxBits.add(0x7FFF).add(maxBits.lanewise(VectorOperators.LSHR, 16).and(1));
            }
            FloatVector root = max.sqrt(), updated;
            if (FAST) {
                FloatVector update = negStep.mul(m).div(root.add(eps));
                updated = decoupled ? p.fma(decay, update) : p.add(update);
            } else {
                // sqrt(v) / sqrt(bc2) by its reciprocal and one correction, exact (see the class comment)
                FloatVector q = root;
                if (dividesByBc2) {
                    q = root.mul(sqrtBc2Reciprocal);
                    q = q.fma(negSqrtBc2, root).fma(sqrtBc2Reciprocal, q);
                }
                updated = p.add(negStep.mul(m).div(q.add(eps)));
            }
            if (updated.compare(VectorOperators.NE, updated).anyTrue()) { // x != x: one float compare
                // an infinite or NaN sqrt(v) makes the correction NaN: such vectors divide
                if (!FAST) {
                    updated = p.add(negStep.mul(m).div(root.div(sqrtBc2).add(eps)));
                }
                // rare: perhaps a NaN moment. Its code keeps sign and top payload bits, with the quiet bit set
                mRounded = mRounded.blend(mBits.or(0x0040_0000), m.test(VectorOperators.IS_NAN).cast(I));
                vRounded = vRounded.blend(vBits.or(0x0040_0000), v.test(VectorOperators.IS_NAN).cast(I));
                if (amsgrad) {
                    maxRounded = maxRounded.blend(max.reinterpretAsInts().or(0x0040_0000), max.test(VectorOperators.IS_NAN).cast(I));
                }
            }
            NARROW.selectFrom(mRounded.reinterpretAsShorts()).reinterpretShape(S, 0).intoMemorySegment(expAvg, 2 * i, ORDER);
            NARROW.selectFrom(vRounded.reinterpretAsShorts()).reinterpretShape(S, 0).intoMemorySegment(expAvgSq, 2 * i, ORDER);
            if (amsgrad) {
                NARROW.selectFrom(maxRounded.reinterpretAsShorts()).reinterpretShape(S, 0).intoMemorySegment(maxes, 2 * i, ORDER);
            }
            updated.intoMemorySegment(ps, pAt + o, ORDER);
        }
    }

    /**
     * The 8-bit update of n elements, whole blocks, from element {@code start}: a {@link #GROUP} at a time, in two
     * passes, each a method of its own (one method doing both is too large for C1, see {@link #updateAndEncode}).
     * {@link #newMoments} reads the gradient and the codes and leaves the new moments in {@code moments} with
     * their blocks' new scales; {@link #updateAndEncode} reads the parameter and writes it and the new codes.
     * Both passes stream memory, so the memory is never idle while the codes are made, and the second pass puts
     * the square root and the division beside the integer work of the encoding.
     */
    private static void quantized(AdamCoefficients c, MemorySegment ps, long pAt, MemorySegment gs, long gAt, boolean bf16Grad,
                                  MixedAdamBuffers b, long start, long n, float[] moments) {
        long gradBytes = bf16Grad ? 2 : 4; // a bf16 gradient in its buffer, else float32 (its buffer or the scratch)
        for (long k = 0; k < n; k += GROUP) {
            int blocks = (int) Math.min(GROUP, n - k) / CHUNK;
            newMoments(c, ps, pAt + 4 * k, gs, gAt + gradBytes * k, bf16Grad, b, start + k, blocks, moments);
            updateAndEncode(c, ps, pAt + 4 * k, b, start + k, blocks, moments);
        }
    }

    /**
     * The first pass of the 8-bit update, on {@code blocks} whole blocks from element {@code start}, at most a
     * {@link #GROUP}: per block, the moments' codes decoded and scaled (one multiply each, see below), the new
     * moments left in {@code moments} (first moment at 0, second at 1, amsgrad's maximum at 2 groups), and from
     * their lane-wise absolute maxima the block's new scales stored. The parameter is read only for L2 decay.
     *
     * <p>Every conversion is written out: C2 does not inline helpers this deep into a large loop, which
     * would box their vectors (NodeCountInliningCutoff).
     */
    private static void newMoments(AdamCoefficients c, MemorySegment ps, long pAt, MemorySegment gs, long gAt, boolean bf16Grad,
                                   MixedAdamBuffers b, long start, long blocks, float[] moments) {
        // the constants broadcast here, as in adam: a record of broadcast vectors passed in was allocated on
        // every call, and in a loop this large C2 kept its vectors' references in spare registers and
        // reloaded each vector every iteration (one move to a general register and one load each, seen in
        // the generated code)
        final FloatVector beta1 = FloatVector.broadcast(F, (float) c.beta1()), oneMinusBeta1 = FloatVector.broadcast(F, (float) c.oneMinusBeta1());
        final FloatVector beta2 = FloatVector.broadcast(F, (float) c.beta2()), oneMinusBeta2 = FloatVector.broadcast(F, (float) c.oneMinusBeta2());
        final FloatVector wd = FloatVector.broadcast(F, (float) c.l2WeightDecay()), gradScale = FloatVector.broadcast(F, (float) c.gradScale());
        final boolean l2 = c.l2WeightDecay() != 0, maximize = c.maximize(), scaled = c.gradScale() != 1;
        final MemorySegment expAvg = b.expAvg(), expAvgSq = b.expAvgSq(), maxes = b.maxExpAvgSq();
        final MemorySegment expAvgScales = b.expAvgScale(), expAvgSqScales = b.expAvgSqScale(), maxScales = b.maxExpAvgSqScale();
        final boolean amsgrad = c.amsgrad();
        for (long n = 0; n < blocks; n++) {
            final int at = (int) n * CHUNK; // the block's place in each moment's group of the scratch
            final long first = start + n * CHUNK, block = first / CHUNK, pBlock = pAt + n * CHUNK_BYTES, gBlock = gAt + n * CHUNK * (bf16Grad ? 2 : 4);
            // decode's two multiplies, by 2^(127 - bias) and by the scale, as one by their product: exact unless it
            // overflows (a scale of 2^16 or more, or 2^32 for the second moment), as scaling by a power of two is;
            // then both products are the one rounding of code × scale
            float mScale = expAvgScales.getAtIndex(ValueLayout.JAVA_FLOAT, block), mFolded = mScale * SIGNED_UNBIAS;
            float vScale = expAvgSqScales.getAtIndex(ValueLayout.JAVA_FLOAT, block), vFolded = vScale * UNSIGNED_UNBIAS;
            float maxesScale = amsgrad ? maxScales.getAtIndex(ValueLayout.JAVA_FLOAT, block) : 0, maxesFolded = maxesScale * UNSIGNED_UNBIAS;
            boolean mFolds = mFolded != Float.POSITIVE_INFINITY, vFolds = vFolded != Float.POSITIVE_INFINITY;
            boolean maxesFold = maxesFolded != Float.POSITIVE_INFINITY;
            FloatVector mFactor = FloatVector.broadcast(F, mFolds ? mFolded : SIGNED_UNBIAS);
            FloatVector vFactor = FloatVector.broadcast(F, vFolds ? vFolded : UNSIGNED_UNBIAS);
            FloatVector maxesFactor = FloatVector.broadcast(F, maxesFold ? maxesFolded : UNSIGNED_UNBIAS);
            // the absolute maxima as int bits: for floats without sign, int order is float order, a NaN's bits
            // above every other (abs clears the sign of x86's default NaN), and an int max is one instruction
            // where a float max with Java's NaN and signed-zero rules takes six. The second moment and its
            // maximum are +0 or more, or NaN, so they need no abs: an unsigned max puts a NaN of either sign
            // above every other value
            IntVector mMax = IntVector.zero(I), vMax = IntVector.zero(I), maxMax = IntVector.zero(I);
            for (int j = 0; j < CHUNK; j += F.length()) {
                long i = first + j;
                FloatVector g = bf16Grad ? WIDEN.selectFrom(ShortVector.fromMemorySegment(S, gs, gBlock + 2L * j, ORDER)
                        .reinterpretShape(PAIRS, 0)).reinterpretAsFloats() : FloatVector.fromMemorySegment(F, gs, gBlock + 4L * j, ORDER);
                if (scaled) g = g.mul(gradScale);
                if (maximize) g = g.neg();
                if (l2) g = FloatVector.fromMemorySegment(F, ps, pBlock + 4L * j, ORDER).fma(wd, g);
                // BlockCode.decode and the scale as one multiply: the code's sign, exponent and mantissa placed in a
                // float32's bits read 2^(bias - 127) times the code's value, subnormal codes included
                ByteVector mBytes = MASKED_BYTES ? ByteVector.fromMemorySegment(B, expAvg, i, ORDER, BYTE_LANES)
                        : ByteVector.fromMemorySegment(B, expAvg, i, ORDER);
                FloatVector m0 = ((IntVector) mBytes.castShape(I, 0)).lanewise(VectorOperators.LSHL, 20).and(SIGNED_CODE_BITS)
                        .reinterpretAsFloats().mul(mFactor);
                if (!mFolds) m0 = m0.mul(mScale);
                // an unsigned code zero-extended and shifted left by 20 needs no mask
                ByteVector vBytes = MASKED_BYTES ? ByteVector.fromMemorySegment(B, expAvgSq, i, ORDER, BYTE_LANES)
                        : ByteVector.fromMemorySegment(B, expAvgSq, i, ORDER);
                FloatVector v0 = ((IntVector) vBytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 20).reinterpretAsFloats().mul(vFactor);
                if (!vFolds) v0 = v0.mul(vScale);
                FloatVector m = g.fma(oneMinusBeta1, m0.mul(beta1));
                FloatVector v = oneMinusBeta2.mul(g).fma(g, v0.mul(beta2));
                m.intoArray(moments, at + j);
                v.intoArray(moments, GROUP + at + j);
                mMax = mMax.max(m.abs().reinterpretAsInts());
                vMax = vMax.lanewise(VectorOperators.UMAX, v.reinterpretAsInts());
                if (amsgrad) {
                    ByteVector maxBytes = MASKED_BYTES ? ByteVector.fromMemorySegment(B, maxes, i, ORDER, BYTE_LANES)
                            : ByteVector.fromMemorySegment(B, maxes, i, ORDER);
                    IntVector maxCodes = (IntVector) maxBytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    FloatVector max0 = maxCodes.lanewise(VectorOperators.LSHL, 20).reinterpretAsFloats().mul(maxesFactor);
                    if (!maxesFold) max0 = max0.mul(maxesScale);
                    FloatVector max = max0.max(v);
                    max.intoArray(moments, 2 * GROUP + at + j);
                    maxMax = maxMax.lanewise(VectorOperators.UMAX, max.reinterpretAsInts());
                }
            }

            // BlockCode.scaleOf written out (and inverseOf in updateAndEncode): C2 may call them instead of
            // inlining them, spilling every vector register around each call
            // (the maxima are not negative: NaN when not finite, 0 below the smallest scale)
            float mNew = Float.intBitsToFloat(mMax.reduceLanes(VectorOperators.MAX));
            // reduced as signed ints once the sign bits are cleared (a NaN stays above every other value), not with
            // reduceLanes(UMAX): JDK 25.0.3 gives Integer.MIN_VALUE for it, at least outside C2 (its identity)
            float vNew = Float.intBitsToFloat(vMax.and(0x7FFF_FFFF).reduceLanes(VectorOperators.MAX));
            float maxNew = Float.intBitsToFloat(maxMax.and(0x7FFF_FFFF).reduceLanes(VectorOperators.MAX));
            mNew = mNew < BlockCode.SMALLEST_SCALE ? 0 : mNew < Float.POSITIVE_INFINITY ? mNew : Float.NaN;
            vNew = vNew < BlockCode.SMALLEST_SCALE ? 0 : vNew < Float.POSITIVE_INFINITY ? vNew : Float.NaN;
            maxNew = maxNew < BlockCode.SMALLEST_SCALE ? 0 : maxNew < Float.POSITIVE_INFINITY ? maxNew : Float.NaN;
            expAvgScales.setAtIndex(ValueLayout.JAVA_FLOAT, block, mNew);
            expAvgSqScales.setAtIndex(ValueLayout.JAVA_FLOAT, block, vNew);
            if (amsgrad) {
                maxScales.setAtIndex(ValueLayout.JAVA_FLOAT, block, maxNew);
            }
        }
    }

    /**
     * The second pass of the 8-bit update, on the blocks {@link #newMoments} has just done: the parameter updated
     * from the new moments in {@code moments}, which are then encoded with their blocks' new scales
     * ({@code BlockCode.encode} lane-wise). Only scalars cross the call (the scales are read back from their
     * buffers): a vector argument of a call that is not inlined is boxed.
     *
     * <p>Why two passes, each a method: written as one method (the Adam loop, then the encoding of its block),
     * the update ran out of C1's virtual registers ("COMPILE SKIPPED: out of virtual registers in linear scan"),
     * and the JVM then kept running it as C1 code without a full profile, with every vector boxed, in some runs
     * for as long as it ran: bf16+master/bf16/8bit at 0.13 steps/s instead of about 16 (64M elements, exact
     * numerics, four cycles of four in one suite run); {@code MixedKernelCompilationTest} guards this. Split
     * instead into the Adam loop and the encoding, the encoding read no memory but the scratch, and the memory
     * streams idled while it ran.
     *
     * <p>The block's second-moment scale also says whether the exact division needs its NaN test: a
     * block whose (maximum) second moments are all finite has a finite sqrt(v) in every lane, and the corrected
     * quotient is then exact (see the class comment); a block with an infinite or NaN one has a NaN scale.
     */
    private static void updateAndEncode(AdamCoefficients c, MemorySegment ps, long pAt, MixedAdamBuffers b, long start, int blocks,
                                        float[] moments) {
        final FloatVector decay = FloatVector.broadcast(F, (float) c.decayFactor());
        final FloatVector negStep = FloatVector.broadcast(F, (float) (FAST ? c.fastNegStepSize() : c.negStepSize()));
        final FloatVector eps = FloatVector.broadcast(F, (float) (FAST ? c.fastEps() : c.eps()));
        final FloatVector sqrtBc2 = FloatVector.broadcast(F, (float) c.sqrtBiasCorrection2());
        final FloatVector negSqrtBc2 = sqrtBc2.neg(), sqrtBc2Reciprocal = FloatVector.broadcast(F, 1f / (float) c.sqrtBiasCorrection2());
        final boolean dividesByBc2 = (float) c.sqrtBiasCorrection2() != 1f;
        final boolean decoupled = c.decayFactor() != 1, amsgrad = c.amsgrad();
        final MemorySegment expAvg = b.expAvg(), expAvgSq = b.expAvgSq(), maxes = b.maxExpAvgSq();
        for (int n = 0; n < blocks; n++) {
            final int at = n * CHUNK;
            final long first = start + at, block = first / CHUNK, pBlock = pAt + 4L * at;
            final float mNew = b.expAvgScale().getAtIndex(ValueLayout.JAVA_FLOAT, block);
            final float vNew = b.expAvgSqScale().getAtIndex(ValueLayout.JAVA_FLOAT, block);
            final float maxNew = amsgrad ? b.maxExpAvgSqScale().getAtIndex(ValueLayout.JAVA_FLOAT, block) : 0;
            final boolean checked = dividesByBc2 && Float.isNaN(amsgrad ? maxNew : vNew);
            FloatVector mInverse = FloatVector.broadcast(F, mNew > 0 ? 1f / mNew : 0f);
            FloatVector vInverse = FloatVector.broadcast(F, vNew > 0 ? 1f / vNew : 0f);
            FloatVector maxInverse = FloatVector.broadcast(F, maxNew > 0 ? 1f / maxNew : 0f);
            for (int j = 0; j < CHUNK; j += F.length()) {
                long i = first + j, o = pBlock + 4L * j;
                FloatVector p = FloatVector.fromMemorySegment(F, ps, o, ORDER);
                if (decoupled && !FAST) p = p.mul(decay);
                FloatVector m = FloatVector.fromArray(F, moments, at + j), v = FloatVector.fromArray(F, moments, GROUP + at + j);
                FloatVector max = amsgrad ? FloatVector.fromArray(F, moments, 2 * GROUP + at + j) : v;
                if (FAST) {
                    FloatVector update = negStep.mul(m).div(max.sqrt().add(eps));
                    p = decoupled ? p.fma(decay, update) : p.add(update);
                } else {
                    p = exactUpdate(p, m, max, negStep, eps, sqrtBc2, negSqrtBc2, sqrtBc2Reciprocal, dividesByBc2, checked);
                }
                p.intoMemorySegment(ps, o, ORDER);

                // BlockCode.encode lane-wise. Normal magnitudes round to nearest on their bits, a tie away from zero (keep 3
                // mantissa bits, carry into the exponent), subnormal ones in the float adder: only for
                // vectors that hold one, as they are rare (below 2^-14, or 2^-30, of the block maximum). No
                // clamp to the largest code, as encodeMagnitude has: |value| × RN(1 / absMax) <= 1 + 2^-23,
                // which rounds to 1.0, the largest code.
                IntVector mBits = m.mul(mInverse).reinterpretAsInts(), mMagnitude = mBits.and(0x7FFF_FFFF);
                // rounded on the signed bits (the sign rides along above the carry, to bit 11, beyond the byte), then moved to bit 7
                IntVector mCode = mBits.add(SIGNED_ROUND_REBIAS)
                        .lanewise(VectorOperators.LSHR, 20);
                // the second moment and its maximum are never negative (and never NaN in a block whose
                // inverse is not 0), so their bits need no mask
                IntVector vBits = v.mul(vInverse).reinterpretAsInts();
                IntVector vCode = vBits.add(UNSIGNED_ROUND_REBIAS)
                        .lanewise(VectorOperators.LSHR, 20);
                VectorMask<Integer> mSubnormal = mMagnitude.compare(VectorOperators.LT, SIGNED_MIN_NORMAL);
                VectorMask<Integer> vSubnormal = vBits.compare(VectorOperators.LT, UNSIGNED_MIN_NORMAL);
                if (mSubnormal.or(vSubnormal).anyTrue()) { // one test for both moments
                    mCode = mCode.blend(mMagnitude.reinterpretAsFloats().add(SIGNED_ROUNDER).reinterpretAsInts()
                            .sub(SIGNED_ROUNDER.reinterpretAsInts()), mSubnormal);
                    vCode = vCode.blend(vBits.reinterpretAsFloats().add(UNSIGNED_ROUNDER).reinterpretAsInts()
                            .sub(UNSIGNED_ROUNDER.reinterpretAsInts()), vSubnormal);
                }
                mCode = mCode.or(mBits.lanewise(VectorOperators.LSHR, 24).and(0x80));
                ByteVector mCodes = (ByteVector) mCode.castShape(B, 0), vCodes = (ByteVector) vCode.castShape(B, 0);
                if (MASKED_BYTES) {
                    mCodes.intoMemorySegment(expAvg, i, ORDER, BYTE_LANES);
                    vCodes.intoMemorySegment(expAvgSq, i, ORDER, BYTE_LANES);
                } else {
                    mCodes.intoMemorySegment(expAvg, i, ORDER);
                    vCodes.intoMemorySegment(expAvgSq, i, ORDER);
                }
                if (amsgrad) {
                    IntVector maxBits = max.mul(maxInverse).reinterpretAsInts();
                    IntVector maxCode = maxBits.add(UNSIGNED_ROUND_REBIAS)
                            .lanewise(VectorOperators.LSHR, 20);
                    VectorMask<Integer> maxSubnormal = maxBits.compare(VectorOperators.LT, UNSIGNED_MIN_NORMAL);
                    if (maxSubnormal.anyTrue()) {
                        maxCode = maxCode.blend(maxBits.reinterpretAsFloats().add(UNSIGNED_ROUNDER).reinterpretAsInts()
                                .sub(UNSIGNED_ROUNDER.reinterpretAsInts()), maxSubnormal);
                    }
                    ByteVector maxCodes = (ByteVector) maxCode.castShape(B, 0);
                    if (MASKED_BYTES) {
                        maxCodes.intoMemorySegment(maxes, i, ORDER, BYTE_LANES);
                    } else {
                        maxCodes.intoMemorySegment(maxes, i, ORDER);
                    }
                }
            }
            // a block of zeros, or not finite, has inverse 0 and zero codes; the loop above wrote codes of
            // products with 0 (and NaN) there, overwritten here
            if (!(mNew > 0)) {
                expAvg.asSlice(first, CHUNK).fill((byte) 0);
            }
            if (!(vNew > 0)) {
                expAvgSq.asSlice(first, CHUNK).fill((byte) 0);
            }
            if (amsgrad && !(maxNew > 0)) {
                maxes.asSlice(first, CHUNK).fill((byte) 0);
            }
        }
    }

    // ---- 16-bit formats: Bf16 and Fp16 lane-wise, a chunk at a time

    // Each stage below is inlined into chunks(), where C2 soon stops inlining further calls
    // (NodeCountInliningCutoff) and would box every vector passed to them: so the conversions are
    // written out in the loops, with only Vector API calls (force-inlined) left.

    /** Elements [start, start+n) of a 16-bit buffer, decoded into float32 at byte offset {@code to}. */
    private static void decode(FloatFormat format, MemorySegment src, long start, MemorySegment dst, long to, int n) {
        if (format == FloatFormat.BF16) {
            for (int j = 0; j < n; j += F.length()) {
                WIDEN.selectFrom(ShortVector.fromMemorySegment(S, src, 2 * (start + j), ORDER).reinterpretShape(PAIRS, 0))
                        .reinterpretAsFloats().intoMemorySegment(dst, to + 4L * j, ORDER);
            }
        } else {
            for (int j = 0; j < n; j += F.length()) {
                // Fp16.toFloat lane-wise
                IntVector h = ((IntVector) ShortVector.fromMemorySegment(S, src, 2 * (start + j), ORDER).castShape(I, 0)).and(0xFFFF);
                IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
                IntVector magnitude = h.and(0x7FFF);
                IntVector normal = magnitude.lanewise(VectorOperators.LSHL, 13).add((127 - 15) << 23);
                IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1.0p-24f).reinterpretAsInts();
                IntVector payload = magnitude.and(0x03FF).lanewise(VectorOperators.LSHL, 13);
                IntVector special = payload.or(0x7F80_0000)
                        .blend(payload.or(0x7FC0_0000), payload.compare(VectorOperators.NE, 0));
                normal.blend(subnormal, magnitude.compare(VectorOperators.LT, 0x0400))
                        .blend(special, magnitude.compare(VectorOperators.GE, 0x7C00))
                        .or(sign).reinterpretAsFloats().intoMemorySegment(dst, to + 4L * j, ORDER);
            }
        }
    }

    /** n float32 values at byte offset {@code at}, rounded into elements [start, start+n) of a 16-bit buffer. */
    private static void encode(FloatFormat format, MemorySegment src, long at, MemorySegment dst, long start, int n) {
        if (format == FloatFormat.BF16) {
            for (int j = 0; j < n; j += F.length()) {
                // Bf16.fromFloat lane-wise, as in adamBf16State: nearest even on the bits; NaN made quiet
                FloatVector f = FloatVector.fromMemorySegment(F, src, at + 4L * j, ORDER);
                IntVector bits = f.reinterpretAsInts();
                IntVector rounded = bits.add(0x7FFF).add(bits.lanewise(VectorOperators.LSHR, 16).and(1));
                VectorMask<Float> nan = f.compare(VectorOperators.NE, f);
                if (nan.anyTrue()) {
                    rounded = rounded.blend(bits.or(0x0040_0000), nan.cast(I));
                }
                NARROW.selectFrom(rounded.reinterpretAsShorts()).reinterpretShape(S, 0).intoMemorySegment(dst, 2 * (start + j), ORDER);
            }
        } else {
            for (int j = 0; j < n; j += F.length()) {
                // Fp16.fromFloat lane-wise: the float adder rounds (see Fp16)
                FloatVector f = FloatVector.fromMemorySegment(F, src, at + 4L * j, ORDER);
                IntVector bits = f.reinterpretAsInts();
                IntVector sign = bits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
                IntVector magnitude = bits.and(0x7FFF_FFFF);
                FloatVector base = f.abs().mul(0x1.0p112f).mul(0x1.0p-110f);
                IntVector exponent = magnitude.and(0x7F80_0000).max(0x3880_0000);
                IntVector rounded = exponent.add(0x0780_0000).reinterpretAsFloats().add(base).reinterpretAsInts();
                ((ShortVector) rounded.lanewise(VectorOperators.LSHR, 13).and(0x7C00).add(rounded.and(0x0FFF))
                        .blend(0x7E00, magnitude.compare(VectorOperators.GT, 0x7F80_0000)).or(sign)
                        .castShape(S, 0)).intoMemorySegment(dst, 2 * (start + j), ORDER);
            }
        }
    }

    /** {@link #encode} to bf16 with stochastic rounding: RoundingNoise.bits(noiseKey, i) per element i. */
    private static void encodeBf16Stochastic(MemorySegment src, long at, MemorySegment dst, long start, int n, long noiseKey) {
        final int keyLow = (int) noiseKey, keyHigh = (int) (noiseKey >>> 32);
        for (int j = 0; j < n; j += F.length()) {
            long i = start + j;
            // the element indices' low words; the high word steps up in the lanes whose low word wrapped past 2^32
            IntVector low = IOTA.add((int) i);
            int high = (int) (i >>> 32);
            IntVector highs = IntVector.broadcast(I, high).blend(high + 1, low.compare(VectorOperators.ULT, (int) i));
            // two rounds of MurmurHash3's fmix32, as RoundingNoise.bits
            IntVector h = low.lanewise(VectorOperators.XOR, keyLow);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85EB_CA6B);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2_AE35);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
            h = h.lanewise(VectorOperators.XOR, highs).lanewise(VectorOperators.XOR, keyHigh);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85EB_CA6B);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2_AE35);
            h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));

            IntVector bits = FloatVector.fromMemorySegment(F, src, at + 4L * j, ORDER).reinterpretAsInts();
            IntVector rounded = bits.add(h.and(0xFFFF));
            VectorMask<Integer> special = bits.and(0x7F80_0000).compare(VectorOperators.EQ, 0x7F80_0000);
            if (special.anyTrue()) {
                // infinities and NaN round to nearest (Bf16.fromFloat): adding noise would turn an infinity into a NaN
                IntVector nearest = bits.add(0x7FFF).add(bits.lanewise(VectorOperators.LSHR, 16).and(1))
                        .blend(bits.or(0x0040_0000), bits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000));
                rounded = rounded.blend(nearest, special);
            }
            // the upper halves are the codes
            NARROW.selectFrom(rounded.reinterpretAsShorts()).reinterpretShape(S, 0).intoMemorySegment(dst, 2 * i, ORDER);
        }
    }
}
