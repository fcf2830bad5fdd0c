package dev.adamant.simd;

import dev.adamant.kernel.AdamKernel;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every width and mode runs in its own hidden copy of the kernel class, whose static species is that width. */
class HiddenKernelClassTest {

    @BeforeEach
    void simdOnly() {
        Simd.assumeSimd();
    }

    @Test
    void eachWidthHasItsOwnHiddenClass() throws Exception {
        Class<?> template = Class.forName("dev.adamant.simd.VectorAdamKernel", false, getClass().getClassLoader());
        assertFalse(template.isHidden());
        Set<Class<?>> classes = new HashSet<>();
        for (int bits : new int[]{128, 256, 512}) {
            AdamKernel exact = Backends.vector(bits, Numerics.EXACT).orElseThrow().adam();
            AdamKernel fast = Backends.vector(bits, Numerics.FAST).orElseThrow().adam();
            Class<?> k = exact.getClass();
            assertTrue(k.isHidden(), k::getName);
            assertNotSame(template, k);
            assertTrue(k.getName().startsWith("dev.adamant.simd.VectorAdamKernel/"), k.getName());
            assertTrue(fast.getClass().isHidden(), fast.getClass()::getName);
            assertNotSame(k, fast.getClass(), "each numerics mode has its own copy, compiled for that mode only");
            assertSame(k, Backends.vector(bits, Numerics.EXACT).orElseThrow().adam().getClass(), "one copy per width and mode, reused");
            assertEquals(bits, speciesBits(fast.getClass(), "F"), "float species of the " + bits + "-bit fast copy");
            assertEquals(bits, speciesBits(k, "F"), "float species of the " + bits + "-bit copy");
            assertEquals(bits, speciesBits(k, "D"), "double species of the " + bits + "-bit copy");
            classes.add(k);
        }
        assertEquals(3, classes.size(), () -> "classes " + classes);
    }

    @Test
    void theProviderRefusesWidthsThisMachineLacks() {
        var e = assertThrows(IllegalArgumentException.class, () -> new VectorKernelProvider().kernel(dev.adamant.kernel.AdamKernel.KIND, 1024, Numerics.EXACT));
        assertTrue(e.getMessage().contains("1024"), e.getMessage());
    }

    /** The vector bit size of the static final species field {@code name} of a kernel copy. */
    private static int speciesBits(Class<?> kernel, String name) throws Exception {
        Field f = kernel.getDeclaredField(name);
        f.setAccessible(true);
        Object species = f.get(null);
        Class<?> speciesType = Class.forName("jdk.incubator.vector.VectorSpecies");
        return (int) speciesType.getMethod("vectorBitSize").invoke(species);
    }
}
