package dev.adamant.optim;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A small pool of persistent daemon threads that run the chunks of one step with the calling
 * thread. Chunks are claimed from an atomic counter, so which thread runs which chunk varies,
 * but every chunk's work and its place in any reduction do not. Nothing is allocated per call.
 *
 * <p>The caller waits for the chunks, not for the workers: a worker the OS has not scheduled yet
 * (an oversubscribed machine) simply finds nothing left to claim. For that, the claim counter
 * carries the call's generation in its high 32 bits, so a late worker can never claim a chunk of
 * a later call.
 *
 * <p>Only one caller at a time (the optimizer's step is single-entry). A failure on any thread is
 * rethrown to the caller once every chunk is accounted for; the chunks claimed after it are skipped.
 */
final class ChunkWorkers implements AutoCloseable {
    /** The work of one chunk; {@code worker} is 0 for the calling thread, 1.. for the pool's threads. */
    @FunctionalInterface
    interface ChunkTask {
        void run(int chunk, int worker);
    }

    // brief spinning before parking: a step's passes follow each other within microseconds, but on
    // an oversubscribed machine a spinning thread steals the core a preempted thread needs
    private static final int SPINS = 1 << 8;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Thread[] threads;
    // (generation << 32) | next chunk to claim
    private final AtomicLong claims = new AtomicLong();
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile ChunkTask task;
    private volatile int chunkCount;
    private volatile boolean closed;
    private volatile Thread caller;
    private int generation;

    /** A pool of {@code threads - 1} workers; the caller is the last thread. */
    ChunkWorkers(int threads) {
        if (threads < 2) {
            throw new IllegalArgumentException("a worker pool needs at least 2 threads, not " + threads);
        }
        this.threads = new Thread[threads - 1];
        int pool = POOLS.incrementAndGet();
        for (int i = 0; i < this.threads.length; i++) {
            int worker = i + 1;
            Thread t = new Thread(() -> work(worker), "adamant-step-" + pool + "-" + worker);
            t.setDaemon(true);
            this.threads[i] = t;
        }
        for (Thread t : this.threads) {
            t.start();
        }
    }

    /** Threads including the caller. */
    int threads() {
        return threads.length + 1;
    }

    /** The pool's threads (for tests measuring their allocation). */
    Thread[] workerThreads() {
        return threads.clone();
    }

    /** Runs {@code task} for chunks {@code 0 .. chunks-1} on all threads; returns when all are done. */
    void run(ChunkTask task, int chunks) {
        if (closed) {
            throw new IllegalStateException("step workers are stopped");
        }
        // the previous call's chunks are all finished, so no thread can still claim under its generation
        this.task = task;
        this.chunkCount = chunks;
        this.caller = Thread.currentThread();
        finished.set(0);
        int gen = ++generation;
        claims.set((long) gen << 32); // publishes the fields above
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        claimAll(gen, task, chunks, 0);
        for (int spin = 0; finished.get() != chunks; spin++) {
            if (spin < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        this.task = null;
        Throwable t = failure.getAndSet(null);
        if (t != null) {
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
        }
    }

    private void claimAll(int gen, ChunkTask task, int chunks, int worker) {
        while (true) {
            long c = claims.get();
            int chunk = (int) c;
            if ((int) (c >>> 32) != gen || chunk >= chunks) {
                return;
            }
            if (!claims.compareAndSet(c, c + 1)) {
                continue;
            }
            if (failure.get() == null) {
                try {
                    task.run(chunk, worker);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
            if (finished.incrementAndGet() == chunks && worker != 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    private void work(int worker) {
        int seen = 0;
        while (!closed) {
            int gen = (int) (claims.get() >>> 32);
            if (gen == seen) {
                for (int spin = 0; (int) (claims.get() >>> 32) == seen && !closed; spin++) {
                    if (spin < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                continue;
            }
            seen = gen;
            // read after the generation: if they already belong to a later call, this generation is
            // over and claimAll finds nothing to claim
            claimAll(gen, task, chunkCount, worker);
        }
    }

    /** Stops the threads; idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }
}
