package dev.adamant.optim;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A small pool of persistent daemon threads that run the chunks of one step with the calling
 * thread. Chunks are claimed from an atomic counter, so which thread runs which chunk varies,
 * but every chunk's work and its place in any reduction do not. Nothing is allocated per call.
 *
 * <p>Only one caller at a time (the optimizer's step is single-entry). A failure on any thread is
 * rethrown to the caller after every thread has stopped claiming chunks.
 */
final class ChunkWorkers implements AutoCloseable {
    /** The work of one chunk; {@code worker} is 0 for the calling thread, 1.. for the pool's threads. */
    @FunctionalInterface
    interface ChunkTask {
        void run(int chunk, int worker);
    }

    private static final int SPINS = 1 << 12;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Thread[] threads;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile ChunkTask task;
    private volatile int chunkCount;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;

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
        this.task = task;
        this.chunkCount = chunks;
        this.caller = Thread.currentThread();
        nextChunk.set(0);
        failure.set(null);
        running.set(threads.length);
        generation++; // publishes the fields above
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        claim(task, chunks, 0);
        for (int spin = 0; running.get() != 0; spin++) {
            if (spin < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        this.task = null;
        Throwable t = failure.get();
        if (t != null) {
            failure.set(null);
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
        }
    }

    private void claim(ChunkTask task, int chunks, int worker) {
        try {
            for (int c = nextChunk.getAndIncrement(); c < chunks; c = nextChunk.getAndIncrement()) {
                task.run(c, worker);
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
            nextChunk.set(chunks); // the others stop claiming
        }
    }

    private void work(int worker) {
        long seen = 0;
        while (true) {
            for (int spin = 0; generation == seen && !closed; spin++) {
                if (spin < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            claim(task, chunkCount, worker);
            if (running.decrementAndGet() == 0) {
                LockSupport.unpark(caller);
            }
        }
    }

    /** Stops the threads (they finish nothing further); idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }
}
