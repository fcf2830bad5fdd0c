package dev.adamant.accuracy;

import dev.adamant.conformance.GoldenCase;
import dev.adamant.conformance.GoldenFile;
import dev.adamant.conformance.Hyper;
import dev.adamant.conformance.Recipe;
import dev.adamant.kernel.MixedAdamBuffers;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamUpdate;
import dev.adamant.optim.MixedAdamUpdate;
import dev.adamant.precision.BlockCode;
import dev.adamant.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * The golden long runs (long_runs.json: torch's Adam and AdamW over 1000-1200 steps, every step's
 * gradient recorded) replayed through each state format with float32 parameters. These runs have
 * no loss (the gradients are recorded, not computed from the parameters), so what is compared is
 * the parameters at each checkpoint against torch's float32 parameters: per element
 * {@code |p - p_torch| / |p_torch|}, its maximum and mean over the tensor.
 *
 * <p>The tensors have 5 and 7 elements, under {@code StateFormat}'s small-tensor threshold: an
 * optimizer would keep their state in float32. Here the layout is applied as given, so that the
 * compact formats are what is measured.
 */
final class GoldenLongRuns {
    static final String FILE = "long_runs.json";

    /** The reference, the mixed kernel's float32 layout, and the two compact state formats. */
    static final List<PrecisionVariant> VARIANTS = List.of(PrecisionVariant.FP32,
            PrecisionVariant.mixed("fp32/fp32/fp32"),
            PrecisionVariant.mixed("fp32/fp32/bf16"),
            PrecisionVariant.mixed("fp32/fp32/8bit"));

    /**
     * The parameters after {@code step} against torch's: relative error per element, its maximum
     * and mean; and the largest absolute error over the largest distance torch's parameters have
     * moved from their initial values (relative error is large wherever a parameter crosses zero;
     * this one says how much of the optimizer's own movement is wrong).
     */
    record Checkpoint(int step, double maxRelative, double meanRelative, double errorOverTravel) {
    }

    /** One case through one variant; {@code notRun} says why a variant could not replay the case. */
    record Row(String caseName, String description, PrecisionVariant variant, List<Checkpoint> checkpoints,
               Optional<String> notRun) {
    }

    private GoldenLongRuns() {
    }

    static List<Row> replay(GoldenFile file) {
        List<Row> rows = new ArrayList<>();
        for (GoldenCase c : file.cases()) {
            if (!c.isReplay() || c.tensors().size() != 1 || !c.dtype().equals("float32")) {
                throw new IllegalArgumentException(file.fileName() + ", case " + c.name()
                        + ": expected a single float32 tensor replay");
            }
            for (PrecisionVariant v : VARIANTS) {
                rows.add(replay(c, v));
            }
        }
        return rows;
    }

    static Row replay(GoldenCase c, PrecisionVariant variant) {
        Recipe<?> recipe = Recipe.forName(c.optimizer()).filter(r -> r.name().startsWith("adam"))
                .orElseThrow(() -> new IllegalArgumentException("case " + c.name() + ": optimizer " + c.optimizer()
                        + " is not Adam or AdamW"));
        Hyper hyper = new Hyper(c.groups().getFirst().hyper());
        String description = c.optimizer() + " " + c.groups().getFirst().hyper() + ", " + c.steps().size() + " steps";
        double[] initial = c.tensors().getFirst().initial();
        int n = initial.length;
        MixedLayout layout = variant.layout().orElse(null);
        AdamUpdate plain = AdamUpdate.withDefaultBackend();
        MixedAdamUpdate mixed = MixedAdamUpdate.withDefaultBackend();
        List<Checkpoint> checkpoints = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = floats(arena, n), grad = floats(arena, n), expAvg, expAvgSq;
            MemorySegment max = floats(arena, n); // amsgrad's max_exp_avg_sq, for the plain kernel
            MemorySegment expAvgScale = null, expAvgSqScale = null, maxState = null, maxScale = null;
            if (layout == null) {
                expAvg = floats(arena, n);
                expAvgSq = floats(arena, n);
            } else {
                expAvg = arena.allocate((long) layout.state().byteSize() * n, 64);
                expAvgSq = arena.allocate((long) layout.state().byteSize() * n, 64);
                maxState = arena.allocate((long) layout.state().byteSize() * n, 64); // amsgrad's, in the state format
                if (layout.quantized()) {
                    expAvgScale = floats(arena, BlockCode.blocks(n));
                    expAvgSqScale = floats(arena, BlockCode.blocks(n));
                    maxScale = floats(arena, BlockCode.blocks(n));
                }
            }
            MixedAdamBuffers buffers = new MixedAdamBuffers(param, null, grad, expAvg, expAvgSq, expAvgScale, expAvgSqScale);
            MixedAdamBuffers withMax = buffers.withMaxExpAvgSq(maxState, maxScale);
            for (int i = 0; i < n; i++) {
                param.setAtIndex(JAVA_FLOAT, i, (float) initial[i]);
            }
            for (GoldenCase.Step s : c.steps()) {
                AdamConfig config = (AdamConfig) recipe.configurer().config(hyper.with(s.overrides()));
                double[] g = s.grads().getFirst();
                for (int i = 0; i < n; i++) {
                    grad.setAtIndex(JAVA_FLOAT, i, (float) g[i]);
                }
                try {
                    if (layout == null) {
                        plain.apply(config, s.step(), DType.FLOAT32, param, grad, expAvg,
                                expAvgSq, max, 0, n);
                    } else {
                        mixed.apply(config, s.step(), layout, 0, config.amsgrad() ? withMax : buffers, 0, n);
                    }
                } catch (IllegalArgumentException e) {
                    return new Row(c.name(), description, variant, List.of(), Optional.of(e.getMessage()));
                }
                if (s.paramsAfter() != null) {
                    checkpoints.add(compare(s.step(), param, s.paramsAfter().getFirst(), initial));
                }
            }
        }
        return new Row(c.name(), description, variant, checkpoints, Optional.empty());
    }

    private static MemorySegment floats(Arena arena, long n) {
        return arena.allocate(4 * n, 64);
    }

    private static Checkpoint compare(int step, MemorySegment param, double[] torch, double[] initial) {
        double max = 0, sum = 0, maxError = 0, travel = 0;
        for (int i = 0; i < torch.length; i++) {
            double p = param.getAtIndex(JAVA_FLOAT, i), t = torch[i];
            double relative = p == t ? 0 : Math.abs(p - t) / Math.abs(t);
            max = Math.max(max, relative);
            sum += relative;
            maxError = Math.max(maxError, Math.abs(p - t));
            travel = Math.max(travel, Math.abs(t - initial[i]));
        }
        return new Checkpoint(step, max, sum / torch.length, maxError == 0 ? 0 : maxError / travel);
    }
}
