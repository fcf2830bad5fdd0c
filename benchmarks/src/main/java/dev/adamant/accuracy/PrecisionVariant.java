package dev.adamant.accuracy;

import dev.adamant.kernel.MixedLayout;

import java.util.List;
import java.util.Optional;

/**
 * How one training run keeps its parameters, gradients and optimizer state: the plain float32
 * AdamW kernel ({@code AdamUpdate}), the reference every other variant is compared with, or a
 * mixed-precision layout run through {@code MixedAdamUpdate}.
 *
 * @param layout the mixed layout, or empty for the plain float32 kernel
 */
record PrecisionVariant(Optional<MixedLayout> layout) {

    static final PrecisionVariant FP32 = new PrecisionVariant(Optional.empty());

    static PrecisionVariant mixed(String layout) {
        return new PrecisionVariant(Optional.of(MixedLayout.parse(layout)));
    }

    /**
     * The variants of the accuracy report: the reference; the mixed kernel's all-fp32 layout, which
     * must give the reference's bits (a check of the harness, not a result); compact state under
     * fp32 parameters; bf16 parameters with an fp32 master copy; and bf16 parameters without one,
     * rounded to nearest and stochastically.
     */
    static final List<PrecisionVariant> ALL = List.of(FP32,
            mixed("fp32/fp32/fp32"),
            mixed("fp32/fp32/bf16"),
            mixed("fp32/fp32/8bit"),
            mixed("bf16+master/bf16/bf16"),
            mixed("bf16+master/bf16/8bit"),
            mixed("bf16/bf16/bf16"),
            mixed("bf16/bf16/bf16+sr"));

    boolean isReference() {
        return layout.isEmpty();
    }

    /** {@code fp32 AdamUpdate}, or the layout as {@link MixedLayout#toString()} names it. */
    String label() {
        return layout.map(MixedLayout::toString).orElse("fp32 AdamUpdate");
    }

    @Override
    public String toString() {
        return label();
    }
}
