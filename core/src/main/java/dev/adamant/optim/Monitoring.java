package dev.adamant.optim;

/**
 * How much a step reports about itself (see {@link Optimizer#lastStepStats()}). The vector kernels
 * of every optimizer but LAMB compute the statistics inside their update loop, from the values they
 * already hold (the update is bound by its square roots and divisions, which leave room for the
 * extra additions); the scalar kernels and LAMB compute them chunk by chunk right after the update,
 * while the chunk is in cache. Either way a monitored step reads and writes main memory as often as
 * a plain one, and updates the parameters and state to the same bits.
 */
public enum Monitoring {
    /** No statistics; the step does no extra work. */
    OFF,
    /** One {@link UpdateStats} per parameter group. */
    PER_GROUP,
    /** Per group and per parameter tensor. */
    PER_TENSOR
}
