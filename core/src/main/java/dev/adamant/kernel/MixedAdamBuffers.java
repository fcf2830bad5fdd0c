package dev.adamant.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The buffers of one mixed-precision Adam update, in the formats of its {@link MixedLayout}.
 *
 * @param param         the parameter, in {@link MixedLayout#param()}
 * @param master        the fp32 master copy, or null without one
 * @param grad          the gradient, in {@link MixedLayout#grad()}
 * @param expAvg        the first moment, in {@link MixedLayout#state()}
 * @param expAvgSq      the second moment, in {@link MixedLayout#state()}
 * @param expAvgScale   8-bit state only (else null): one float32 scale per block of the first moment
 * @param expAvgSqScale 8-bit state only (else null): one float32 scale per block of the second moment
 */
public record MixedAdamBuffers(MemorySegment param, MemorySegment master, MemorySegment grad,
                               MemorySegment expAvg, MemorySegment expAvgSq,
                               MemorySegment expAvgScale, MemorySegment expAvgSqScale) {
}
