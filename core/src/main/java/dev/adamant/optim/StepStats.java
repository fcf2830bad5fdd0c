package dev.adamant.optim;

import org.eclipse.collections.api.list.ImmutableList;

/**
 * The statistics of one {@link Optimizer#step()}, when {@link Optimizer#setMonitoring monitoring}
 * is on.
 *
 * @param step    the optimizer's {@link Optimizer#stepCount()} after the step
 * @param skipped true when the step was skipped for a non-finite gradient: then only
 *                {@code nonFiniteGrads} is meaningful and nothing was updated
 * @param groups  one entry per parameter group, in group order (elements 0 for a group without
 *                gradients)
 * @param tensors one entry per registered parameter in state_dict index order under
 *                {@link Monitoring#PER_TENSOR} (null where a parameter had no gradient); empty otherwise
 */
public record StepStats(long step, boolean skipped, ImmutableList<UpdateStats> groups,
                        ImmutableList<UpdateStats> tensors) {
}
