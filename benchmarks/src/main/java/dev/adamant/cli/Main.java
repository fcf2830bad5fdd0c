package dev.adamant.cli;

/** Placeholder entry point; replaced by the command-line tool. */
public final class Main {
    public static void main(String[] args) {
        System.out.println(dev.adamant.kernel.Backends.defaultBackend());
    }
}
