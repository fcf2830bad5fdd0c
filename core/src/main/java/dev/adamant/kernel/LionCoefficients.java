package dev.adamant.kernel;

/**
 * The scalars of one Lion step, in double; kernels round each to the element type once.
 *
 * @param decayFactor 1 - lr·wd; exactly 1 means no decay op
 * @param negLr       -lr
 */
public record LionCoefficients(double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2,
                               double decayFactor, double negLr, boolean maximize) {

    public static LionCoefficients of(double lr, double beta1, double beta2, double weightDecay, boolean maximize) {
        return new LionCoefficients(beta1, 1 - beta1, beta2, 1 - beta2, 1 - lr * weightDecay, -lr, maximize);
    }
}
