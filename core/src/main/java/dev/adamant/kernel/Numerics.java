package dev.adamant.kernel;

/** How a kernel may order its floating-point operations. */
public enum Numerics {
    /**
     * PyTorch's operation order, rounding for rounding: results equal torch's CPU optimizers bit for
     * bit, whatever the lane width. The default.
     */
    EXACT,
    /**
     * Constants folded once per step so that each element needs one division instead of two, and
     * AdamW's decay fused with the update. Every lane width still gives the same bits as the scalar
     * fast kernel; against torch the result stays within 16 ulp of the largest magnitude per tensor.
     * See {@link AdamKernel} for the exact difference. SGD and RMSprop have no per-step constant
     * to fold: their FAST is EXACT ({@link SgdKernel}, {@link RmsPropKernel}).
     */
    FAST
}
