package dev.adamant.optim;

import org.eclipse.collections.api.factory.Lists;
import org.eclipse.collections.api.list.MutableList;

import java.util.Arrays;

/**
 * One step's work cut into chunks: runs of contiguous memory, each cut into pieces, pieces grouped
 * into chunks of at most {@link #CHUNK} elements. Many small runs share one chunk, so a thousand
 * 1K-element tensors cost a few dozen chunk dispatches, not a thousand.
 *
 * <p>Chunk boundaries depend only on the runs, never on the thread count: a run is split only at
 * multiples of {@code CHUNK} from its own start (a run that does not fit in the open chunk starts a
 * new one), so a reduction over a run's pieces combines the same partial sums in the same order
 * whatever the number of threads. That is also LAMB's blockwise norm order
 * ({@link dev.adamant.kernel.LambKernel#NORM_BLOCK} = {@code CHUNK}).
 *
 * <p>The arrays and runs are reused from step to step (they only grow), so rebuilding the plan at
 * every step allocates nothing in steady state.
 */
final class StepPlan {
    /** Elements per chunk: 128 KiB per float32 stream, so a chunk's 4-5 streams stay in L2. */
    static final int CHUNK = dev.adamant.kernel.LambKernel.NORM_BLOCK;
    /** Partial sums a reduction pass writes per piece. */
    static final int PARTIALS = 2;

    private final MutableList<KernelRun> runPool = Lists.mutable.empty();
    int runCount;
    // piece p covers [pieceFrom[p], pieceTo[p]) of run pieceRun[p]
    int[] pieceRun = new int[64];
    long[] pieceFrom = new long[64];
    long[] pieceTo = new long[64];
    int pieceCount;
    // chunk c holds pieces [chunkStart[c], chunkStart[c + 1])
    int[] chunkStart = new int[65];
    int chunkCount;
    private long openChunkFill;
    double[] partials = new double[64 * PARTIALS];

    void clear() {
        runCount = 0; // the runs keep last step's references until overwritten: a few small records
        pieceCount = 0;
        chunkCount = 0;
        openChunkFill = 0;
        chunkStart[0] = 0;
    }

    KernelRun run(int index) {
        return runPool.get(index);
    }

    /** A run to fill in; {@link #cut} must follow once its length is set. */
    KernelRun newRun() {
        if (runCount == runPool.size()) {
            runPool.add(new KernelRun());
        }
        return runPool.get(runCount++);
    }

    /** Cuts the last run from {@link #newRun} into pieces and chunks. */
    void cut(KernelRun run) {
        int index = runCount - 1;
        long length = run.length;
        run.firstPiece = pieceCount;
        if (length > 0) {
            if (openChunkFill > 0 && openChunkFill + length > CHUNK) {
                closeChunk();
            }
            long from = 0;
            while (length - from >= CHUNK) {
                addPiece(index, from, from + CHUNK);
                closeChunk(); // a full chunk
                from += CHUNK;
            }
            if (from < length) {
                addPiece(index, from, length);
                openChunkFill += length - from;
                if (openChunkFill == CHUNK) {
                    closeChunk();
                }
            }
        }
        run.endPiece = pieceCount;
    }

    /** Ends the plan: closes the open chunk. */
    void finish() {
        if (openChunkFill > 0 || chunkStart[chunkCount] < pieceCount) {
            closeChunk();
        }
        if (partials.length < pieceCount * PARTIALS) {
            partials = new double[Math.max(pieceCount * PARTIALS, partials.length * 2)];
        }
    }

    private void addPiece(int run, long from, long to) {
        if (pieceCount == pieceRun.length) {
            int n = pieceCount * 2;
            pieceRun = Arrays.copyOf(pieceRun, n);
            pieceFrom = Arrays.copyOf(pieceFrom, n);
            pieceTo = Arrays.copyOf(pieceTo, n);
        }
        pieceRun[pieceCount] = run;
        pieceFrom[pieceCount] = from;
        pieceTo[pieceCount] = to;
        pieceCount++;
    }

    private void closeChunk() {
        if (chunkCount + 2 > chunkStart.length) {
            chunkStart = Arrays.copyOf(chunkStart, chunkStart.length * 2);
        }
        chunkStart[++chunkCount] = pieceCount;
        openChunkFill = 0;
    }
}
