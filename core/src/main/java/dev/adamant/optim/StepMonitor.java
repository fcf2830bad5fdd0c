package dev.adamant.optim;

import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsKernel;
import dev.adamant.kernel.StepStatsSink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The per-chunk side of {@link Monitoring}: one {@link StepStatsSink} per worker thread, pointed at
 * the accumulator of the piece the worker runs next. The optimizer's monitored kernel entry adds the
 * piece's figures there, computed inside the update loop where the kernel fuses them, else by the
 * two-pass fallback (old parameters to the worker's scratch buffer, update, then
 * {@link StepStatsKernel} while the piece is still in cache). Pieces are combined in plan order
 * afterwards, so the figures do not depend on the thread count. Sinks and accumulators grow to the
 * largest plan and are then reused: a monitored step allocates none of them.
 */
final class StepMonitor implements AutoCloseable {
    private final StepStatsKernel kernel;
    private final Arena arena = Arena.ofShared();
    private StepStatsSink[] sinks = new StepStatsSink[0];
    private StatsAccumulator[] pieces = new StatsAccumulator[0];

    StepMonitor(StepStatsKernel kernel) {
        this.kernel = kernel;
    }

    /** Makes room for a plan of {@code pieceCount} pieces run by {@code workers} threads, and clears it. */
    void prepare(int pieceCount, int workers) {
        if (sinks.length < workers) {
            StepStatsSink[] grown = java.util.Arrays.copyOf(sinks, workers);
            for (int w = sinks.length; w < workers; w++) {
                // a piece is at most one chunk; float64 is the widest element
                grown[w] = new StepStatsSink(kernel, arena.allocate((long) StepPlan.CHUNK * Double.BYTES, 64));
            }
            sinks = grown;
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

    /**
     * The worker's sink, pointed at {@code piece}'s accumulator and {@code run}'s monitored moments;
     * {@code gradClamp} is +∞ without value clipping.
     */
    StepStatsSink sink(int piece, int worker, KernelRun run, double gradScale, double gradClamp) {
        return sinks[worker].target(pieces[piece], run.firstMoment, run.secondMoment, run.center, gradScale, gradClamp);
    }

    StatsAccumulator piece(int index) {
        return pieces[index];
    }

    @Override
    public void close() {
        arena.close();
    }
}
