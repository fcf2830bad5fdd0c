package dev.adamant.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where large tensors live: in their own anonymous mapping, 2 MiB-aligned and marked for
 * transparent huge pages ({@code madvise(MADV_HUGEPAGE)}), so that every stream of an optimizer
 * step runs through physically contiguous 2 MiB pages.
 *
 * <p>Why: with 4 KiB pages the step's speed in DRAM depended on where its buffers happened to lie.
 * Measured at 64M elements, one thread (a timing harness, best of 20 calls), the bf16-state step
 * took 0.80 ns/element on 64-byte-aligned arena buffers and 0.53-0.55 on page-aligned ones; on huge
 * pages 0.48-0.51, and the fp32 step 0.55 instead of 0.58-0.64. The hardware prefetchers stop at
 * every 4 KiB boundary, and a 2 MiB page costs one TLB entry instead of 512.
 *
 * <p>Needs Linux, native access for this module ({@code --enable-native-access}; the JDK warns
 * about restricted calls otherwise, so without it nothing is attempted) and may be switched off
 * with {@code -Dadamant.hugePages=false}. Anywhere else, and for tensors under one huge page, memory
 * comes from the arena as before: cache-line aligned, or page-aligned when large (see
 * {@link #allocate}). The kernel may still refuse huge pages (THP set to {@code never}, no free 2 MiB
 * frames); the mapping then works as ordinary memory.
 */
final class HugePages {
    static final long HUGE_PAGE = 2L << 20;
    private static final long SMALL_PAGE = 4096;
    // Linux's values on x86-64 and aarch64
    private static final int PROT_READ_WRITE = 0x1 | 0x2, MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20, MADV_HUGEPAGE = 14;

    private static final MethodHandle MMAP, MUNMAP, MADVISE;
    /** Why huge pages are not used, or null when they are. */
    private static final String UNAVAILABLE;

    static {
        MethodHandle mmap = null, munmap = null, madvise = null;
        String unavailable = unavailability();
        if (unavailable == null) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.findOrThrow("mmap"), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                munmap = linker.downcallHandle(libc.findOrThrow("munmap"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.findOrThrow("madvise"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                unavailable = "libc's mmap/madvise not found: " + e;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
        UNAVAILABLE = unavailable;
    }

    private HugePages() {
    }

    private static String unavailability() {
        if (!Boolean.parseBoolean(System.getProperty("adamant.hugePages", "true"))) {
            return "switched off (-Dadamant.hugePages=false)";
        }
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return "not Linux";
        }
        if (!HugePages.class.getModule().isNativeAccessEnabled()) {
            return "no native access (run with --enable-native-access=ALL-UNNAMED, or this module's name)";
        }
        try {
            String thp = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"));
            if (thp.contains("[never]")) {
                return "transparent huge pages are set to never";
            }
        } catch (java.io.IOException | SecurityException e) {
            return "no transparent huge pages in this kernel";
        }
        return null;
    }

    /** Null when large tensors get huge pages; otherwise why not. */
    static String unavailableBecause() {
        return UNAVAILABLE;
    }

    /**
     * {@code bytes} of zeroed memory, freed when {@code arena} closes. From one huge page up, and
     * when available, a mapping of its own on huge pages; otherwise from the arena, page-aligned
     * from one huge page up (measured: the bf16-state step at 64M ran 1.5x slower with its buffers
     * 64 bytes into their pages than with them page-aligned; the cause was not established) and
     * cache-line aligned below.
     */
    static MemorySegment allocate(Arena arena, long bytes) {
        return allocate(arena, bytes, UNAVAILABLE == null);
    }

    /** {@link #allocate(Arena, long)}, with or without huge pages (tests take both paths). */
    static MemorySegment allocate(Arena arena, long bytes, boolean huge) {
        if (bytes < HUGE_PAGE) {
            return arena.allocate(bytes, Tensor.ALIGNMENT);
        }
        if (huge) {
            MemorySegment mapped = map(arena, bytes);
            if (mapped != null) {
                return mapped;
            }
        }
        return arena.allocate(bytes, SMALL_PAGE);
    }

    /** A mapping of bytes + one huge page, used from its first 2 MiB boundary; null if mmap refused. */
    private static MemorySegment map(Arena arena, long bytes) {
        long length = bytes + HUGE_PAGE;
        try {
            MemorySegment raw = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (raw.address() == -1L) {
                return null; // MAP_FAILED: the arena gets its chance, and reports running out itself
            }
            long start = (raw.address() + HUGE_PAGE - 1) & -HUGE_PAGE;
            // only whole huge pages: a partial last one stays on small pages rather than take 2 MiB.
            // The unused head and tail are never touched, so they take no memory.
            // A refusal (THP compiled out) leaves ordinary memory, which works as well, only slower.
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), bytes & -HUGE_PAGE, MADV_HUGEPAGE);
            long rawAddress = raw.address();
            return MemorySegment.ofAddress(start).reinterpret(bytes, arena, unused -> unmap(rawAddress, length));
        } catch (Throwable e) {
            throw new IllegalStateException("mmap of " + bytes + " bytes failed", e);
        }
    }

    private static void unmap(long address, long length) {
        try {
            int result = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
            assert result == 0 : "munmap failed";
        } catch (Throwable e) {
            throw new IllegalStateException("munmap of " + length + " bytes failed", e);
        }
    }
}
