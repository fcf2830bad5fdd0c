package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The buffers of one mixed-precision Adam update, in the formats of its {@link MixedLayout}.
 *
 * @param param            the parameter, in {@link MixedLayout#param()}
 * @param master           the fp32 master copy, or null without one
 * @param grad             the gradient, in {@link MixedLayout#grad()}
 * @param expAvg           the first moment, in {@link MixedLayout#state()}
 * @param expAvgSq         the second moment, in {@link MixedLayout#state()}
 * @param expAvgScale      8-bit state only (else null): one float32 scale per block of the first moment
 * @param expAvgSqScale    8-bit state only (else null): one float32 scale per block of the second moment
 * @param maxExpAvgSq      amsgrad only (else null): the running maximum of the second moment, in
 *                         {@link MixedLayout#state()}
 * @param maxExpAvgSqScale amsgrad with 8-bit state only (else null): one float32 scale per block of
 *                         {@code maxExpAvgSq}
 */
public record MixedAdamBuffers(MemorySegment param, MemorySegment master, MemorySegment grad,
                               MemorySegment expAvg, MemorySegment expAvgSq,
                               MemorySegment expAvgScale, MemorySegment expAvgSqScale,
                               MemorySegment maxExpAvgSq, MemorySegment maxExpAvgSqScale) {

    /** The buffers of an update without amsgrad. */
    public MixedAdamBuffers(MemorySegment param, MemorySegment master, MemorySegment grad,
                            MemorySegment expAvg, MemorySegment expAvgSq,
                            MemorySegment expAvgScale, MemorySegment expAvgSqScale) {
        this(param, master, grad, expAvg, expAvgSq, expAvgScale, expAvgSqScale, null, null);
    }

    /** These buffers with amsgrad's running maximum (and its scales, for 8-bit state, else null). */
    public MixedAdamBuffers withMaxExpAvgSq(MemorySegment maxExpAvgSq, MemorySegment maxExpAvgSqScale) {
        return new MixedAdamBuffers(param, master, grad, expAvg, expAvgSq, expAvgScale, expAvgSqScale,
                maxExpAvgSq, maxExpAvgSqScale);
    }
}
