package dev.adamant.simd;

import jdk.incubator.vector.FloatVector;

/**
 * One Adam step's float32 coefficients broadcast to a vector, and its switches. A top-level
 * record, not nested in a kernel template: a hidden copy of a template cannot use the template's
 * nested classes (they would link to the template itself, whose static initialiser has no class
 * data), and its private members are not accessible to the copy.
 */
record AdamBroadcasts(FloatVector beta1, FloatVector oneMinusBeta1, FloatVector beta2, FloatVector oneMinusBeta2,
                      FloatVector wd, FloatVector decay, FloatVector negStep, FloatVector eps,
                      FloatVector sqrtBc2, FloatVector gradScale,
                      boolean l2, boolean decoupled, boolean maximize, boolean scaled, boolean amsgrad) {
}
