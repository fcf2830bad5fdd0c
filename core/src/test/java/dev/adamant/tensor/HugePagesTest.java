package dev.adamant.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HugePagesTest {
    private static final long MIB = 1 << 20;

    /** The tests run with native access on Linux (the build's argLine): huge pages must be on there. */
    @Test
    void theBuildsJvmHasHugePages() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "Linux only");
        assumeTrue(Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")), "kernel without THP");
        assertNull(Tensor.hugePagesUnavailableBecause());
    }

    @ParameterizedTest
    @ValueSource(longs = {2 * MIB, 2 * MIB + 4, 5 * MIB + 4096 + 12, 64 * MIB})
    void aLargeTensorIsAMappingOfItsOwnOnHugePages(long bytes) throws IOException {
        assumeTrue(Tensor.hugePagesUnavailableBecause() == null, () -> Tensor.hugePagesUnavailableBecause());
        long address;
        try (Tensor t = Tensor.allocate(DType.UINT8, bytes)) {
            MemorySegment s = t.segment();
            address = s.address();
            assertEquals(0, address % HugePages.HUGE_PAGE, "starts on a huge page");
            assertEquals(bytes, s.byteSize());
            assertZeroedAndWritable(s);
            List<String> vma = mappingOf(address);
            // "hg": madvise(MADV_HUGEPAGE) took; whether the kernel had 2 MiB frames free is its business
            assertTrue(vma.stream().anyMatch(line -> line.startsWith("VmFlags:") && line.contains(" hg")), String.join("\n", vma));
        }
        assertTrue(mappingOf(address).isEmpty(), "unmapped when the tensor closes");
    }

    @Test
    void aCallerArenaFreesTheMappingWhenItCloses() throws IOException {
        assumeTrue(Tensor.hugePagesUnavailableBecause() == null, () -> Tensor.hugePagesUnavailableBecause());
        long address;
        try (Arena arena = Arena.ofShared()) {
            Tensor t = Tensor.allocate(arena, DType.FLOAT32, MIB);
            address = t.segment().address();
            assertFalse(mappingOf(address).isEmpty());
            t.close(); // leaves the caller's arena alone
            assertTrue(t.isAlive());
            assertZeroedAndWritable(t.segment());
        }
        assertTrue(mappingOf(address).isEmpty());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2 * MIB - 1})
    void smallTensorsComeFromTheArenaCacheLineAligned(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            arena.allocate(3);
            MemorySegment s = HugePages.allocate(arena, bytes, true);
            assertEquals(0, s.address() % Tensor.ALIGNMENT);
            assertEquals(bytes, s.byteSize());
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {2 * MIB, 3 * MIB + 5})
    void withoutHugePagesALargeTensorIsPageAligned(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            arena.allocate(3);
            MemorySegment s = HugePages.allocate(arena, bytes, false);
            assertEquals(0, s.address() % 4096);
            assertEquals(bytes, s.byteSize());
            assertZeroedAndWritable(s);
        }
    }

    private static void assertZeroedAndWritable(MemorySegment s) {
        long last = s.byteSize() - 1;
        for (long at : new long[] {0, s.byteSize() / 2, last}) {
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, at), "zero at " + at);
            s.set(ValueLayout.JAVA_BYTE, at, (byte) 7);
            assertEquals(7, s.get(ValueLayout.JAVA_BYTE, at));
        }
        assertEquals(-1, s.asSlice(1, s.byteSize() / 2 - 1).mismatch(MemorySegment.ofArray(new byte[(int) (s.byteSize() / 2 - 1)])),
                "zeroed");
    }

    /** The lines of /proc/self/smaps for the mapping that contains {@code address}; empty if none does. */
    private static List<String> mappingOf(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash <= 0 || space < dash || !isHex(line.substring(0, dash))) {
                continue;
            }
            long from = HexFormat.fromHexDigitsToLong(line.substring(0, dash));
            long to = HexFormat.fromHexDigitsToLong(line.substring(dash + 1, space));
            if (Long.compareUnsigned(address, from) >= 0 && Long.compareUnsigned(address, to) < 0) {
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                    end++;
                }
                return lines.subList(i, end);
            }
        }
        return List.of();
    }

    private static boolean isHex(String s) {
        return !s.isEmpty() && s.length() <= 16 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }
}
