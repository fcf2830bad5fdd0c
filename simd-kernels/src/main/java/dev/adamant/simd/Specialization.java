package dev.adamant.simd;

import dev.adamant.kernel.Numerics;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;

/**
 * What one kernel copy is specialised for: the float and double species of one vector width and
 * one numerics mode. It is the copy's class data, so C2 sees each part as a constant.
 */
record Specialization(VectorSpecies<Float> floats, VectorSpecies<Double> doubles, Numerics numerics) {

    static Specialization of(int bits, Numerics numerics) {
        VectorShape shape = VectorShape.forBitSize(bits);
        return new Specialization(FloatVector.SPECIES_128.withShape(shape), DoubleVector.SPECIES_128.withShape(shape),
                numerics);
    }

    /**
     * The class data of the kernel copy whose lookup this is; called once, from the copy's static
     * initialiser ({@code Specialization.of(MethodHandles.lookup())}).
     */
    static Specialization of(MethodHandles.Lookup copy) {
        try {
            return MethodHandles.classData(copy, ConstantDescs.DEFAULT_NAME, Specialization.class);
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    int bits() {
        return floats.vectorBitSize();
    }

    @Override
    public String toString() {
        return bits() + "-bit " + numerics.name().toLowerCase(java.util.Locale.ROOT);
    }
}
