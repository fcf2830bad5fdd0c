package dev.adamant.optim;

/**
 * How much a step reports about itself (see {@link Optimizer#lastStepStats()}). Statistics are
 * computed chunk by chunk right after the update kernel, while the chunk is in cache, so a monitored
 * step reads and writes main memory as often as a plain one.
 */
public enum Monitoring {
    /** No statistics; the step does no extra work. */
    OFF,
    /** One {@link UpdateStats} per parameter group. */
    PER_GROUP,
    /** Per group and per parameter tensor. */
    PER_TENSOR
}
