package dev.adamant.schedule;

/**
 * A schedule defined as torch's chainable schedulers define it: a first value and
 * {@code next(previous, epoch)}. Torch multiplies the group's current lr step by step, which
 * rounds differently from the closed form in the last bits; replaying the recurrence gives
 * torch's values exactly.
 *
 * <p>Evaluating in step order (what an optimizer does) costs O(1) per call; going back restarts
 * from the first step. Thread-safe.
 */
final class Recurrence implements Schedule {
    interface Next {
        /** The value at {@code epoch} (torch's {@code last_epoch}, {@code >= 1}) from the one before it. */
        double next(double previous, long epoch);
    }

    private final double first;
    private final Next next;
    private long epoch;
    private double value;

    Recurrence(double first, Next next) {
        this.first = first;
        this.next = next;
        this.value = first;
    }

    @Override
    public synchronized double valueAt(long step) {
        Schedules.checkStep(step);
        long target = step - 1;
        if (target < epoch) {
            epoch = 0;
            value = first;
        }
        while (epoch < target) {
            epoch++;
            value = next.next(value, epoch);
        }
        return value;
    }
}
