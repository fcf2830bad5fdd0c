package dev.adamant.testing;

import dev.adamant.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Byte copies of buffers taken before a call that must modify nothing; {@link #assertUnchanged()}
 * compares the live buffers with the copies byte for byte.
 */
public final class Snapshot {
    private record Entry(String name, MemorySegment live, byte[] copy) {
    }

    private final List<Entry> entries = new ArrayList<>();

    public Snapshot add(String name, MemorySegment segment) {
        entries.add(new Entry(name, segment, segment.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
        return this;
    }

    public Snapshot add(String name, Tensor tensor) {
        return add(name, tensor.segment());
    }

    public Snapshot add(String name, float[] array) {
        return add(name, MemorySegment.ofArray(array));
    }

    public Snapshot add(String name, double[] array) {
        return add(name, MemorySegment.ofArray(array));
    }

    /** Every tensor of a state map, named {@code prefix + "." + key}. */
    public Snapshot addAll(String prefix, Map<String, Tensor> tensors) {
        tensors.forEach((key, t) -> add(prefix + "." + key, t));
        return this;
    }

    public int size() {
        return entries.size();
    }

    public void assertUnchanged() {
        for (Entry e : entries) {
            long at = MemorySegment.ofArray(e.copy).mismatch(e.live);
            if (at >= 0) {
                fail(e.name + " was modified (first changed byte at offset " + at + ")");
            }
        }
    }
}
