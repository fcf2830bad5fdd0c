package dev.adamant.optim;

import dev.adamant.internal.Checks;
import dev.adamant.kernel.Backend;
import dev.adamant.kernel.GradNormKernel;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;
import org.eclipse.collections.api.factory.Lists;
import org.eclipse.collections.api.factory.primitive.IntLists;
import org.eclipse.collections.api.factory.primitive.ObjectIntMaps;
import org.eclipse.collections.api.list.primitive.MutableIntList;
import org.eclipse.collections.api.list.ImmutableList;
import org.eclipse.collections.api.list.ListIterable;
import org.eclipse.collections.api.list.MutableList;
import org.eclipse.collections.api.map.primitive.MutableObjectIntMap;

import java.lang.foreign.MemorySegment;
import java.util.ConcurrentModificationException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;

/**
 * The torch-shaped surface every optimizer shares: parameter groups that inherit the defaults and
 * override them, lazily created per-parameter state, {@link #step()} and {@link #zeroGrad()}.
 *
 * <p>A step is all-or-nothing with respect to bad input: every parameter, gradient and state is
 * checked, and all missing state allocated, before the first element is written. A parameter
 * whose gradient is null is skipped and its step count does not advance.
 *
 * <p>A step runs on {@link #threads()} threads (its own pool, see {@link #setThreads}), with results
 * bit-identical to one thread. The optimizer itself is single-entry: calling {@code step()} (or
 * {@code zeroGrad()}, {@code clipGradNorm()}, {@code close()}, ...) from two threads at once is
 * rejected with a {@link ConcurrentModificationException} rather than allowed to corrupt state.
 *
 * <p>Each gradient is checked against its own parameter (type, size, no overlap). A gradient that
 * overlaps another parameter's memory is not detected; as in torch, the result then depends on the
 * update order.
 *
 * @param <C> the hyperparameter record of one group
 * @param <S> the per-parameter state
 */
public abstract class Optimizer<C extends OptimizerConfig<C>, S extends ParameterState> implements AutoCloseable {
    private final C defaults;
    private final Backend backend;
    private final MutableList<ParamGroup<C>> groups = Lists.mutable.empty();
    // registration order is torch's state_dict index
    private final MutableList<Parameter> params = Lists.mutable.empty();
    private final MutableObjectIntMap<Parameter> indexOf = ObjectIntMaps.mutable.empty();
    // per group: the index of its first parameter (a group's parameters are registered consecutively)
    private final MutableIntList groupFirst = IntLists.mutable.empty();
    // per group: its flat layout, or null
    private final MutableList<FlatGroup> flatGroups = Lists.mutable.empty();
    private final MutableList<S> states = Lists.mutable.empty();
    private final AtomicBoolean busy = new AtomicBoolean();
    private final GradNormKernel gradNorm;
    private long stepCount;
    // the clip coefficient recorded by clipGradNorm for the next step, and the one of the running step
    private double pendingClip = 1;
    private boolean clipPending;
    // f(1/lossScale) recorded by unscale for the next step
    private double pendingUnscale = 1;
    private boolean unscalePending;
    private double stepGradScale = 1;
    // the clamp bound recorded by clipGradValue for the next step (+∞: none), and the running step's
    private double pendingClipValue = Double.POSITIVE_INFINITY;
    private boolean clipValuePending;
    private double stepClipValue = Double.POSITIVE_INFINITY;
    private NonFinitePolicy nonFinitePolicy = NonFinitePolicy.PROPAGATE;
    private boolean lastStepSkipped;
    private Monitoring monitoring = Monitoring.OFF;
    private StepStats lastStepStats;
    private volatile boolean closed;
    private static final java.lang.ref.Cleaner WORKER_CLEANER = java.lang.ref.Cleaner.create();
    private int threads = Runtime.getRuntime().availableProcessors();
    // changes whenever states are replaced wholesale (a checkpoint), so cached preparations lapse
    private long stateEpoch;
    private ChunkWorkers workers;

    protected Optimizer(C defaults, Backend backend) {
        this.defaults = Objects.requireNonNull(defaults, "defaults");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.gradNorm = backend.kernel(GradNormKernel.KIND);
        checkConfig(defaults);
    }

    /** Adds a group that uses the defaults. */
    public final ParamGroup<C> addParamGroup(Iterable<Parameter> params) {
        return addParamGroup(params, UnaryOperator.identity());
    }

    /**
     * Adds a group whose config is {@code overrides} applied to the defaults, e.g.
     * {@code addParamGroup(biases, c -> c.withWeightDecay(0))}. Nothing is registered if any
     * parameter is already registered, overlaps another one in memory, or the config is invalid.
     */
    public final ParamGroup<C> addParamGroup(Iterable<Parameter> params, UnaryOperator<C> overrides) {
        ensureOpen();
        ImmutableList<Parameter> list = Lists.immutable.withAll(params);
        for (int i = 0; i < list.size(); i++) {
            Parameter p = Objects.requireNonNull(list.get(i), "parameter at index " + i);
            checkNewParameter(p, list.subList(0, i));
        }
        ParamGroup<C> group = new ParamGroup<>(list, overrides.apply(defaults), this::checkConfig);
        groupFirst.add(this.params.size());
        flatGroups.add(FlatGroup.of(list));
        for (Parameter p : list) {
            indexOf.put(p, this.params.size());
            this.params.add(p);
            states.add(null);
        }
        groups.add(group);
        return group;
    }

    private void checkNewParameter(Parameter p, ListIterable<Parameter> earlierInGroup) {
        if (indexOf.containsKey(p) || earlierInGroup.containsBy(q -> q == p, true)) {
            throw new IllegalArgumentException(p + " is registered twice"
                    + (indexOf.containsKey(p) ? " (already parameter #" + indexOf.get(p) + ")" : ""));
        }
        Checks.usable(p + " data", p.data().segment(), true);
        for (Parameter q : this.params.asLazy().concatenate(earlierInGroup)) {
            if (q.data().isAlive()) {
                Checks.disjoint(p.toString(), p.data().segment(), q.toString(), q.data().segment());
            }
        }
    }

    public final ListIterable<ParamGroup<C>> paramGroups() {
        return groups.asUnmodifiable();
    }

    /** Every registered parameter, in registration (state_dict index) order. */
    public final ListIterable<Parameter> parameters() {
        return params.asUnmodifiable();
    }

    public final C defaults() {
        return defaults;
    }

    /** The kernels this optimizer runs on. */
    public final Backend backend() {
        return backend;
    }

    /** The state of {@code p}; empty before its first step, as torch's {@code optimizer.state[p]}. */
    public final Optional<S> state(Parameter p) {
        ensureOpen();
        if (!indexOf.containsKey(p)) {
            throw new IllegalArgumentException(p + " is not registered with this optimizer");
        }
        return Optional.ofNullable(states.get(indexOf.get(p)));
    }

    /**
     * The number of {@link #step()} calls that ran, whether or not any parameter had a gradient: the
     * position of every group's schedule (torch's scheduler {@code last_epoch + 1} after the step).
     */
    public final long stepCount() {
        return stepCount;
    }

    /** What {@link #step()} does with NaN or ±Inf gradients; {@link NonFinitePolicy#PROPAGATE} by default. */
    public final NonFinitePolicy nonFinitePolicy() {
        return nonFinitePolicy;
    }

    /** Sets what {@link #step()} does with NaN or ±Inf gradients (see {@link NonFinitePolicy}). */
    public final void setNonFinitePolicy(NonFinitePolicy policy) {
        this.nonFinitePolicy = Objects.requireNonNull(policy, "policy");
    }

    /**
     * True when the last {@link #step()} that returned normally was skipped because a gradient was
     * non-finite ({@link NonFinitePolicy#SKIP_STEP}, or an overflow after {@link #unscale}); false
     * when it ran, and before the first step.
     */
    public final boolean lastStepSkipped() {
        return lastStepSkipped;
    }

    /** What each step reports about itself; {@link Monitoring#OFF} by default. */
    public final Monitoring monitoring() {
        return monitoring;
    }

    /**
     * Turns step statistics on or off (see {@link Monitoring}); they are computed inside the step,
     * chunk by chunk while the chunk is in cache, and read with {@link #lastStepStats()}.
     */
    public final void setMonitoring(Monitoring monitoring) {
        Objects.requireNonNull(monitoring, "monitoring");
        enter();
        try {
            ensureOpen();
            this.monitoring = monitoring;
        } finally {
            busy.set(false);
        }
    }

    /**
     * The statistics of the last {@link #step()} that returned normally, when monitoring was on for
     * it; empty otherwise (before the first step, with monitoring off, or after a step that threw).
     */
    public final Optional<StepStats> lastStepStats() {
        return Optional.ofNullable(lastStepStats);
    }

    /** Called by the step's dispatch with the figures it gathered. */
    final void recordStats(StepStats stats) {
        lastStepStats = stats;
    }

    /**
     * One optimizer step over every parameter that has a gradient. Groups with a schedule first
     * get the config for step {@code stepCount() + 1} (see {@link ParamGroup}); a schedule that
     * fails or gives an invalid value rejects the step before anything changes.
     *
     * <p>Under {@link NonFinitePolicy#SKIP_STEP}, or after {@link #unscale} whatever the policy
     * (torch's {@code GradScaler} skips on overflow), a NaN or ±Inf gradient skips the whole step:
     * nothing changes except that the pending clip/unscale coefficients are consumed and
     * {@link #lastStepSkipped()} becomes true. Under {@link NonFinitePolicy#RAISE} it throws
     * {@link NonFiniteGradientException} instead, having changed nothing.
     */
    public final void step() {
        enter();
        try {
            ensureOpen();
            if (stepCount == Long.MAX_VALUE) {
                throw new ArithmeticException("optimizer step count would overflow: " + stepCount);
            }
            lastStepStats = null;
            MutableList<C> scheduled = groups.collect(g -> g.scheduledConfig(stepCount + 1));
            for (int g = 0; g < groups.size(); g++) {
                checkGroupForStep(g, scheduled.get(g));
            }
            if (nonFinitePolicy != NonFinitePolicy.PROPAGATE || unscalePending) {
                Parameter bad = firstNonFinite();
                if (bad != null) {
                    if (nonFinitePolicy == NonFinitePolicy.RAISE) {
                        throw nonFiniteException(bad);
                    }
                    lastStepSkipped = true;
                    if (monitoring != Monitoring.OFF) {
                        lastStepStats = skippedStepStats();
                    }
                    resetPending();
                    return;
                }
            }
            lastStepSkipped = false;
            for (int g = 0; g < groups.size(); g++) {
                groups.get(g).install(scheduled.get(g));
            }
            stepCount++;
            // float32: f(inv · coef), exactly torch's two multiplies when inv is a power of two
            stepGradScale = pendingUnscale * pendingClip;
            stepClipValue = pendingClipValue;
            // allocate before writing anything, so an allocation failure modifies nothing
            prepareStates();
            updateParameters();
            resetPending();
        } finally {
            stepGradScale = 1;
            stepClipValue = Double.POSITIVE_INFINITY;
            busy.set(false);
        }
    }

    /** Creates or extends the state of every parameter with a gradient; writes no parameter. */
    void prepareStates() {
        for (ParamGroup<C> group : groups) {
            C config = group.config();
            for (Parameter p : group.params()) {
                if (p.grad() != null) {
                    int i = indexOf.get(p);
                    states.set(i, prepareState(p, states.get(i), config));
                }
            }
        }
    }

    /** Updates every parameter with a gradient; all checks and allocations are done. */
    void updateParameters() {
        for (ParamGroup<C> group : groups) {
            C config = group.config();
            for (Parameter p : group.params()) {
                if (p.grad() != null) {
                    update(p, states.get(indexOf.get(p)), config);
                }
            }
        }
    }

    /** The groups, without a read-only wrapper (the step's loops run on it). */
    final ListIterable<ParamGroup<C>> groups() {
        return groups;
    }

    final int indexOf(Parameter p) {
        return indexOf.get(p);
    }

    /** Index of group {@code g}'s first parameter; its k-th parameter is {@code firstIndex(g) + k}. */
    final int firstIndex(int g) {
        return groupFirst.get(g);
    }

    final long stateEpoch() {
        return stateEpoch;
    }

    /** Group {@code g}'s flat layout, or null. */
    final FlatGroup flatGroup(int g) {
        return flatGroups.get(g);
    }

    final S stateAt(int index) {
        return states.get(index);
    }

    final void setStateAt(int index, S state) {
        states.set(index, state);
    }

    /**
     * The number of threads a step runs on: {@code Runtime.availableProcessors()} unless set.
     * Results are bit-identical for every count.
     */
    public final int threads() {
        return threads;
    }

    /**
     * Sets the number of threads a step runs its chunks on, the caller included; 1 runs every step
     * on the calling thread. The worker threads (daemons) start with the first step that has more
     * than one chunk and stop at {@link #close()}.
     */
    public final void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("Invalid thread count: " + threads + " (expected >= 1)");
        }
        enter();
        try {
            ensureOpen();
            if (threads != this.threads && workers != null) {
                workers.close();
                workers = null;
            }
            this.threads = threads;
        } finally {
            busy.set(false);
        }
    }

    /** The step's worker pool, started on first use; null when the optimizer runs on one thread. */
    final ChunkWorkers workers() {
        if (threads == 1) {
            return null;
        }
        if (workers == null) {
            workers = new ChunkWorkers(threads);
            // an optimizer dropped without close() must not leave its parked threads behind
            WORKER_CLEANER.register(this, workers::close);
        }
        return workers;
    }

    /** Frees what a subclass owns beyond the per-parameter state tensors; called once by close(). */
    void closeResources() {
        flatGroups.forEach(f -> {
            if (f != null) {
                f.close();
            }
        });
    }

    private void resetPending() {
        pendingClip = 1;
        clipPending = false;
        pendingUnscale = 1;
        unscalePending = false;
        pendingClipValue = Double.POSITIVE_INFINITY;
        clipValuePending = false;
    }

    /**
     * Torch's {@code GradScaler.unscale_(optimizer)} fused into the next step: records
     * {@code inv = f(1 / lossScale)} (torch's {@code scale.double().reciprocal().float()}), which the
     * next {@link #step()} multiplies into each gradient element as the kernel's first operation,
     * together with a clip coefficient recorded afterwards ({@code f(inv · coef)}, see
     * {@link #clipGradNorm}). The gradients themselves are not modified. The next step also checks
     * every gradient and skips itself if any is non-finite after unscaling, whatever the
     * {@link #nonFinitePolicy()} (except {@link NonFinitePolicy#RAISE}, which throws); see
     * {@link #lastStepSkipped()}.
     *
     * <p>Order as in torch: unscale, then {@link #clipGradNorm} (which then measures the unscaled
     * gradients) and/or {@link #clipGradValue}, then step. Calling it twice before a step, or after
     * {@code clipGradNorm} or {@code clipGradValue}, is rejected with {@link IllegalStateException},
     * as torch rejects a second {@code unscale_}.
     *
     * @param lossScale the factor the loss was multiplied by: finite, {@code > 0}, with a finite
     *                  nonzero float32 reciprocal
     */
    public final void unscale(double lossScale) {
        float inv = (float) (1.0 / lossScale);
        if (!(lossScale > 0) || lossScale == Double.POSITIVE_INFINITY || inv == 0 || Float.isInfinite(inv)) {
            throw new IllegalArgumentException("Invalid lossScale: " + lossScale
                    + " (expected finite and > 0, with a finite nonzero float32 reciprocal)");
        }
        enter();
        try {
            ensureOpen();
            if (unscalePending) {
                throw new IllegalStateException("unscale() has already been called since the last step()");
            }
            if (clipPending) {
                throw new IllegalStateException(
                        "unscale() after clipGradNorm(): unscale first, so the norm is measured on unscaled gradients");
            }
            if (clipValuePending) {
                throw new IllegalStateException(
                        "unscale() after clipGradValue(): unscale first, so the clamp applies to unscaled gradients");
            }
            pendingUnscale = inv;
            unscalePending = true;
        } finally {
            busy.set(false);
        }
    }

    /** The factor {@link #unscale} recorded for the next step, or 1. */
    public final double pendingUnscale() {
        return pendingUnscale;
    }

    /** A skipped step's figures: only the non-finite gradient counts (a failure path, scalar scans). */
    private StepStats skippedStepStats() {
        MutableList<UpdateStats> perGroup = Lists.mutable.empty();
        UpdateStats[] perTensor = new UpdateStats[params.size()];
        for (ParamGroup<C> group : groups) {
            long elements = 0, nonFinite = 0;
            for (Parameter p : group.params()) {
                Tensor g = p.grad();
                if (g != null) {
                    long bad = countNonFinite(g);
                    elements += g.size();
                    nonFinite += bad;
                    perTensor[indexOf.get(p)] = UpdateStats.skipped(g.size(), bad);
                }
            }
            perGroup.add(UpdateStats.skipped(elements, nonFinite));
        }
        return new StepStats(stepCount, true, perGroup.toImmutable(),
                monitoring == Monitoring.PER_TENSOR ? Lists.immutable.with(perTensor) : Lists.immutable.empty());
    }

    private long countNonFinite(Tensor g) {
        long count = 0;
        for (long i = 0; i < g.size(); i++) {
            if (!finiteAfterUnscale(g, i)) count++;
        }
        return count;
    }

    /** Element {@code i} of {@code g} times the pending unscale factor, in g's type, is finite (scalar: failure paths only). */
    private boolean finiteAfterUnscale(Tensor g, long i) {
        double inv = pendingUnscale;
        return g.dtype() == DType.FLOAT64 ? Double.isFinite(g.getDouble(i) * inv) : Float.isFinite(g.getFloat(i) * (float) inv);
    }

    /** The first parameter, in update order, whose gradient has a non-finite element after unscaling; null if none. */
    private Parameter firstNonFinite() {
        for (ParamGroup<C> group : groups) {
            for (Parameter p : group.params()) {
                Tensor g = p.grad();
                if (g != null && !allFinite(g)) {
                    return p;
                }
            }
        }
        return null;
    }

    private boolean allFinite(Tensor g) {
        double inv = pendingUnscale;
        return switch (g.dtype()) {
            // a double sum of float32 squares is finite iff every element is; with inv > 1 the
            // unscaled product may overflow: rounding is monotone, so max f(|g|·inv) = f(max|g| · inv)
            case FLOAT32 -> inv <= 1 ? Double.isFinite(gradNorm.sumOfSquaresFloats(g.segment(), 0, g.size()))
                    : Float.isFinite((float) (gradNorm.maxAbsFloats(g.segment(), 0, g.size()) * inv));
            case FLOAT64 -> Double.isFinite(gradNorm.maxAbsDoubles(g.segment(), 0, g.size()) * inv);
            // the kernels decode a 16-bit gradient to float32, then scale it: as float32 above
            case BFLOAT16, FLOAT16 -> inv <= 1 ? Double.isFinite(halfNorm(g, false))
                    : Float.isFinite((float) (halfNorm(g, true) * inv));
            case UINT8 -> throw new IllegalStateException("a uint8 gradient passed the step's checks");
        };
    }

    // scratch of halfNorm: the optimizer is single-entry, so one is enough
    private float[] decoded;

    /**
     * The sum of squares (or, with {@code maxAbs}, the largest magnitude) of a bfloat16/float16
     * gradient's values: decoded to float32 chunk by chunk and reduced by the float32 kernel, the
     * chunks' results combined in order (the same bits on every backend).
     */
    private double halfNorm(Tensor g, boolean maxAbs) {
        if (decoded == null) {
            decoded = new float[StepPlan.CHUNK];
        }
        float[] chunk = decoded;
        MemorySegment scratch = MemorySegment.ofArray(chunk);
        double result = 0;
        for (long from = 0; from < g.size(); from += chunk.length) {
            int n = (int) Math.min(chunk.length, g.size() - from);
            for (int i = 0; i < n; i++) {
                chunk[i] = g.getFloat(from + i);
            }
            result = maxAbs ? Math.max(result, gradNorm.maxAbsFloats(scratch, 0, n))
                    : result + gradNorm.sumOfSquaresFloats(scratch, 0, n);
        }
        return result;
    }

    /** The failure path only: a scalar scan for the first offending element. */
    private NonFiniteGradientException nonFiniteException(Parameter p) {
        Tensor g = p.grad();
        for (long i = 0; i < g.size(); i++) {
            if (!finiteAfterUnscale(g, i)) {
                return new NonFiniteGradientException(label(p), i, g.dtype() == DType.FLOAT64 ? g.getDouble(i) : g.getFloat(i));
            }
        }
        throw new AssertionError("no non-finite element in " + label(p));
    }

    /**
     * Torch's {@code clip_grad_norm_(params, maxNorm, normType)} fused into the next step: computes
     * the total norm of every current gradient (the {@code normType}-norm of the per-tensor norms)
     * and records {@code coef = min(f(maxNorm) * reciprocal(total + f(1e-6)), 1)}, which the next
     * {@link #step()} (only that one) multiplies into each gradient element as the update kernel's
     * first operation. The result equals torch's in-place multiply followed by its step, bit for bit.
     *
     * <p>Unlike torch, <b>the gradients themselves are not modified</b>: code that reads them
     * between this call and the step sees the unclipped values. Calling it again before the step
     * replaces the recorded coefficient (computed from the unclipped gradients). Gradients that
     * change before the step are scaled by the coefficient of the old ones.
     *
     * <p>The norm is computed in the gradients' element type as torch does (float64 if any gradient
     * is float64), from double sums of squares in a fixed order, so every backend returns the same
     * bits; torch's float32 reduction may differ by an ulp or two. Without gradients it returns 0
     * and records no clipping. A non-finite total gives a NaN or zero coefficient, as in torch
     * with {@code error_if_nonfinite=False}.
     *
     * <p>After {@link #unscale}, the norm is that of the unscaled gradients: each per-tensor norm is
     * multiplied by the recorded {@code inv} (exactly torch's for the infinity norm; for the 2-norm
     * exactly torch's unscale-then-norm when {@code inv} is a power of two — every scale
     * {@link GradScaler} produces — and no unscaled element is subnormal), and the next step
     * multiplies each gradient by {@code f(inv · coef)}.
     *
     * @param maxNorm  the largest allowed total norm, ≥ 0 ({@code +∞} never clips)
     * @param normType 2 or {@link Double#POSITIVE_INFINITY}
     * @return the total norm before clipping
     */
    public final double clipGradNorm(double maxNorm, double normType) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("Invalid maxNorm: " + maxNorm + " (expected >= 0)");
        }
        if (normType != 2 && normType != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("Unsupported normType: " + normType + " (expected 2.0 or Infinity)");
        }
        enter();
        try {
            ensureOpen();
            if (clipValuePending) {
                // torch would measure, then scale, the clamped gradients: a clamp between two
                // multiplies, which the kernels' single scale-then-clamp cannot express
                throw new IllegalStateException("clipGradNorm() after clipGradValue() is not supported: call clipGradNorm()"
                        + " first (the clamp then applies to the norm-clipped gradients, as torch in that order)");
            }
            MutableList<Parameter> withGrad = params.select(p -> p.grad() != null);
            for (Parameter p : withGrad) {
                Checks.usable(label(p) + " grad", p.grad().segment(), false);
            }
            clipPending = true;
            if (withGrad.isEmpty()) {
                pendingClip = 1;
                return 0;
            }
            double inv = pendingUnscale;
            // 16-bit gradients are decoded to float32 (as the kernels see them) and count as float32
            boolean floats = withGrad.allSatisfy(p -> p.grad().dtype() != DType.FLOAT64);
            boolean infinity = normType == Double.POSITIVE_INFINITY;
            // per-tensor norms rounded to the element type, then the norm of their stack
            double total = 0;
            for (Parameter p : withGrad) {
                Tensor g = p.grad();
                double norm = switch (g.dtype()) {
                    case FLOAT32 -> infinity ? (float) (gradNorm.maxAbsFloats(g.segment(), 0, g.size()) * inv)
                            : (float) (Math.sqrt(gradNorm.sumOfSquaresFloats(g.segment(), 0, g.size())) * inv);
                    case FLOAT64 -> infinity ? gradNorm.maxAbsDoubles(g.segment(), 0, g.size()) * inv
                            : Math.sqrt(gradNorm.sumOfSquaresDoubles(g.segment(), 0, g.size())) * inv;
                    case BFLOAT16, FLOAT16 -> infinity ? (float) (halfNorm(g, true) * inv)
                            : (float) (Math.sqrt(halfNorm(g, false)) * inv);
                    case UINT8 -> throw new IllegalArgumentException("grad of " + label(p) + " is uint8");
                };
                total = infinity ? Math.max(total, norm) : total + norm * norm;
            }
            if (floats) {
                float t = (float) (infinity ? total : Math.sqrt(total));
                float coef = Math.min((1f / (t + 1e-6f)) * (float) maxNorm, 1f);
                pendingClip = coef;
                return t;
            }
            double t = infinity ? total : Math.sqrt(total);
            pendingClip = Math.min((1 / (t + 1e-6)) * maxNorm, 1);
            return t;
        } finally {
            busy.set(false);
        }
    }

    /**
     * Torch's {@code clip_grad_value_(params, clipValue)} fused into the next step: records that
     * every gradient element is clamped to {@code [-f(clipValue), f(clipValue)]} (the bound rounded
     * to the gradient's element type, as torch's {@code clamp_}), which the next {@link #step()}
     * (only that one) does in the update kernel right after the {@link #unscale}/{@link #clipGradNorm}
     * scale and before anything else. NaN elements stay NaN, as in torch. The result equals torch's
     * in-place clamp followed by its step, bit for bit; the gradients themselves are not modified.
     *
     * <p>Order as in torch: after {@link #unscale} the clamp applies to the unscaled gradients
     * ({@code clamp(g · inv)}); after {@link #clipGradNorm} to the norm-clipped ones
     * ({@code clamp(g · f(inv · coef))}). Calling it again before the step clamps to the smaller
     * bound, as two in-place clamps would. {@link #unscale} or {@link #clipGradNorm} after it is
     * rejected with {@link IllegalStateException} (see there). The {@link #nonFinitePolicy()} and
     * the overflow check after {@code unscale} look at the gradients before the clamp (torch's
     * {@code GradScaler} finds overflows in {@code unscale_}, before any clipping).
     *
     * @param clipValue the largest allowed magnitude, {@code >= 0}; {@code +∞} clamps nothing
     * @throws IllegalArgumentException if {@code clipValue} is NaN or negative; nothing is recorded
     */
    public final void clipGradValue(double clipValue) {
        double bound = Checks.clipValue(clipValue);
        enter();
        try {
            ensureOpen();
            pendingClipValue = Math.min(pendingClipValue, bound);
            clipValuePending = true;
        } finally {
            busy.set(false);
        }
    }

    /** The clamp bound {@link #clipGradValue} recorded for the next step, or {@code +∞}. */
    public final double pendingClipValue() {
        return pendingClipValue;
    }

    /**
     * The gradient scale recorded for the next step: the {@link #unscale} factor times the
     * {@link #clipGradNorm} coefficient, each 1 when not recorded.
     */
    public final double pendingGradScale() {
        return pendingUnscale * pendingClip;
    }

    /**
     * The gradient scale of the step in progress, for {@code withGradScale} on the step's
     * coefficients; 1 outside a step or when nothing was clipped.
     */
    protected final double gradScale() {
        return stepGradScale;
    }

    /**
     * The clamp bound of the step in progress, for {@code withClipValue} on the step's coefficients;
     * {@code +∞} outside a step or when nothing was value-clipped.
     */
    protected final double clipValue() {
        return stepClipValue;
    }

    private void checkGroupForStep(int g, C config) {
        ImmutableList<Parameter> params = groups.get(g).params();
        FlatGroup flat = flatGroups.get(g);
        // a flat block's own gradient views need no per-tensor checks beyond the block's
        boolean blockUsable = flat != null && flat.usable();
        int first = groupFirst.get(g);
        for (int k = 0; k < params.size(); k++) {
            Parameter p = params.get(k);
            Tensor grad = p.grad();
            if (grad == null) {
                continue; // skipped entirely, as torch skips p.grad is None
            }
            if (!blockUsable || grad != flat.blockGrad(k)) {
                checkForStep(p, grad);
                if (flat != null && grad.dtype() != flat.block.dtype()) {
                    throw new IllegalArgumentException("grad of " + label(p) + " is " + grad.dtype().torchName()
                            + " but its flat block holds " + flat.block.dtype().torchName()
                            + ": a flat group's gradients have the block's dtype");
                }
            }
            checkDTypes(config, p, grad);
            S state = states.get(first + k);
            if (state != null && state.step() == Long.MAX_VALUE) {
                throw new ArithmeticException("step count of " + label(p) + " would overflow: " + state.step());
            }
            if (state != null) {
                checkState(g, config, p, state);
            }
        }
    }

    private void checkForStep(Parameter p, Tensor grad) {
        MemorySegment data = p.data().segment(), g = grad.segment();
        // the messages are built only on failure: a step may check thousands of small tensors
        if (!data.scope().isAlive() || data.isReadOnly() || !g.scope().isAlive()) {
            Checks.usable(label(p) + " data", data, true);
            Checks.usable(label(p) + " grad", g, false);
        }
        p.checkGrad(grad);
        if (!disjointNative(data, g)) {
            Checks.disjoint(label(p) + " data", data, label(p) + " grad", g);
        }
    }

    /** True when both are native and share no byte; false means "check properly". */
    private static boolean disjointNative(MemorySegment a, MemorySegment b) {
        return a.isNative() && b.isNative() && (a.byteSize() == 0 || b.byteSize() == 0
                || a.address() + a.byteSize() <= b.address() || b.address() + b.byteSize() <= a.address());
    }

    /** {@code parameter #3 'bias'}: how messages name a registered parameter (built on failure paths only). */
    protected final String label(Parameter p) {
        return "parameter #" + indexOf.get(p) + (p.name().isEmpty() ? "" : " '" + p.name() + "'");
    }

    /** Zeroes every gradient in place (torch's {@code zero_grad(set_to_none=False)}). */
    public final void zeroGrad() {
        zeroGrad(false);
    }

    /** Zeroes every gradient in place, or with {@code setToNone} drops them so the next step skips them. */
    public final void zeroGrad(boolean setToNone) {
        enter();
        try {
            ensureOpen();
            if (!setToNone) {
                for (Parameter p : params) {
                    if (p.grad() != null) {
                        Checks.usable(label(p) + " grad", p.grad().segment(), true);
                    }
                }
            }
            for (Parameter p : params) {
                if (setToNone) {
                    p.setGrad(null);
                } else if (p.grad() != null) {
                    p.grad().zero();
                }
            }
        } finally {
            busy.set(false);
        }
    }

    /** Frees all optimizer state. Parameters and gradients belong to the caller and stay open. */
    @Override
    public final void close() {
        enter();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (workers != null) {
                workers.close();
                workers = null;
            }
            for (S s : states) {
                if (s != null) {
                    s.tensors().forEachValue(Tensor::close);
                }
            }
            closeResources();
        } finally {
            busy.set(false);
        }
    }

    /** Checkpoint hook: the states in parameter index order, null where a parameter has none yet. */
    final MutableList<S> stateSnapshot() {
        ensureOpen();
        return Lists.mutable.withAll(states);
    }

    /** Checkpoint hook: runs {@code action} while no step, zeroGrad or close can run. */
    final <T> T exclusively(CheckpointAccess.IoAction<T> action) throws java.io.IOException {
        enter();
        try {
            ensureOpen();
            return action.run();
        } finally {
            busy.set(false);
        }
    }

    /**
     * Checkpoint hook: replaces every state, every group's config and the step count at once. The
     * arguments are complete and validated; this cannot fail halfway. Old state tensors are freed.
     */
    final void installCheckpoint(ListIterable<S> newStates, ListIterable<C> configs, long newStepCount) {
        enter();
        try {
            ensureOpen();
            if (newStates.size() != states.size() || configs.size() != groups.size() || newStepCount < 0) {
                throw new IllegalArgumentException("checkpoint does not fit: " + newStates.size() + " states for "
                        + states.size() + " parameters, " + configs.size() + " configs for " + groups.size() + " groups");
            }
            for (S s : states) {
                if (s != null) {
                    s.tensors().forEachValue(Tensor::close);
                }
            }
            for (int i = 0; i < newStates.size(); i++) {
                states.set(i, newStates.get(i));
            }
            for (int g = 0; g < groups.size(); g++) {
                groups.get(g).install(configs.get(g));
            }
            stepCount = newStepCount;
            stateEpoch++;
            resetPending();
            lastStepSkipped = false;
        } finally {
            busy.set(false);
        }
    }

    private void enter() {
        if (!busy.compareAndSet(false, true)) {
            throw new ConcurrentModificationException(
                    "optimizer used from two threads at once; step(), zeroGrad() and close() must not overlap");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("optimizer is closed");
        }
    }

    void checkConfig(C config) {
        Objects.requireNonNull(config, "config");
        validateConfig(config);
    }

    /**
     * Rejects a parameter and gradient whose dtypes this optimizer cannot update under
     * {@code config}, with a message naming the parameter ({@link #label}) and the dtype. Called for every parameter
     * with a gradient before anything is written. By default the kernels run on float32 and float64,
     * gradient and parameter of one dtype; Adam and AdamW also take 16-bit tensors (mixed precision).
     */
    protected void checkDTypes(C config, Parameter p, Tensor grad) {
        DType dtype = p.data().dtype();
        if (dtype != DType.FLOAT32 && dtype != DType.FLOAT64) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " runs on float32 and float64 parameters: "
                    + label(p) + " is " + dtype.torchName() + " (mixed precision: Adam and AdamW)");
        }
        if (grad.dtype() != dtype) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs the gradient in the parameter's dtype: "
                    + label(p) + " is " + dtype.torchName() + ", its grad " + grad.dtype().torchName());
        }
    }

    /** Rejects an existing state that a step under {@code config} cannot use; called before anything is written. */
    void checkState(int group, C config, Parameter p, S state) {
    }

    /** Rejects a group config this optimizer cannot run (beyond the record's own checks). */
    protected void validateConfig(C config) {
    }

    /**
     * Returns the state {@code p} needs for a step under {@code config}: {@code existing}, or a new
     * or extended one. Called for every parameter before any is updated; must not modify
     * parameters.
     */
    protected abstract S prepareState(Parameter p, S existing, C config);

    /** Advances {@code state} by one step and updates {@code p}; inputs have been checked. */
    protected abstract void update(Parameter p, S state, C config);
}
