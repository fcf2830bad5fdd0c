package dev.adamant.kernel;

import dev.adamant.precision.BlockCode;

/**
 * The contract of a fused mixed-precision Adam/AdamW step: one pass over elements {@code [from, to)}
 * that decodes the parameter (or reads its fp32 master copy), the gradient and both moments to
 * float32, runs {@link AdamKernel}'s exact operations on them (amsgrad included: the running
 * maximum of the second moment is a third state buffer in the state format), and writes
 * everything back in its format: moments rounded to nearest even (bf16) or requantized per block
 * (8-bit), the master copy in float32 and the parameter rounded from it.
 *
 * <p>With 8-bit state, the update of a block of {@link BlockCode#BLOCK} elements uses the moments
 * in float32 before requantization (as bitsandbytes does); each block's new scale is the absolute
 * maximum of its new moment, {@code [from, to)} starts on a block boundary and ends on one or at the
 * end of the buffers. With every format float32 the result is bit for bit {@link AdamKernel}'s.
 *
 * <p>Implementations trust their arguments (the entry point {@code MixedAdamUpdate} checks them).
 */
public interface MixedAdamKernel {

    KernelKind<MixedAdamKernel> KIND = new KernelKind<>("mixed-adam", MixedAdamKernel.class, ScalarMixedAdamKernel::of);

    /**
     * @param c        the step's coefficients; with {@link AdamCoefficients#amsgrad()} the buffers
     *                 hold {@link MixedAdamBuffers#maxExpAvgSq()}
     * @param noiseKey {@link dev.adamant.precision.RoundingNoise#stepKey} of the step, used only with
     *                 stochastic rounding
     */
    void update(MixedLayout layout, AdamCoefficients c, long noiseKey, MixedAdamBuffers b, long from, long to);
}
