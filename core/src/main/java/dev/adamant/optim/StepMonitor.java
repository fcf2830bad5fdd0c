package dev.adamant.optim;

import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsKernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The per-chunk side of {@link Monitoring}: before the update kernel writes a piece, its old
 * parameters go to the worker's scratch buffer; right after, while the piece is still in cache,
 * {@link StepStatsKernel} adds its figures into the piece's accumulator. Pieces are combined in plan
 * order afterwards, so the figures do not depend on the thread count. Buffers grow to the largest
 * plan and are then reused: a monitored step allocates none of them.
 */
final class StepMonitor implements AutoCloseable {
    private final StepStatsKernel kernel;
    private final Arena arena = Arena.ofShared();
    private MemorySegment[] scratch = new MemorySegment[0];
    private StatsAccumulator[] pieces = new StatsAccumulator[0];

    StepMonitor(StepStatsKernel kernel) {
        this.kernel = kernel;
    }

    /** Makes room for a plan of {@code pieceCount} pieces run by {@code workers} threads, and clears it. */
    void prepare(int pieceCount, int workers) {
        if (scratch.length < workers) {
            MemorySegment[] grown = java.util.Arrays.copyOf(scratch, workers);
            for (int w = scratch.length; w < workers; w++) {
                // a piece is at most one chunk; float64 is the widest element
                grown[w] = arena.allocate((long) StepPlan.CHUNK * Double.BYTES, 64);
            }
            scratch = grown;
        }
        if (pieces.length < pieceCount) {
            StatsAccumulator[] grown = java.util.Arrays.copyOf(pieces, Math.max(pieceCount, 2 * pieces.length));
            for (int i = pieces.length; i < grown.length; i++) {
                grown[i] = new StatsAccumulator();
            }
            pieces = grown;
        }
        for (int i = 0; i < pieceCount; i++) {
            pieces[i].reset();
        }
    }

    /** Keeps the parameters {@code [from, to)} of {@code run} as they are before the update. */
    void saveOld(int worker, KernelRun run, long from, long to) {
        long bytes = run.dtype().byteSize();
        MemorySegment.copy(run.param(), from * bytes, scratch[worker], 0, (to - from) * bytes);
    }

    /** Adds the updated piece's figures into its accumulator; {@code gradClamp} is +∞ without value clipping. */
    void accumulate(int piece, int worker, KernelRun run, long from, long to, double gradScale, double gradClamp) {
        StatsAccumulator into = pieces[piece];
        switch (run.dtype()) {
            case FLOAT32 -> kernel.accumulateFloats(scratch[worker], run.param(), run.grad(), gradScale, gradClamp,
                    run.firstMoment, run.secondMoment, run.center, from, to, into);
            case FLOAT64 -> kernel.accumulateDoubles(scratch[worker], run.param(), run.grad(), gradScale, gradClamp,
                    run.firstMoment, run.secondMoment, run.center, from, to, into);
            default -> throw run.unsupported();
        }
    }

    StatsAccumulator piece(int index) {
        return pieces[index];
    }

    @Override
    public void close() {
        arena.close();
    }
}
