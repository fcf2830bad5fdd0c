package dev.adamant.optim;

import dev.adamant.checkpoint.Checkpoints;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import dev.adamant.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Flat parameter storage: views and ownership, flat state slots, checkpoints, threads, allocation. */
class FlatStorageTest {
    private static final Backend SCALAR = Backends.scalar(Numerics.EXACT);

    private static FlatParameters block(long... sizes) {
        FlatParameters.Builder b = FlatParameters.builder(DType.FLOAT32);
        for (int i = 0; i < sizes.length; i++) {
            b.add("t" + i, sizes[i]);
        }
        return b.build();
    }

    private static void randomize(FlatParameters flat, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        flat.params().copyFrom(TestData.gaussianFloats(random, (int) flat.size(), 1));
        flat.grads().copyFrom(TestData.gaussianFloats(random, (int) flat.size(), 0.1));
    }

    @Test
    void parametersAreConsecutiveViewsOfOneAlignedBlock() {
        try (FlatParameters flat = block(3, 0, 17, 64)) {
            assertEquals(84, flat.size());
            assertEquals(0, flat.params().segment().address() % Tensor.ALIGNMENT);
            long at = flat.params().segment().address();
            for (int i = 0; i < flat.count(); i++) {
                Parameter p = flat.parameter(i);
                assertEquals("t" + i, p.name());
                assertEquals(flat.size(i), p.data().size());
                assertEquals(at + flat.offset(i) * 4, p.data().segment().address());
                assertEquals(flat.grads().segment().address() + flat.offset(i) * 4, p.grad().segment().address());
            }
            flat.parameter(2).data().setFloat(0, 5f);
            assertEquals(5f, flat.params().getFloat(3));
            // a view owns nothing: closing it frees nothing
            flat.parameter(2).data().close();
            flat.parameter(2).grad().close();
            assertTrue(flat.params().isAlive());
            assertEquals(5f, flat.params().getFloat(3));
        }
    }

    @Test
    void closingTheBlockFreesItOnce() {
        FlatParameters flat = block(10, 20);
        Parameter p = flat.parameter(1);
        flat.close();
        flat.close(); // idempotent
        assertFalse(p.data().isAlive());
        assertFalse(p.grad().isAlive());
    }

    @Test
    void badSizesAreRejectedWithTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> FlatParameters.builder(DType.FLOAT32).add("w", -3));
        assertTrue(e.getMessage().contains("-3") && e.getMessage().contains("'w'"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> FlatParameters.builder(DType.FLOAT64).build());
        var t = assertThrows(IllegalArgumentException.class, () -> new Adam().setThreads(0));
        assertTrue(t.getMessage().contains("0"), t.getMessage());
    }

    @Test
    void aFlatGroupKeepsEachSlotInOneBufferFreedByClose() {
        try (FlatParameters flat = block(5, 0, 1000, 33)) {
            Adam adam = new Adam(AdamConfig.adam().withAmsgrad(true), SCALAR);
            adam.addParamGroup(flat.parameters());
            randomize(flat, 1);
            adam.step();
            for (String slot : List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq")) {
                long start = adam.state(flat.parameter(0)).orElseThrow().tensors().get(slot).segment().address();
                for (int i = 0; i < flat.count(); i++) {
                    Tensor t = adam.state(flat.parameter(i)).orElseThrow().tensors().get(slot);
                    assertEquals(start + flat.offset(i) * 4, t.segment().address(), slot + " of tensor " + i);
                    t.close(); // a view: frees nothing
                    assertTrue(t.isAlive());
                }
            }
            Tensor expAvg = adam.state(flat.parameter(2)).orElseThrow().expAvg();
            adam.close();
            assertFalse(expAvg.isAlive(), "close() frees the group's buffers");
            assertTrue(flat.params().isAlive(), "parameters belong to the caller");
        }
    }

    @Test
    void flatAndCallerOwnedGroupsStepTogether() {
        try (FlatParameters flat = block(100, 7);
             Tensor w = Tensor.ofFloats(1f, 2f, 3f);
             Tensor gw = Tensor.ofFloats(0.5f, -0.5f, 0.25f);
             Tensor w2 = Tensor.ofFloats(1f, 2f, 3f);
             Tensor gw2 = Tensor.ofFloats(0.5f, -0.5f, 0.25f);
             Sgd flatOpt = new Sgd(SgdConfig.sgd().withMomentum(0.9), SCALAR);
             Sgd alone = new Sgd(SgdConfig.sgd().withMomentum(0.9), SCALAR)) {
            Parameter own = Parameter.of("own", w);
            own.setGrad(gw);
            flatOpt.addParamGroup(flat.parameters());
            flatOpt.addParamGroup(List.of(own));
            Parameter own2 = Parameter.of("own", w2);
            own2.setGrad(gw2);
            alone.addParamGroup(List.of(own2));
            randomize(flat, 2);
            for (int s = 0; s < 3; s++) {
                flatOpt.step();
                alone.step();
            }
            assertArrayEquals(w2.toFloatArray(), w.toFloatArray());
        }
    }

    /** Trains {@code steps} steps of flat Adam (two groups of one block each) and returns the parameters. */
    private static float[] train(FlatParameters a, FlatParameters b, Adam adam, int steps, int firstStep) {
        for (int s = 0; s < steps; s++) {
            SplittableRandom random = new SplittableRandom(100 + firstStep + s);
            a.grads().copyFrom(TestData.gaussianFloats(random, (int) a.size(), 0.1));
            b.grads().copyFrom(TestData.gaussianFloats(random, (int) b.size(), 0.1));
            adam.step();
        }
        return a.params().toFloatArray();
    }

    @Test
    void aCheckpointOfFlatStateResumesBitForBitAndStaysFlat(@TempDir Path dir) throws Exception {
        long[] sizes = {300, 0, 5000, 41};
        try (FlatParameters a1 = block(sizes); FlatParameters b1 = block(70_000, 3);
             FlatParameters a2 = block(sizes); FlatParameters b2 = block(70_000, 3);
             Adam straight = new Adam(AdamConfig.adam().withLr(1e-2), SCALAR);
             Adam resumed = new Adam(AdamConfig.adam().withLr(1e-2), SCALAR)) {
            randomize(a1, 7);
            randomize(b1, 8);
            a2.params().copyFrom(a1.params());
            b2.params().copyFrom(b1.params());
            straight.addParamGroup(a1.parameters());
            straight.addParamGroup(b1.parameters(), c -> c.withAmsgrad(true));
            resumed.addParamGroup(a2.parameters());
            resumed.addParamGroup(b2.parameters(), c -> c.withAmsgrad(true));

            train(a1, b1, straight, 5, 0);
            Path file = dir.resolve("flat.safetensors");
            Checkpoints.save(straight, file, true);
            Checkpoints.load(resumed, file);
            float[] expected = train(a1, b1, straight, 4, 5);
            float[] actual = train(a2, b2, resumed, 4, 5);
            assertArrayEquals(expected, actual);
            assertArrayEquals(b1.params().toFloatArray(), b2.params().toFloatArray());
            // the loaded state went back into the group's buffers
            long start = resumed.state(a2.parameter(0)).orElseThrow().expAvg().segment().address();
            assertEquals(start + a2.offset(2) * 4, resumed.state(a2.parameter(2)).orElseThrow().expAvg().segment().address());
            assertArrayEquals(straight.state(b1.parameter(0)).orElseThrow().maxExpAvgSq().toFloatArray(),
                    resumed.state(b2.parameter(0)).orElseThrow().maxExpAvgSq().toFloatArray());
        }
    }

    /** Fails in the kernel for the chunk starting at element {@code failAt} of a run. */
    private static final class FailingAdam extends Adam {
        volatile long failAt = -1;

        FailingAdam() {
            super(AdamConfig.adam(), SCALAR);
        }

        @Override
        protected void runKernel(dev.adamant.kernel.AdamCoefficients c, KernelRun run, long from, long to,
                                 dev.adamant.kernel.StepStatsSink stats) {
            if (from == failAt) {
                throw new IllegalStateException("kernel failed at " + from);
            }
            super.runKernel(c, run, from, to, stats);
        }
    }

    @Test
    void aFailureOnAWorkerThreadReachesTheCaller() {
        try (FlatParameters flat = block(StepPlan.CHUNK * 6L); FailingAdam adam = new FailingAdam()) {
            adam.setThreads(3);
            adam.addParamGroup(flat.parameters());
            adam.step(); // starts the workers
            for (int chunk = 0; chunk < 6; chunk++) {
                adam.failAt = (long) chunk * StepPlan.CHUNK;
                var e = assertThrows(IllegalStateException.class, adam::step);
                assertEquals("kernel failed at " + adam.failAt, e.getMessage());
            }
            adam.failAt = -1;
            adam.step(); // still usable
        }
    }

    /** Blocks the first kernel call until released, so a second step is deterministically concurrent. */
    private static final class BlockingAdam extends Adam {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        BlockingAdam() {
            super(AdamConfig.adam(), SCALAR);
        }

        @Override
        protected void runKernel(dev.adamant.kernel.AdamCoefficients c, KernelRun run, long from, long to,
                                 dev.adamant.kernel.StepStatsSink stats) {
            inside.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            super.runKernel(c, run, from, to, stats);
        }
    }

    @Test
    void aSecondStepDuringAThreadedStepIsRejected() throws Exception {
        try (FlatParameters flat = block(StepPlan.CHUNK * 4L); BlockingAdam adam = new BlockingAdam()) {
            adam.setThreads(2);
            adam.addParamGroup(flat.parameters());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread first = new Thread(() -> {
                try {
                    adam.step();
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            first.start();
            assertTrue(adam.inside.await(30, TimeUnit.SECONDS));
            var e = assertThrows(ConcurrentModificationException.class, adam::step);
            assertTrue(e.getMessage().contains("two threads"), e.getMessage());
            assertThrows(ConcurrentModificationException.class, () -> adam.setThreads(1));
            adam.release.countDown();
            first.join(30_000);
            assertNull(failure.get());
            assertEquals(1, adam.stepCount());
        }
    }

    @Test
    void aThreadedStepAllocatesAlmostNothingInSteadyState() {
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (FlatParameters flat = block(60_000, 20_000, 4_000, 1_000, 1_000, 50_000);
             AdamW opt = new AdamW(AdamConfig.adamW(), SCALAR)) {
            opt.setThreads(2);
            opt.addParamGroup(flat.parameters());
            randomize(flat, 3);
            for (int s = 0; s < 200; s++) {
                opt.step(); // warm-up: JIT, worker start, plan arrays at full size
            }
            ChunkWorkers workers = opt.workers();
            Thread worker = workers.workerThreads()[0];
            long[] ids = {Thread.currentThread().threadId(), worker.threadId()};
            int steps = 500;
            long before = sum(threadBean.getThreadAllocatedBytes(ids));
            for (int s = 0; s < steps; s++) {
                opt.step();
            }
            long perStep = (sum(threadBean.getThreadAllocatedBytes(ids)) - before) / steps;
            System.out.println("FlatStorageTest: AdamW step, 6 tensors in one flat group, 2 threads: "
                    + perStep + " bytes allocated per step");
            // the coefficient record of the group's run, and the step's schedule list; not per tensor or chunk
            assertTrue(perStep < 512, perStep + " bytes per step");
        }
    }

    @Test
    void twoThousandSeparateTensorsAllocateNothingPerTensor() {
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Tensor> tensors = new java.util.ArrayList<>();
        try (AdamW opt = new AdamW(AdamConfig.adamW(), SCALAR)) {
            opt.setThreads(2);
            List<Parameter> params = new java.util.ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                Tensor w = Tensor.allocate(DType.FLOAT32, 1024), g = Tensor.allocate(DType.FLOAT32, 1024);
                tensors.add(w);
                tensors.add(g);
                Parameter p = Parameter.of(w);
                p.setGrad(g);
                params.add(p);
            }
            opt.addParamGroup(params);
            for (int s = 0; s < 100; s++) {
                opt.step();
            }
            long[] ids = {Thread.currentThread().threadId(), opt.workers().workerThreads()[0].threadId()};
            int steps = 100;
            long before = sum(threadBean.getThreadAllocatedBytes(ids));
            for (int s = 0; s < steps; s++) {
                opt.step();
            }
            long perStep = (sum(threadBean.getThreadAllocatedBytes(ids)) - before) / steps;
            System.out.println("FlatStorageTest: AdamW step, 2000 caller-owned tensors of 1024, 2 threads: "
                    + perStep + " bytes allocated per step");
            assertTrue(perStep < 2000, perStep + " bytes per step: something is allocated per tensor");
        } finally {
            tensors.forEach(Tensor::close);
        }
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }

    @Test
    void theSameViewIsReusedWhenAParameterRejoinsAfterSkippingSteps() {
        try (FlatParameters flat = block(10, 10); Adam adam = new Adam(AdamConfig.adam(), SCALAR)) {
            adam.addParamGroup(flat.parameters());
            Tensor g1 = flat.parameter(1).grad();
            flat.parameter(1).setGrad(null);
            adam.step();
            assertTrue(adam.state(flat.parameter(1)).isEmpty(), "no grad, no state, as in torch");
            flat.parameter(1).setGrad(g1);
            adam.step();
            AdamState s0 = adam.state(flat.parameter(0)).orElseThrow(), s1 = adam.state(flat.parameter(1)).orElseThrow();
            assertEquals(2, s0.step());
            assertEquals(1, s1.step());
            assertEquals(s0.expAvg().segment().address() + 40, s1.expAvg().segment().address());
            assertSame(s1.expAvg(), adam.state(flat.parameter(1)).orElseThrow().expAvg());
        }
    }
}
