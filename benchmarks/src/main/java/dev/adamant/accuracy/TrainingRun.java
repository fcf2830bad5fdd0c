package dev.adamant.accuracy;

import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamUpdate;
import dev.adamant.optim.MixedAdamUpdate;
import dev.adamant.precision.BlockCode;
import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.StateFormat;
import dev.adamant.schedule.Schedule;
import dev.adamant.schedule.Schedules;
import dev.adamant.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One training run of the accuracy problem: the {@link Mlp} trained with AdamW for a fixed number
 * of minibatch steps, its parameters, gradients and state held off-heap in the formats of one
 * {@link PrecisionVariant}, each tensor updated by {@code AdamUpdate} (the reference) or
 * {@code MixedAdamUpdate}. The model computes in float32 on the parameters as stored (bf16 weights
 * decoded); the gradient is stored in the variant's gradient format before the update reads it.
 *
 * <p>The seed fixes the initial weights, the minibatch order and the stochastic-rounding noise, so
 * runs of different variants with one seed differ only by the precision.
 */
final class TrainingRun {

    /** The optimizer and loop settings shared by every variant. */
    record Settings(int steps, int batch, double peakLr, int warmupSteps, double weightDecay) {
        Settings {
            if (steps < 2) {
                throw new IllegalArgumentException("a run needs at least 2 steps, got " + steps);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("batch size must be positive, got " + batch);
            }
        }

        /** AdamW with lr 1e-3 (torch's default), weight decay 0.01, linear warmup over 5% of the run, then cosine to 0. */
        static Settings standard(int steps) {
            return new Settings(steps, 128, 1e-3, Math.max(1, steps / 20), 0.01);
        }

        Schedule schedule() {
            return Schedules.warmupCosine(peakLr, warmupSteps, steps);
        }
    }

    /**
     * @param batchLoss    the minibatch loss of every step, before that step's update
     * @param train        loss and accuracy over the whole training set after the last step
     * @param heldOut      the same over the held-out set
     * @param stateFormats per tensor, the format its moments were kept in
     */
    record Result(PrecisionVariant variant, long seed, float[] batchLoss, Mlp.Evaluation train, Mlp.Evaluation heldOut,
                  List<String> stateFormats) {
    }

    private TrainingRun() {
    }

    static Result train(Problem problem, PrecisionVariant variant, long seed, Settings settings) {
        Mlp model = problem.model(settings.batch());
        Dataset train = problem.data().train();
        AdamConfig base = AdamConfig.adamW().withWeightDecay(settings.weightDecay());
        Schedule lr = settings.schedule();
        float[][] init = model.initialParameters(seed);
        int[] sizes = model.tensorSizes();
        try (Arena arena = Arena.ofConfined()) {
            List<TensorSlots> tensors = new ArrayList<>();
            for (int t = 0; t < sizes.length; t++) {
                tensors.add(new TensorSlots(arena, variant, init[t], seed * 1_000_003L + t));
            }
            float[][] params = new float[sizes.length][], grads = new float[sizes.length][];
            for (int t = 0; t < sizes.length; t++) {
                params[t] = new float[sizes[t]];
                grads[t] = new float[sizes[t]];
            }
            BatchOrder order = new BatchOrder(train.size(), settings.batch(), seed);
            float[] losses = new float[settings.steps()];
            for (int step = 1; step <= settings.steps(); step++) {
                for (int t = 0; t < sizes.length; t++) {
                    tensors.get(t).readParam(params[t]);
                }
                losses[step - 1] = (float) model.lossAndGradient(params, train, order.next(), grads);
                AdamConfig config = base.withLr(lr.valueAt(step));
                for (int t = 0; t < sizes.length; t++) {
                    tensors.get(t).writeGrad(grads[t]);
                    tensors.get(t).update(config, step);
                }
            }
            for (int t = 0; t < sizes.length; t++) {
                tensors.get(t).readParam(params[t]);
            }
            return new Result(variant, seed, losses, model.evaluate(params, train),
                    model.evaluate(params, problem.data().heldOut()),
                    tensors.stream().map(TensorSlots::stateName).toList());
        }
    }

    /** Epochs of a seeded shuffle, cut into consecutive batches; a short last batch is dropped. */
    private static final class BatchOrder {
        private final int[] permutation;
        private final int[] batch;
        private final SplittableRandom random;
        private int next;

        BatchOrder(int samples, int batchSize, long seed) {
            if (batchSize > samples) {
                throw new IllegalArgumentException("batch of " + batchSize + " from " + samples + " samples");
            }
            permutation = new int[samples];
            for (int i = 0; i < samples; i++) {
                permutation[i] = i;
            }
            batch = new int[batchSize];
            random = new SplittableRandom(seed ^ 0x5DEECE66DL);
            next = samples; // shuffle before the first batch
        }

        int[] next() {
            if (next + batch.length > permutation.length) {
                for (int i = permutation.length - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1), swap = permutation[i];
                    permutation[i] = permutation[j];
                    permutation[j] = swap;
                }
                next = 0;
            }
            System.arraycopy(permutation, next, batch, 0, batch.length);
            next += batch.length;
            return batch;
        }
    }

    /**
     * One tensor's buffers in its variant's formats. Small tensors keep float32 state whatever the
     * layout asks ({@link StateFormat#forTensor}), as an optimizer would.
     */
    private static final class TensorSlots {
        private static final AdamUpdate PLAIN = AdamUpdate.withDefaultBackend();
        private static final MixedAdamUpdate MIXED = MixedAdamUpdate.withDefaultBackend();

        private final int size;
        private final MixedLayout layout; // null for the plain kernel
        private final long roundingSeed;
        private final MemorySegment param, master, grad, expAvg, expAvgSq;
        private final MixedAdamBuffers buffers;

        TensorSlots(Arena arena, PrecisionVariant variant, float[] initial, long roundingSeed) {
            size = initial.length;
            this.roundingSeed = roundingSeed;
            MixedLayout requested = variant.layout().orElse(MixedLayout.fp32());
            StateFormat state = StateFormat.forTensor(requested.state(), size);
            layout = variant.isReference() ? null
                    : new MixedLayout(requested.param(), requested.master(), requested.grad(), state,
                    requested.stochasticRounding());
            param = allocate(arena, requested.param().byteSize());
            master = requested.master() ? allocate(arena, 4) : null;
            grad = allocate(arena, requested.grad().byteSize());
            expAvg = allocate(arena, state.byteSize());
            expAvgSq = allocate(arena, state.byteSize());
            boolean quantized = state == StateFormat.BLOCKWISE_8BIT;
            MemorySegment expAvgScale = quantized ? arena.allocate(4 * BlockCode.blocks(size), 64) : null;
            MemorySegment expAvgSqScale = quantized ? arena.allocate(4 * BlockCode.blocks(size), 64) : null;
            buffers = new MixedAdamBuffers(param, master, grad, expAvg, expAvgSq, expAvgScale, expAvgSqScale);
            for (int i = 0; i < size; i++) {
                requested.param().store(param, i, initial[i]);
                if (master != null) {
                    FloatFormat.FP32.store(master, i, initial[i]);
                }
            }
        }

        private MemorySegment allocate(Arena arena, long elementBytes) {
            return arena.allocate(elementBytes * size, 64); // zeroed: a new state is zero moments
        }

        String stateName() {
            return layout == null ? "fp32" : switch (layout.state()) {
                case FP32 -> "fp32";
                case BF16 -> "bf16";
                case BLOCKWISE_8BIT -> "8bit";
            };
        }

        /** The parameter as the model sees it: the stored format, decoded. */
        void readParam(float[] into) {
            FloatFormat format = layout == null ? FloatFormat.FP32 : layout.param();
            for (int i = 0; i < size; i++) {
                into[i] = format.load(param, i);
            }
        }

        void writeGrad(float[] values) {
            FloatFormat format = layout == null ? FloatFormat.FP32 : layout.grad();
            for (int i = 0; i < size; i++) {
                format.store(grad, i, values[i]);
            }
        }

        void update(AdamConfig config, long step) {
            if (layout == null) {
                PLAIN.apply(config, step, DType.FLOAT32, param, grad, expAvg, expAvgSq, null, 0, size);
            } else {
                MIXED.apply(config, step, layout, roundingSeed, buffers, 0, size);
            }
        }
    }
}
