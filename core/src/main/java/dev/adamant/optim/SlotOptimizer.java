package dev.adamant.optim;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.LambKernel;
import dev.adamant.kernel.MixedLayout;
import dev.adamant.kernel.StatsAccumulator;
import dev.adamant.kernel.StepStatsKernel;
import dev.adamant.kernel.StepStatsSink;
import dev.adamant.tensor.Tensor;
import org.eclipse.collections.api.factory.Lists;
import org.eclipse.collections.api.list.ListIterable;
import org.eclipse.collections.api.list.MutableList;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import java.util.Set;

/**
 * An optimizer whose state is a set of {@link Slot}s per parameter: it names the slots a config
 * needs, computes a step's kernel coefficients and runs its kernel over an element range;
 * allocation, the step count, the all-or-nothing rule and the dispatch are here.
 *
 * <p>The dispatch of one step: the parameters with gradients become {@link KernelRun}s — a whole
 * flat group ({@link FlatParameters}) whose parameters all have the block's gradients and states in
 * step is one run crossing tensor boundaries, anything else one run per parameter — and the runs
 * are cut into chunks of {@value StepPlan#CHUNK} elements ({@link StepPlan}) that run on the
 * optimizer's threads. An optimizer with a per-tensor reduction (LAMB's norms) gets per-parameter
 * runs and two passes: the reduction over every chunk, the partial sums combined per run in piece
 * order, then the update. A parameter updated in mixed precision ({@link #mixedLayout}) is a run of its
 * own, with state tensors of its own ({@link #parameterSlots}), also in a flat group.
 *
 * @param <K> the kernel coefficients of one step of one run
 */
public abstract class SlotOptimizer<C extends OptimizerConfig<C>, S extends SlotState, K> extends Optimizer<C, S> {
    private final StepPlan plan = new StepPlan();
    private final KernelRun referenceRun = new KernelRun();
    private final double[] referencePartials = new double[StepPlan.PARTIALS];
    private final ChunkWorkers.ChunkTask reductionTask = this::reduceChunk;
    private final ChunkWorkers.ChunkTask updateTask = this::updateChunk;
    private final StepMonitor monitor;
    // whether this step's chunks feed the monitor
    private boolean monitorStep;
    private final StatsAccumulator runStats = new StatsAccumulator();
    private StatsAccumulator[] groupStats = new StatsAccumulator[0];
    private boolean perTensorReference;
    // per group: its config's slots, and the config they belong to
    private final MutableList<Slot[]> groupSlots = Lists.mutable.empty();
    private final MutableList<C> groupSlotsConfig = Lists.mutable.empty();

    protected SlotOptimizer(C defaults, Backend backend) {
        super(defaults, backend);
        this.monitor = new StepMonitor(backend.kernel(StepStatsKernel.KIND));
    }

    /** A new, empty state. */
    protected abstract S newState();

    /** The slots a step under {@code config} needs; missing ones are created before any update. */
    protected abstract Iterable<Slot> slots(C config);

    /**
     * Every slot name this optimizer's states can hold, under any config: a checkpoint naming another
     * slot is for another optimizer and is rejected.
     */
    protected abstract Set<String> slotNames();

    /**
     * Mixed precision: the slots a parameter with data {@code data} keeps under {@code config} when
     * they depend on the parameter (its dtype and size: compact state, master copy), or null when
     * they are {@link #slots(OptimizerConfig) slots(config)} in the parameter's dtype (the default).
     * Must return the same array for the same formats. A group whose parameters get their own slots
     * keeps every state tensor per parameter, also in flat storage.
     */
    protected Slot[] parameterSlots(C config, Tensor data) {
        return null;
    }

    /**
     * Mixed precision: the formats a step under {@code config} updates a parameter in (from its data
     * and gradient dtypes), or null for a plain update in the parameter's dtype (the default). Called
     * only for parameters that {@link #checkDTypes} accepted; the run then carries it ({@link KernelRun#layout()}).
     */
    protected MixedLayout mixedLayout(C config, Tensor data, Tensor grad) {
        return null;
    }

    /** Mixed precision with stochastic rounding: the noise key of parameter {@code index}'s step {@code state.step()}. */
    protected long noiseKey(C config, S state, int index) {
        return 0;
    }

    /**
     * The slot {@code name} of a parameter with data {@code data} under {@code config}, or null when
     * such a parameter has no slot of that name under it: checkpoints check each saved state
     * tensor's dtype and size against it.
     */
    protected Slot slotOf(C config, Tensor data, String name) {
        Slot[] own = parameterSlots(config, data);
        if (own != null) {
            for (Slot slot : own) {
                if (slot.name().equals(name)) {
                    return slot;
                }
            }
            return null;
        }
        // under any config: a slot switched off (amsgrad) may still be held, as after a step with it
        return slotNames().contains(name) ? Slot.zeros(name) : null;
    }

    /**
     * Rejects a checkpoint's group config whose state cannot continue under the group's current
     * one (mixed precision: another state format); none by default.
     */
    protected void checkRestoredConfig(C current, C restored) {
    }

    /** Every scalar state name (NAdam's {@code mu_product}); none by default. */
    protected Set<String> scalarNames() {
        return Set.of();
    }

    /**
     * The kernel coefficients of this step for a parameter with {@code state}; {@code state.step()}
     * already counts this step and {@link SlotState#isFresh} tells which slots this step created.
     * Must not change the state (see {@link #advance}).
     */
    protected abstract K coefficients(S state, C config);

    /** Scalar state that moves with the step (NAdam's {@code mu_product}); once per parameter and step. */
    protected void advance(S state, K coefficients) {
    }

    /**
     * Runs the update over elements {@code [from, to)} of {@code run}. On a monitored step
     * {@code stats} points at the range's accumulator and at the moments {@link #monitoredSlots}
     * names, and the range's figures are added there with the same update bits; optimizers pass it to
     * their kernel's monitored entry (vector kernels compute the figures inside the update loop, the
     * others run the two-pass fallback). Null on a step that is not monitored.
     */
    protected abstract void runKernel(K coefficients, KernelRun run, long from, long to, StepStatsSink stats);

    /** True for optimizers that reduce over each tensor before updating it (LAMB): per-tensor runs, two passes. */
    protected boolean hasReductionPass() {
        return false;
    }

    /** The reduction pass over {@code [from, to)}: writes its two partial sums at {@code partials[at]} and {@code [at + 1]}. */
    protected void reduce(K coefficients, KernelRun run, long from, long to, double[] partials, int at) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no reduction pass");
    }

    /** The run's scalar for {@link KernelRun#scalar()} from the partial sums, each added in piece order. */
    protected double finishReduction(K coefficients, double first, double second) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no reduction pass");
    }

    /**
     * Test hook: with {@code true}, every parameter is updated by its own kernel call over its whole
     * range, as before flat storage and chunking (LAMB's norms still blockwise, see
     * {@link LambKernel#NORM_BLOCK}): the reference the chunked, threaded dispatch must equal bit for bit.
     */
    final void setPerTensorReference(boolean perTensorReference) {
        this.perTensorReference = perTensorReference;
    }

    /** The slots of group {@code g}'s config, kept while the config object stays the same. */
    private Slot[] slotsOf(int g, C config) {
        while (groupSlots.size() <= g) {
            groupSlots.add(null);
            groupSlotsConfig.add(null);
        }
        if (groupSlotsConfig.get(g) != config) {
            Slot[] slots = Lists.mutable.withAll(slots(config)).toArray(new Slot[0]);
            // the same slots keep the same array: states prepared for it stay prepared
            if (!Arrays.equals(slots, groupSlots.get(g))) {
                groupSlots.set(g, slots);
            }
            groupSlotsConfig.set(g, config);
        }
        return groupSlots.get(g);
    }

    @Override
    final void prepareStates() {
        ListIterable<ParamGroup<C>> groups = groups();
        for (int g = 0; g < groups.size(); g++) {
            C config = groups.get(g).config();
            Slot[] slots = slotsOf(g, config);
            FlatGroup flat = flatState(g, config);
            if (flat != null) {
                // every parameter already holding every slot as its view of the group's buffers: nothing to do
                flat.preparedThisStep = flat.preparedSlots != slots || flat.preparedEpoch != stateEpoch();
                if (!flat.preparedThisStep) {
                    continue;
                }
            }
            ListIterable<Parameter> params = groups.get(g).params();
            int first = firstIndex(g);
            boolean all = true;
            for (int k = 0; k < params.size(); k++) {
                Parameter p = params.get(k);
                if (p.grad() != null) {
                    Slot[] own = parameterSlots(config, p.data());
                    setStateAt(first + k, prepareState(p, stateAt(first + k), own == null ? slots : own, flat, k));
                } else {
                    all = false;
                }
            }
            if (flat != null && all) {
                flat.preparedSlots = slots;
                flat.preparedEpoch = stateEpoch();
            }
        }
    }

    /** Group {@code g}'s flat layout when its state may live in the group's buffers (slots like the parameters), else null. */
    private FlatGroup flatState(int g, C config) {
        FlatGroup flat = flatGroup(g);
        return flat == null || parameterSlots(config, groups().get(g).params().get(0).data()) == null ? flat : null;
    }

    /** A state's existing slots must have the formats the step's config gives them: they are never converted. */
    @Override
    final void checkState(int g, C config, Parameter p, S state) {
        Slot[] own = parameterSlots(config, p.data());
        Slot[] slots = own == null ? slotsOf(g, config) : own;
        if (state.preparedSlots == slots) {
            return;
        }
        for (Slot slot : slots) {
            Tensor t = state.tensor(slot.name());
            if (t != null && !slot.fits(t, p.data())) {
                throw new IllegalStateException(label(p) + " holds " + slot.name() + " as " + t.dtype().torchName() + " of "
                        + t.size() + " elements, but the group's config keeps it as "
                        + slot.storage().describe(p.data().dtype()) + " of " + slot.storage().size(p.data().size())
                        + " elements: a state's format cannot change once it exists");
            }
        }
    }

    /**
     * The state slots monitoring reports for a step under a config, by name; null where the
     * optimizer has none. {@code secondMoment} is the one in the update's denominator and
     * {@code center} is subtracted from it squared (centered RMSprop).
     */
    protected record MonitoredSlots(String firstMoment, String secondMoment, String center) {
        static final MonitoredSlots NONE = new MonitoredSlots(null, null, null);
    }

    /** The slots monitoring reads; none by default. */
    protected MonitoredSlots monitoredSlots(C config) {
        return MonitoredSlots.NONE;
    }

    /**
     * Monitoring: the learning rate this step applied to an element whose second moment (as
     * {@link #monitoredSlots} names it) is {@code q}: {@code lr / (sqrt(v̂) + eps)} for Adam, with
     * each optimizer's own denominator and bias correction; {@code state.step()} counts this step.
     * The default, for optimizers without a second moment, is the group's lr. Non-increasing in q.
     */
    protected double effectiveLr(C config, S state, double q) {
        return config.lr();
    }

    @Override
    protected final S prepareState(Parameter p, S existing, C config) {
        Slot[] own = parameterSlots(config, p.data());
        return prepareState(p, existing, own != null ? own : Lists.mutable.withAll(slots(config)).toArray(new Slot[0]), null, -1);
    }

    /**
     * The state {@code p} needs for a step under {@code config}. In a flat group every slot is
     * the parameter's view of the group's buffer: new slots are filled in place, slots restored
     * from a checkpoint as separate tensors are copied in (and those freed).
     */
    private S prepareState(Parameter p, S existing, Slot[] slots, FlatGroup flat, int k) {
        if (existing != null && existing.preparedSlots == slots) {
            return existing;
        }
        S state = existing == null ? newState() : existing;
        try {
            for (Slot slot : slots) {
                String name = slot.name();
                Tensor current = state.tensor(name);
                if (flat == null) {
                    if (current == null) {
                        state.add(name, slot.allocate(p.data()));
                    }
                    continue;
                }
                Tensor view = flat.slotView(name, k);
                if (current == null) {
                    view.fill(slot.initialValue());
                    state.add(name, view);
                } else if (current != view) {
                    view.copyFrom(current);
                    state.restore(name, view);
                    current.close();
                }
            }
        } catch (RuntimeException | Error e) {
            if (existing == null) {
                state.tensors().forEachValue(Tensor::close);
            }
            throw e;
        }
        MemorySegment[] memory = new MemorySegment[slots.length];
        for (int i = 0; i < slots.length; i++) {
            memory[i] = state.tensor(slots[i].name()).segment();
        }
        state.preparedMemory = memory;
        state.preparedSlots = slots;
        return state;
    }

    /** The per-tensor reference: one parameter, its whole range, one kernel call per pass. */
    @Override
    protected final void update(Parameter p, S state, C config) {
        state.step++;
        K c = coefficients(state, config);
        advance(state, c);
        KernelRun run = referenceRun;
        run.reset(p.data().dtype(), p.data().segment(), p.grad().segment(), p.data().size(), c);
        run.stateIndex = indexOf(p);
        mixed(run, config, state, p, run.stateIndex);
        for (Slot slot : state.preparedSlots) {
            run.putSlot(slot.name(), state.tensor(slot.name()).segment());
        }
        long n = run.length;
        if (hasReductionPass()) {
            double first = 0, second = 0;
            for (long from = 0; from < n; from += LambKernel.NORM_BLOCK) {
                reduce(c, run, from, Math.min(n, from + LambKernel.NORM_BLOCK), referencePartials, 0);
                first += referencePartials[0];
                second += referencePartials[1];
            }
            run.scalar = finishReduction(c, first, second);
        }
        runKernel(c, run, 0, n, null);
        state.endStep();
    }

    @Override
    final void updateParameters() {
        if (perTensorReference) {
            for (int g = 0; g < groups().size(); g++) {
                if (flatGroup(g) != null) {
                    flatGroup(g).oneRunEpoch = -1;
                }
            }
            super.updateParameters();
            return;
        }
        monitorStep = monitoring() != Monitoring.OFF;
        buildPlan();
        if (monitorStep) {
            ChunkWorkers workers = plan.chunkCount > 1 ? workers() : null;
            monitor.prepare(plan.pieceCount, workers == null ? 1 : workers.threads());
        }
        if (hasReductionPass()) {
            runChunks(reductionTask);
            double[] partials = plan.partials;
            for (int r = 0; r < plan.runCount; r++) {
                KernelRun run = plan.run(r);
                double first = 0, second = 0;
                for (int piece = run.firstPiece; piece < run.endPiece; piece++) {
                    first += partials[piece * StepPlan.PARTIALS];
                    second += partials[piece * StepPlan.PARTIALS + 1];
                }
                run.scalar = finishReduction(coefficients(run), first, second);
            }
        }
        runChunks(updateTask);
        if (monitorStep) {
            recordStats(collectStats());
        }
        ListIterable<ParamGroup<C>> groups = groups();
        for (int g = 0; g < groups.size(); g++) {
            FlatGroup flat = flatGroup(g);
            if (flat != null && !flat.preparedThisStep) {
                continue; // no slot was created: nothing is fresh
            }
            ListIterable<Parameter> params = groups.get(g).params();
            int first = firstIndex(g);
            for (int k = 0; k < params.size(); k++) {
                if (params.get(k).grad() != null) {
                    stateAt(first + k).endStep();
                }
            }
        }
    }

    /** Advances every state with a gradient by one step and lays out this step's runs and chunks. */
    private void buildPlan() {
        plan.clear();
        ListIterable<ParamGroup<C>> groups = groups();
        for (int g = 0; g < groups.size(); g++) {
            C config = groups.get(g).config();
            Slot[] slots = slotsOf(g, config);
            ListIterable<Parameter> params = groups.get(g).params();
            int first = firstIndex(g);
            for (int k = 0; k < params.size(); k++) {
                if (params.get(k).grad() != null) {
                    stateAt(first + k).step++;
                }
            }
            FlatGroup flat = flatState(g, config);
            // per-tensor figures need per-tensor runs
            if (flat != null && !hasReductionPass() && monitoring() != Monitoring.PER_TENSOR
                    && runsAsOne(flat, params, first)) {
                flat.oneRunEpoch = stateEpoch();
                K c = coefficients(stateAt(first), config);
                for (int k = 0; k < params.size(); k++) {
                    advance(stateAt(first + k), c);
                }
                KernelRun run = plan.newRun();
                run.reset(flat.block.dtype(), flat.paramMemory, flat.gradMemory, flat.length, c);
                for (Slot slot : slots) {
                    run.putSlot(slot.name(), flat.slotMemory(slot.name()));
                }
                place(run, g, first, config);
                plan.cut(run);
                continue;
            }
            if (flat != null) {
                flat.oneRunEpoch = -1;
            }
            // parameters in step with the previous one share its coefficients (one record, not one
            // per tensor); the states advance once all are compared
            int firstRun = plan.runCount;
            S previous = null;
            K c = null;
            for (int k = 0; k < params.size(); k++) {
                Parameter p = params.get(k);
                if (p.grad() != null) {
                    S state = stateAt(first + k);
                    if (previous == null || !state.inStepWith(previous)) {
                        c = coefficients(state, config);
                    }
                    previous = state;
                    KernelRun run = plan.newRun();
                    run.reset(p.data().dtype(), p.data().segment(), p.grad().segment(), p.data().size(), c);
                    mixed(run, config, state, p, first + k);
                    Slot[] prepared = state.preparedSlots;
                    MemorySegment[] memory = state.preparedMemory;
                    for (int i = 0; i < prepared.length; i++) {
                        run.putSlot(prepared[i].name(), memory[i]);
                    }
                    place(run, g, first + k, config);
                    plan.cut(run);
                }
            }
            for (int k = 0, r = firstRun; k < params.size(); k++) {
                if (params.get(k).grad() != null) {
                    advance(stateAt(first + k), coefficients(plan.run(r++)));
                }
            }
        }
        plan.finish();
    }

    /** Sets a parameter's run to mixed precision when its formats call for it. */
    private void mixed(KernelRun run, C config, S state, Parameter p, int index) {
        MixedLayout layout = mixedLayout(config, p.data(), p.grad());
        run.layout = layout;
        run.noiseKey = layout != null && layout.stochasticRounding() ? noiseKey(config, state, index) : 0;
    }

    /** True when one kernel call may cover the whole flat group: block gradients, states in step, slots in the buffers. */
    private boolean runsAsOne(FlatGroup flat, ListIterable<Parameter> params, int first) {
        // after a step as one run with no slot created since, the states are still in step with each other
        boolean inStep = flat.oneRunEpoch == stateEpoch() && !flat.preparedThisStep;
        S head = stateAt(first);
        for (int k = 0; k < params.size(); k++) {
            Tensor grad = params.get(k).grad();
            if (grad == null || (grad != flat.blockGrad(k) && !flat.isBlockGrad(grad, k))) {
                return false;
            }
            if (!inStep && !stateAt(first + k).inStepWith(head)) {
                return false;
            }
        }
        return true; // prepareStates put every slot of every parameter with a gradient in the group's buffers
    }

    /** Records where {@code run} came from and, when monitoring, the moments it reports. */
    private void place(KernelRun run, int group, int stateIndex, C config) {
        run.group = group;
        run.stateIndex = stateIndex;
        if (monitorStep) {
            MonitoredSlots slots = monitoredSlots(config);
            run.firstMoment = slots.firstMoment() == null ? null : run.slot(slots.firstMoment());
            run.secondMoment = slots.secondMoment() == null ? null : run.slot(slots.secondMoment());
            run.center = slots.center() == null ? null : run.slot(slots.center());
        }
    }

    /** This step's figures: each run's pieces combined in plan order, then runs into their groups. */
    private StepStats collectStats() {
        ListIterable<ParamGroup<C>> groups = groups();
        int groupCount = groups.size();
        if (groupStats.length < groupCount) {
            groupStats = java.util.Arrays.copyOf(groupStats, groupCount);
            for (int g = 0; g < groupCount; g++) {
                if (groupStats[g] == null) groupStats[g] = new StatsAccumulator();
            }
        }
        double[] lrMin = new double[groupCount], lrMax = new double[groupCount];
        for (int g = 0; g < groupCount; g++) {
            groupStats[g].reset();
            lrMin[g] = Double.POSITIVE_INFINITY;
            lrMax[g] = Double.NEGATIVE_INFINITY;
        }
        boolean perTensor = monitoring() == Monitoring.PER_TENSOR;
        UpdateStats[] tensors = perTensor ? new UpdateStats[parameters().size()] : null;
        for (int r = 0; r < plan.runCount; r++) {
            KernelRun run = plan.run(r);
            StatsAccumulator stats = runStats.reset();
            for (int piece = run.firstPiece; piece < run.endPiece; piece++) {
                stats.add(monitor.piece(piece));
            }
            C config = groups.get(run.group).config();
            double low = config.lr(), high = config.lr();
            if (run.secondMoment != null) {
                S state = stateAt(run.stateIndex);
                // the rate falls as the second moment grows
                low = stats.elements == 0 ? Double.NaN : effectiveLr(config, state, stats.secondMomentMax);
                high = stats.elements == 0 ? Double.NaN : effectiveLr(config, state, stats.secondMomentMin);
            }
            if (stats.elements > 0) {
                lrMin[run.group] = Math.min(lrMin[run.group], low);
                lrMax[run.group] = Math.max(lrMax[run.group], high);
            }
            groupStats[run.group].add(stats);
            if (perTensor) {
                tensors[run.stateIndex] = UpdateStats.of(stats, run.firstMoment != null, run.secondMoment != null, low, high);
            }
        }
        UpdateStats[] perGroup = new UpdateStats[groupCount];
        for (int g = 0; g < groupCount; g++) {
            MonitoredSlots slots = monitoredSlots(groups.get(g).config());
            boolean any = lrMin[g] <= lrMax[g];
            perGroup[g] = UpdateStats.of(groupStats[g], slots.firstMoment() != null, slots.secondMoment() != null,
                    any ? lrMin[g] : Double.NaN, any ? lrMax[g] : Double.NaN);
        }
        return new StepStats(stepCount(), false, Lists.immutable.with(perGroup),
                perTensor ? Lists.immutable.with(tensors) : Lists.immutable.empty());
    }

    @SuppressWarnings("unchecked")
    private K coefficients(KernelRun run) {
        return (K) run.coefficients;
    }

    private void runChunks(ChunkWorkers.ChunkTask task) {
        int chunks = plan.chunkCount;
        ChunkWorkers workers = chunks > 1 ? workers() : null;
        if (workers == null) {
            for (int c = 0; c < chunks; c++) {
                task.run(c, 0);
            }
        } else {
            workers.run(task, chunks);
        }
    }

    private void reduceChunk(int chunk, int worker) {
        StepPlan p = plan;
        for (int piece = p.chunkStart[chunk]; piece < p.chunkStart[chunk + 1]; piece++) {
            KernelRun run = p.run(p.pieceRun[piece]);
            reduce(coefficients(run), run, p.pieceFrom[piece], p.pieceTo[piece], p.partials, piece * StepPlan.PARTIALS);
        }
    }

    private void updateChunk(int chunk, int worker) {
        StepPlan p = plan;
        boolean monitored = monitorStep;
        for (int piece = p.chunkStart[chunk]; piece < p.chunkStart[chunk + 1]; piece++) {
            KernelRun run = p.run(p.pieceRun[piece]);
            long from = p.pieceFrom[piece], to = p.pieceTo[piece];
            runKernel(coefficients(run), run, from, to,
                    monitored ? monitor.sink(piece, worker, run, gradScale(), clipValue()) : null);
        }
    }

    @Override
    void closeResources() {
        monitor.close();
        super.closeResources();
    }
}
