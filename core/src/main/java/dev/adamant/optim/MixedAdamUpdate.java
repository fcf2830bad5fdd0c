package dev.adamant.optim;

import dev.adamant.kernel.AdamCoefficients;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedAdamKernel;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.precision.BlockCode;
import dev.adamant.precision.RoundingNoise;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The low-level entry point of mixed-precision Adam/AdamW: one fused step over an element range of
 * buffers the caller owns, in the formats of a {@link MixedLayout} (bf16/fp16/fp32 parameter with
 * an optional fp32 master copy, bf16/fp16/fp32 gradient, fp32/bf16/8-bit blockwise state). The
 * caller keeps the step count (1 on the first step) and, for stochastic rounding, a seed.
 *
 * <pre>{@code
 * MixedLayout layout = MixedLayout.of(FloatFormat.BF16, FloatFormat.BF16, StateFormat.BLOCKWISE_8BIT).withMaster();
 * MixedAdamUpdate.withDefaultBackend().apply(AdamConfig.adamW(), step, layout, 0,
 *         new MixedAdamBuffers(param, master, grad, expAvg, expAvgSq, expAvgScale, expAvgSqScale), 0, n);
 * }</pre>
 *
 * A new 8-bit state is all-zero codes and all-zero scales (zero moments), like zeroed fp32 state.
 * With amsgrad the buffers carry the running maximum of the second moment, in the state format
 * (with its own scales for 8-bit state): {@link MixedAdamBuffers#withMaxExpAvgSq}.
 * Every argument is checked before any element is written: which buffers the layout needs, their
 * sizes in their own element sizes, liveness, read-only memory, alignment, overlap between any two,
 * and for 8-bit state that the range starts on a block boundary and ends on one or at the end of
 * the moment buffers.
 */
public final class MixedAdamUpdate {
    private final Backend backend;
    private final MixedAdamKernel kernel;

    private MixedAdamUpdate(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.kernel = backend.kernel(MixedAdamKernel.KIND);
    }

    public static MixedAdamUpdate withDefaultBackend() {
        return new MixedAdamUpdate(Backends.defaultBackend());
    }

    public static MixedAdamUpdate with(Backend backend) {
        return new MixedAdamUpdate(backend);
    }

    public Backend backend() {
        return backend;
    }

    /** One buffer as the checks see it: its name, element size, elements in the range, and whether it is written. */
    private record Buffer(String name, MemorySegment segment, long elementBytes, long first, long end, boolean written) {
        MemorySegment range() {
            return segment.asSlice(first * elementBytes, (end - first) * elementBytes);
        }
    }

    /**
     * Updates elements {@code [from, to)}. {@code seed} seeds stochastic rounding (ignored without
     * it): each element's noise depends on (seed, step, element index) only.
     */
    public void apply(AdamConfig config, long step, MixedLayout layout, long seed, MixedAdamBuffers buffers,
                      long from, long to) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(buffers, "buffers");
        AdamCoefficients c = config.coefficients(step);
        if (from < 0 || from > to) {
            throw new IndexOutOfBoundsException("Invalid element range [" + from + ", " + to + ")");
        }
        boolean quantized = layout.quantized(), amsgrad = config.amsgrad();
        long stateBytes = layout.state().byteSize();
        present("master", buffers.master(), layout.master(), "the layout " + (layout.master() ? "has" : "has no") + " master copy");
        present("exp_avg_scale", buffers.expAvgScale(), quantized, "the state is " + layout.state());
        present("exp_avg_sq_scale", buffers.expAvgSqScale(), quantized, "the state is " + layout.state());
        present("max_exp_avg_sq", buffers.maxExpAvgSq(), amsgrad, "amsgrad=" + amsgrad);
        present("max_exp_avg_sq_scale", buffers.maxExpAvgSqScale(), amsgrad && quantized,
                "amsgrad=" + amsgrad + " and the state is " + layout.state());
        long firstBlock = from / BlockCode.BLOCK, endBlock = BlockCode.blocks(to);
        Buffer[] all = {
                new Buffer("param", buffers.param(), layout.param().byteSize(), from, to, true),
                layout.master() ? new Buffer("master", buffers.master(), 4, from, to, true) : null,
                new Buffer("grad", buffers.grad(), layout.grad().byteSize(), from, to, false),
                new Buffer("exp_avg", buffers.expAvg(), stateBytes, from, to, true),
                new Buffer("exp_avg_sq", buffers.expAvgSq(), stateBytes, from, to, true),
                quantized ? new Buffer("exp_avg_scale", buffers.expAvgScale(), 4, firstBlock, endBlock, true) : null,
                quantized ? new Buffer("exp_avg_sq_scale", buffers.expAvgSqScale(), 4, firstBlock, endBlock, true) : null,
                amsgrad ? new Buffer("max_exp_avg_sq", buffers.maxExpAvgSq(), stateBytes, from, to, true) : null,
                amsgrad && quantized ? new Buffer("max_exp_avg_sq_scale", buffers.maxExpAvgSqScale(), 4, firstBlock, endBlock, true)
                        : null};
        for (Buffer b : all) {
            if (b == null) continue;
            if (b.segment() == null) {
                throw new NullPointerException(b.name() + " is null");
            }
            check(b);
        }
        if (quantized) {
            blockAligned(from, to, buffers.expAvg().byteSize(), buffers.expAvgSq().byteSize(),
                    amsgrad ? buffers.maxExpAvgSq().byteSize() : buffers.expAvgSq().byteSize());
        }
        for (int i = 0; i < all.length; i++) {
            for (int j = i + 1; j < all.length; j++) {
                if (all[i] != null && all[j] != null) {
                    disjoint(all[i], all[j]);
                }
            }
        }
        long noiseKey = layout.stochasticRounding() ? RoundingNoise.stepKey(seed, step) : 0;
        kernel.update(layout, c, noiseKey, buffers, from, to);
    }

    private static void present(String name, MemorySegment segment, boolean required, String because) {
        if (required && segment == null) {
            throw new NullPointerException(name + " is required: " + because);
        }
        if (!required && segment != null) {
            throw new IllegalArgumentException(name + " is given but not used: " + because);
        }
    }

    private static void check(Buffer b) {
        MemorySegment s = b.segment();
        if (!s.scope().isAlive()) {
            throw new IllegalStateException(b.name() + " is closed: its memory has already been freed");
        }
        if (b.written() && s.isReadOnly()) {
            throw new IllegalArgumentException(b.name() + " is read-only, but the update writes it");
        }
        if (s.maxByteAlignment() < b.elementBytes()) {
            throw new IllegalArgumentException(b.name() + " at address 0x" + Long.toHexString(s.address())
                    + " is not aligned to its " + b.elementBytes() + "-byte elements");
        }
        long elements = s.byteSize() / b.elementBytes();
        if (b.end() > elements) {
            throw new IllegalArgumentException("size mismatch: the range needs " + b.end() + " elements of "
                    + b.name() + " but it holds " + elements + " (" + s.byteSize() + " bytes of " + b.elementBytes()
                    + "-byte elements)");
        }
    }

    /** 8-bit state is requantized block by block, so a range cannot cut a block the buffers continue past. */
    private static void blockAligned(long from, long to, long expAvgElements, long expAvgSqElements, long maxElements) {
        if (from % BlockCode.BLOCK != 0) {
            throw new IllegalArgumentException("8-bit state: the range must start on a block boundary (a multiple of "
                    + BlockCode.BLOCK + "), not at " + from);
        }
        if (expAvgElements != expAvgSqElements) {
            throw new IllegalArgumentException("8-bit state: exp_avg holds " + expAvgElements + " elements but exp_avg_sq "
                    + expAvgSqElements);
        }
        if (maxElements != expAvgElements) {
            throw new IllegalArgumentException("8-bit state: exp_avg holds " + expAvgElements + " elements but max_exp_avg_sq "
                    + maxElements);
        }
        if (to % BlockCode.BLOCK != 0 && to != expAvgElements) {
            throw new IllegalArgumentException("8-bit state: the range must end on a block boundary (a multiple of "
                    + BlockCode.BLOCK + ") or at the end of the moments (" + expAvgElements + "), not at " + to);
        }
    }

    private static void disjoint(Buffer a, Buffer b) {
        if (a.range().asOverlappingSlice(b.range()).isPresent()) {
            throw new IllegalArgumentException(a.name() + " and " + b.name()
                    + " overlap in memory; the update needs distinct buffers");
        }
    }
}
