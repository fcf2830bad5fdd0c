package dev.adamant.simd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread off-heap scratch of the chunked kernels: a few float32 chunks that stay in L1 between
 * the stages of one chunk. Off-heap like the caller's buffers, so that every memory access of a
 * stage sees one segment implementation. Freed with its thread (an automatic arena).
 */
final class Scratch extends ThreadLocal<MemorySegment> {
    private final long bytes;

    Scratch(long bytes) {
        this.bytes = bytes;
    }

    @Override
    protected MemorySegment initialValue() {
        return Arena.ofAuto().allocate(bytes, 64);
    }
}
