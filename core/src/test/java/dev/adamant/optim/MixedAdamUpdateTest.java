package dev.adamant.optim;

import dev.adamant.kernel.Backends;
import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.Numerics;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.StateFormat;
import dev.adamant.testing.MixedFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The low-level mixed-precision entry: every bad argument is named in the message and changes nothing. */
class MixedAdamUpdateTest {
    private static final MixedLayout EIGHT_BIT = MixedLayout.of(FloatFormat.BF16, FloatFormat.BF16, StateFormat.BLOCKWISE_8BIT).withMaster();
    private static final MixedAdamUpdate UPDATE = MixedAdamUpdate.with(Backends.scalar(Numerics.EXACT));
    private static final AdamConfig CONFIG = AdamConfig.adamW();

    /** Runs {@code call}, which must throw {@code type} with a message containing {@code words}, and change no byte. */
    private static <T extends Throwable> void rejects(MixedFixture f, Class<T> type, String words, Executable call) {
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture before = f.copy(arena);
            T e = assertThrows(type, call);
            assertTrue(e.getMessage().contains(words), () -> "message '" + e.getMessage() + "' should contain '" + words + "'");
            MixedFixture.assertSameBits("after the rejected call", before, f);
        }
    }

    private static MixedFixture fixture(Arena arena, MixedLayout layout, int n) {
        MixedFixture f = MixedFixture.allocate(arena, layout, n);
        SplittableRandom random = new SplittableRandom(1);
        f.fillParam(random, false);
        f.fillGrad(random, 1, false);
        f.fillState(random);
        return f;
    }

    @Test
    void acceptsAValidCallAndMovesTheParameter() {
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = fixture(arena, EIGHT_BIT, 1000), before = f.copy(arena);
            UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, f.buffers(), 0, 1000);
            UPDATE.apply(CONFIG, 2, EIGHT_BIT, 0, f.buffers(), 256, 1000);   // to the end of the moments
            UPDATE.apply(CONFIG, 3, EIGHT_BIT, 0, f.buffers(), 0, 512);      // on a block boundary
            assertTrue(f.master.mismatch(before.master) >= 0);
        }
    }

    @Test
    void blockAlignmentOfEightBitRanges() {
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = fixture(arena, EIGHT_BIT, 1000);
            rejects(f, IllegalArgumentException.class, "start on a block boundary (a multiple of 256), not at 100",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, f.buffers(), 100, 1000));
            rejects(f, IllegalArgumentException.class, "end on a block boundary (a multiple of 256) or at the end of the moments (1000), not at 700",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, f.buffers(), 0, 700));
        }
    }

    @Test
    void sizesOfEveryBufferInItsOwnElements() {
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = fixture(arena, EIGHT_BIT, 1000);
            MemorySegment shortScales = arena.allocate(4 * 3);
            rejects(f, IllegalArgumentException.class, "needs 4 elements of exp_avg_scale but it holds 3",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(f.param, f.master, f.grad, f.expAvg,
                            f.expAvgSq, shortScales, f.expAvgSqScale), 0, 1000));
            MemorySegment shortGrad = arena.allocate(2 * 999L);
            rejects(f, IllegalArgumentException.class, "needs 1000 elements of grad but it holds 999",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(f.param, f.master, shortGrad, f.expAvg,
                            f.expAvgSq, f.expAvgScale, f.expAvgSqScale), 0, 1000));
            rejects(f, IndexOutOfBoundsException.class, "Invalid element range [5, 3)",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, f.buffers(), 5, 3));
        }
    }

    @Test
    void buffersTheLayoutNeedsAndNoOthers() {
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = fixture(arena, EIGHT_BIT, 512);
            rejects(f, NullPointerException.class, "master is required: the layout has master copy",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(f.param, null, f.grad, f.expAvg,
                            f.expAvgSq, f.expAvgScale, f.expAvgSqScale), 0, 512));
            rejects(f, NullPointerException.class, "exp_avg_sq_scale is required: the state is BLOCKWISE_8BIT",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(f.param, f.master, f.grad, f.expAvg,
                            f.expAvgSq, f.expAvgScale, null), 0, 512));
            MixedLayout bf16State = MixedLayout.of(FloatFormat.BF16, FloatFormat.BF16, StateFormat.BF16).withMaster();
            rejects(f, IllegalArgumentException.class, "exp_avg_scale is given but not used: the state is BF16",
                    () -> UPDATE.apply(CONFIG, 1, bf16State, 0, f.buffers(), 0, 256));
            rejects(f, IllegalArgumentException.class, "step",
                    () -> UPDATE.apply(CONFIG, 0, EIGHT_BIT, 0, f.buffers(), 0, 512));
        }
    }

    @Test
    void amsgradNeedsItsMaximumAndItsScalesAndNothingElse() {
        AdamConfig amsgrad = AdamConfig.adamW().withAmsgrad(true);
        MixedLayout bf16State = MixedLayout.of(FloatFormat.BF16, FloatFormat.BF16, StateFormat.BF16).withMaster();
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = fixture(arena, EIGHT_BIT, 512);
            rejects(f, NullPointerException.class, "max_exp_avg_sq is required: amsgrad=true",
                    () -> UPDATE.apply(amsgrad, 1, EIGHT_BIT, 0, f.buffers(), 0, 512));
            rejects(f, NullPointerException.class, "max_exp_avg_sq_scale is required: amsgrad=true and the state is BLOCKWISE_8BIT",
                    () -> UPDATE.apply(amsgrad, 1, EIGHT_BIT, 0, f.buffers().withMaxExpAvgSq(f.maxExpAvgSq, null), 0, 512));
            rejects(f, IllegalArgumentException.class, "max_exp_avg_sq is given but not used: amsgrad=false",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, f.buffersWithMax(), 0, 512));
            rejects(f, IllegalArgumentException.class, "exp_avg_sq and max_exp_avg_sq overlap in memory",
                    () -> UPDATE.apply(amsgrad, 1, EIGHT_BIT, 0, f.buffers().withMaxExpAvgSq(f.expAvgSq, f.maxExpAvgSqScale), 0, 512));
            rejects(f, IllegalArgumentException.class, "max_exp_avg_sq_scale is read-only",
                    () -> UPDATE.apply(amsgrad, 1, EIGHT_BIT, 0,
                            f.buffers().withMaxExpAvgSq(f.maxExpAvgSq, f.maxExpAvgSqScale.asReadOnly()), 0, 512));
            MemorySegment shortMax = arena.allocate(511);
            rejects(f, IllegalArgumentException.class, "needs 512 elements of max_exp_avg_sq but it holds 511",
                    () -> UPDATE.apply(amsgrad, 1, EIGHT_BIT, 0, f.buffers().withMaxExpAvgSq(shortMax, f.maxExpAvgSqScale), 0, 512));
            MemorySegment longMax = arena.allocate(600);
            rejects(f, IllegalArgumentException.class, "exp_avg holds 512 elements but max_exp_avg_sq 600",
                    () -> UPDATE.apply(amsgrad, 1, EIGHT_BIT, 0, f.buffers().withMaxExpAvgSq(longMax, f.maxExpAvgSqScale), 0, 512));
            MixedFixture before = f.copy(arena);
            UPDATE.apply(amsgrad, 1, EIGHT_BIT, 0, f.buffersWithMax(), 0, 512);
            assertTrue(f.maxExpAvgSq.mismatch(before.maxExpAvgSq) >= 0, "the maximum is written");
        }
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = fixture(arena, bf16State, 512);
            // bf16 state has no scales: a scale buffer for the maximum is named as unused
            rejects(f, IllegalArgumentException.class, "max_exp_avg_sq_scale is given but not used: amsgrad=true and the state is BF16",
                    () -> UPDATE.apply(amsgrad, 1, bf16State, 0, f.buffers().withMaxExpAvgSq(f.maxExpAvgSq, arena.allocate(8)), 0, 512));
            UPDATE.apply(amsgrad, 1, bf16State, 0, f.buffersWithMax(), 0, 512);
        }
    }

    /** amsgrad through the entry point is the reference kernel's amsgrad step, and keeps v_max >= v. */
    @Test
    void amsgradKeepsTheRunningMaximum() {
        MixedLayout layout = MixedLayout.of(FloatFormat.FP32, FloatFormat.FP32, StateFormat.BF16);
        AdamConfig amsgrad = AdamConfig.adamW().withAmsgrad(true);
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = fixture(arena, layout, 300);
            SplittableRandom random = new SplittableRandom(3);
            for (long t = 1; t <= 5; t++) {
                f.fillGrad(random, t == 3 ? 10 : 0.1, false);
                MixedFixture before = f.copy(arena);
                UPDATE.apply(amsgrad, t, layout, 0, f.buffersWithMax(), 0, 300);
                float[] v = MixedFixture.loadState(layout.state(), null, f.expAvgSq, null, 300);
                float[] max = MixedFixture.loadState(layout.state(), null, f.maxExpAvgSq, null, 300);
                float[] max0 = MixedFixture.loadState(layout.state(), null, before.maxExpAvgSq, null, 300);
                for (int i = 0; i < 300; i++) {
                    // v_max is max(v_max, v) rounded once; v is rounded on its own, so both bf16 roundings agree
                    assertEquals(Math.max(max0[i], v[i]), max[i], "element " + i + " at step " + t);
                }
            }
        }
    }

    @Test
    void overlapReadOnlyClosedAndMisaligned() {
        try (Arena arena = Arena.ofConfined()) {
            MixedFixture f = fixture(arena, EIGHT_BIT, 512);
            rejects(f, IllegalArgumentException.class, "exp_avg and exp_avg_sq overlap in memory",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(f.param, f.master, f.grad, f.expAvg,
                            f.expAvg, f.expAvgScale, f.expAvgSqScale), 0, 512));
            rejects(f, IllegalArgumentException.class, "param and grad overlap in memory",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(f.param, f.master, f.param, f.expAvg,
                            f.expAvgSq, f.expAvgScale, f.expAvgSqScale), 0, 512));
            rejects(f, IllegalArgumentException.class, "master is read-only",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(f.param, f.master.asReadOnly(), f.grad,
                            f.expAvg, f.expAvgSq, f.expAvgScale, f.expAvgSqScale), 0, 512));
            MemorySegment odd = arena.allocate(2 * 513L, 64).asSlice(1, 2 * 512L);
            rejects(f, IllegalArgumentException.class, "param at address",
                    () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(odd, f.master, f.grad, f.expAvg,
                            f.expAvgSq, f.expAvgScale, f.expAvgSqScale), 0, 512));
            // a read-only gradient is fine: the update only reads it
            UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, new MixedAdamBuffers(f.param, f.master, f.grad.asReadOnly(), f.expAvg,
                    f.expAvgSq, f.expAvgScale, f.expAvgSqScale), 0, 512);
        }
        MixedFixture closed;
        try (Arena arena = Arena.ofConfined()) {
            closed = MixedFixture.allocate(arena, EIGHT_BIT, 256);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> UPDATE.apply(CONFIG, 1, EIGHT_BIT, 0, closed.buffers(), 0, 256));
        assertEquals("param is closed: its memory has already been freed", e.getMessage());
    }

    @Test
    void layoutRulesAndNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MixedLayout.of(FloatFormat.FP32, FloatFormat.FP32, StateFormat.FP32).withMaster());
        assertTrue(e.getMessage().contains("needs a bf16 or fp16 parameter"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MixedLayout.of(FloatFormat.FP16, FloatFormat.FP32, StateFormat.FP32).withStochasticRounding());
        assertTrue(e.getMessage().contains("bf16 parameter without master copy"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MixedLayout.parse("bf16/fp8/fp32"));
        assertTrue(e.getMessage().contains("Invalid format 'fp8'"), e.getMessage());
        for (String name : new String[] {"fp32/fp32/fp32", "bf16+master/bf16/8bit", "bf16/fp16/bf16+sr"}) {
            assertEquals(name, MixedLayout.parse(name).toString());
        }
        assertEquals(16, MixedLayout.fp32().bytesPerElement());
        assertEquals(28, MixedLayout.fp32().bytesMovedPerElement());
        assertEquals(2 + 4 + 2 + 2 * (1 + 4.0 / 256), EIGHT_BIT.bytesPerElement());
        assertEquals(StateFormat.FP32, StateFormat.forTensor(StateFormat.BLOCKWISE_8BIT, 4095));
        assertEquals(StateFormat.BLOCKWISE_8BIT, StateFormat.forTensor(StateFormat.BLOCKWISE_8BIT, 4096));
    }
}
