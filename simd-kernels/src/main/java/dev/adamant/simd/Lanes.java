package dev.adamant.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** The float and double species of one vector width: the class data of one kernel copy. */
record Lanes(VectorSpecies<Float> floats, VectorSpecies<Double> doubles) {

    static Lanes ofBits(int bits) {
        VectorShape shape = VectorShape.forBitSize(bits);
        return new Lanes(FloatVector.SPECIES_128.withShape(shape), DoubleVector.SPECIES_128.withShape(shape));
    }

    int bits() {
        return floats.vectorBitSize();
    }
}
