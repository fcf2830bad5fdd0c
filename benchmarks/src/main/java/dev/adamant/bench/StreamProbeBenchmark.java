package dev.adamant.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * How fast can this machine move the bytes of an AdamW step, with almost no arithmetic? Per
 * element it reads p, g, m, v and writes p, m, v in place (28 bytes, like the update), with the
 * Vector API at the preferred width. Its figure is the limit every kernel figure is divided by.
 * (Copy or triad probes overstate it: their stores go to lines that were not read first.)
 */
public class StreamProbeBenchmark extends BenchmarkDefaults {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Param({"4096", "65536", "1048576", "16777216"})
    public int size;

    private Buffers buffers;

    @Setup
    public void setUp() {
        buffers = new Buffers(size);
    }

    @TearDown
    public void tearDown() {
        buffers.close();
    }

    @Benchmark
    public void readFourWriteThree() {
        MemorySegment p = buffers.param.segment(), g = buffers.grad.segment();
        MemorySegment m = buffers.expAvg.segment(), v = buffers.expAvgSq.segment();
        long upper = F.loopBound(size);
        for (long i = 0; i < upper; i += F.length()) {
            long at = i * Float.BYTES;
            FloatVector gv = FloatVector.fromMemorySegment(F, g, at, ORDER);
            FloatVector.fromMemorySegment(F, p, at, ORDER).add(gv).intoMemorySegment(p, at, ORDER);
            FloatVector.fromMemorySegment(F, m, at, ORDER).add(gv).intoMemorySegment(m, at, ORDER);
            FloatVector.fromMemorySegment(F, v, at, ORDER).add(gv).intoMemorySegment(v, at, ORDER);
        }
        // sizes in the suite are multiples of the vector length except the awkward ones,
        // whose few tail elements do not change the figure
    }
}
