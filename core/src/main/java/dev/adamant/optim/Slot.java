package dev.adamant.optim;

/**
 * A state tensor an optimizer keeps per parameter, under torch's name, with the value torch
 * initialises it to (zeros, or Adagrad's {@code initial_accumulator_value}).
 */
public record Slot(String name, double initialValue) {

    public static Slot zeros(String name) {
        return new Slot(name, 0);
    }
}
