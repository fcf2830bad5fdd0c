package dev.adamant.kernel;

import dev.adamant.precision.FloatFormat;
import dev.adamant.precision.StateFormat;

import java.util.Objects;

/**
 * The formats of one mixed-precision Adam update: of the parameter, of the gradient and of both
 * moments, chosen independently.
 *
 * @param param              format of the parameter buffer the model reads
 * @param master             an fp32 master copy is kept (only for a bf16 or fp16 parameter): it is
 *                           the one updated, and the parameter is written from it
 * @param grad               format of the gradient buffer
 * @param state              format of the two moment buffers
 * @param stochasticRounding a bf16 parameter without master copy is written with stochastic
 *                           rounding ({@link dev.adamant.precision.Bf16#fromFloatStochastic}) instead
 *                           of nearest-even, so that updates smaller than half its ulp still move it
 *                           on average
 */
public record MixedLayout(FloatFormat param, boolean master, FloatFormat grad, StateFormat state,
                          boolean stochasticRounding) {

    public MixedLayout {
        Objects.requireNonNull(param, "param");
        Objects.requireNonNull(grad, "grad");
        Objects.requireNonNull(state, "state");
        if (master && param == FloatFormat.FP32) {
            throw new IllegalArgumentException("an fp32 master copy needs a bf16 or fp16 parameter, not " + param);
        }
        if (stochasticRounding && (param != FloatFormat.BF16 || master)) {
            throw new IllegalArgumentException("stochastic rounding applies to a bf16 parameter without master copy, not to "
                    + param + (master ? " with a master copy" : ""));
        }
    }

    /** All float32: the same update as {@link AdamKernel}. */
    public static MixedLayout fp32() {
        return new MixedLayout(FloatFormat.FP32, false, FloatFormat.FP32, StateFormat.FP32, false);
    }

    public static MixedLayout of(FloatFormat param, FloatFormat grad, StateFormat state) {
        return new MixedLayout(param, false, grad, state, false);
    }

    public MixedLayout withMaster() {
        return new MixedLayout(param, true, grad, state, stochasticRounding);
    }

    public MixedLayout withStochasticRounding() {
        return new MixedLayout(param, master, grad, state, true);
    }

    public boolean quantized() {
        return state == StateFormat.BLOCKWISE_8BIT;
    }

    /**
     * Bytes one element occupies across parameter, master copy, gradient and both moments with
     * their scales: the memory of the layout, and the traffic of one step (each is read and, but
     * the gradient, written once).
     */
    public double bytesPerElement() {
        return param.byteSize() + (master ? 4 : 0) + grad.byteSize() + 2 * state.bytesPerElement();
    }

    /**
     * Bytes one step moves per element: it reads every buffer once and writes every buffer but the
     * gradient once (28 for all-fp32 AdamW, as the fp32 benchmarks count).
     */
    public double bytesMovedPerElement() {
        return 2 * bytesPerElement() - grad.byteSize();
    }

    /**
     * The layout named {@code param[+master]/grad/state[+sr]}, formats {@code fp32}, {@code bf16},
     * {@code fp16}, states {@code fp32}, {@code bf16}, {@code 8bit}: the inverse of {@link #toString()}.
     */
    public static MixedLayout parse(String text) {
        String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split("/");
        if (parts.length != 3) {
            throw new IllegalArgumentException("Invalid layout '" + text + "' (expected param[+master]/grad/state[+sr],"
                    + " e.g. bf16+master/bf16/8bit)");
        }
        boolean master = parts[0].endsWith("+master");
        boolean stochastic = parts[2].endsWith("+sr");
        FloatFormat param = format(parts[0].replace("+master", ""), text);
        FloatFormat grad = format(parts[1], text);
        StateFormat state = switch (parts[2].replace("+sr", "")) {
            case "fp32" -> StateFormat.FP32;
            case "bf16" -> StateFormat.BF16;
            case "8bit" -> StateFormat.BLOCKWISE_8BIT;
            default -> throw new IllegalArgumentException("Invalid state format '" + parts[2] + "' in layout '" + text
                    + "' (expected fp32, bf16 or 8bit)");
        };
        return new MixedLayout(param, master, grad, state, stochastic);
    }

    private static FloatFormat format(String name, String text) {
        return switch (name) {
            case "fp32" -> FloatFormat.FP32;
            case "bf16" -> FloatFormat.BF16;
            case "fp16" -> FloatFormat.FP16;
            default -> throw new IllegalArgumentException("Invalid format '" + name + "' in layout '" + text
                    + "' (expected fp32, bf16 or fp16)");
        };
    }

    /** {@code bf16+master/fp16/8bit+sr} style. */
    @Override
    public String toString() {
        return name(param) + (master ? "+master" : "") + "/" + name(grad) + "/"
                + switch (state) {
                    case FP32 -> "fp32";
                    case BF16 -> "bf16";
                    case BLOCKWISE_8BIT -> "8bit";
                } + (stochasticRounding ? "+sr" : "");
    }

    private static String name(FloatFormat f) {
        return f.name().toLowerCase(java.util.Locale.ROOT);
    }
}
