package dev.adamant.checkpoint;

/**
 * How {@link Checkpoints#load(dev.adamant.optim.Optimizer, java.nio.file.Path, LoadMode)} reads the
 * file. Both validate the same way and verify the checksum over exactly the bytes they install, before
 * installing anything.
 */
public enum LoadMode {
    /** Reads the data section through a 1 MiB staging buffer with positional reads. */
    READ,
    /**
     * Maps the whole file read-only ({@code FileChannel.map} into a {@code MemorySegment} of a confined
     * arena) and copies each tensor straight from the mapping into its new aligned off-heap tensor: no
     * staging buffer, no heap copy of the data. The mapping is released before the load returns. The
     * file must not be truncated by another process meanwhile (the JVM would fault on the missing
     * pages); files written by {@link Checkpoints#save} are replaced by rename, never truncated.
     */
    MAP
}
