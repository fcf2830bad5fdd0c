package dev.adamant.optim;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Torch's {@code torch.cuda.amp.GradScaler} for optimizers whose gradients come from a scaled loss:
 * a dynamic loss scale that grows by {@code growthFactor} after {@code growthInterval} consecutive
 * steps without overflow and backs off by {@code backoffFactor} on an overflow, with the unscaling
 * fused into the step ({@link Optimizer#unscale}).
 *
 * <pre>{@code
 * GradScaler scaler = new GradScaler();           // 65536, ×2 every 2000 good steps, ×0.5 on overflow
 * backward(loss * scaler.scale());
 * scaler.unscale(opt);                             // optional: only to clip the unscaled gradients
 * opt.clipGradNorm(1.0, 2.0);
 * boolean stepped = scaler.step(opt);              // false: skipped, some gradient was NaN/±Inf
 * scaler.update();                                 // once per iteration, after every optimizer's step
 * }</pre>
 *
 * <p>The scale is held in float32, as torch holds it; with the default factors every scale is a
 * power of two, so unscaling is exact. A scale that would grow to infinity stays where it is (as in
 * torch). After 166 consecutive overflows from 65536 the scale underflows to 0, and the next
 * unscale rejects it with {@link IllegalArgumentException} (torch would keep skipping with an
 * infinite inverse scale). Not thread-safe.
 */
public final class GradScaler {
    private final float growthFactor;
    private final float backoffFactor;
    private final int growthInterval;
    private float scale;
    private int growthTracker;
    private boolean foundInf;
    // optimizers unscaled since the last step (true once stepped) in this iteration
    private final Map<Optimizer<?, ?>, Boolean> unscaled = new IdentityHashMap<>();

    /** Torch's defaults: init scale 65536, growth factor 2, backoff factor 0.5, growth interval 2000. */
    public GradScaler() {
        this(65536, 2, 0.5, 2000);
    }

    public GradScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval) {
        if (!(initScale > 0) || !Float.isFinite((float) initScale) || (float) initScale == 0) {
            throw new IllegalArgumentException("Invalid initScale: " + initScale + " (expected a finite float32 > 0)");
        }
        if (!(growthFactor > 1) || !Float.isFinite((float) growthFactor)) {
            throw new IllegalArgumentException("Invalid growthFactor: " + growthFactor + " (expected finite and > 1)");
        }
        if (!(backoffFactor > 0 && backoffFactor < 1) || (float) backoffFactor == 0 || (float) backoffFactor == 1) {
            throw new IllegalArgumentException("Invalid backoffFactor: " + backoffFactor + " (expected in (0, 1))");
        }
        if (growthInterval < 1) {
            throw new IllegalArgumentException("Invalid growthInterval: " + growthInterval + " (expected >= 1)");
        }
        this.scale = (float) initScale;
        this.growthFactor = (float) growthFactor;
        this.backoffFactor = (float) backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** The current loss scale: multiply the loss by it before the backward pass. */
    public float scale() {
        return scale;
    }

    /** Consecutive good steps since the last growth or backoff. */
    public int growthTracker() {
        return growthTracker;
    }

    /**
     * Torch's {@code scaler.unscale_(opt)}: records the unscale on {@code opt} for its next step,
     * so that a following {@link Optimizer#clipGradNorm} measures unscaled gradients. Calling it
     * twice for one optimizer before {@link #update()} is rejected.
     */
    public void unscale(Optimizer<?, ?> opt) {
        if (unscaled.containsKey(opt)) {
            throw new IllegalStateException("unscale() has already been called on this optimizer since the last update()");
        }
        opt.unscale(scale);
        unscaled.put(opt, false);
    }

    /**
     * Torch's {@code scaler.step(opt)}: unscales (unless {@link #unscale} already did) and steps;
     * the step is skipped when any gradient is non-finite after unscaling, and then records the
     * overflow for {@link #update()}.
     *
     * @return true if the step ran, false if it was skipped
     */
    public boolean step(Optimizer<?, ?> opt) {
        Boolean state = unscaled.get(opt);
        if (Boolean.TRUE.equals(state)) {
            throw new IllegalStateException("step() has already been called on this optimizer since the last update()");
        }
        if (state == null) {
            unscale(opt);
        }
        opt.step();
        unscaled.put(opt, true);
        boolean skipped = opt.lastStepSkipped();
        foundInf |= skipped;
        return !skipped;
    }

    /**
     * Torch's {@code scaler.update()}: on an overflow in any step since the last update, multiplies
     * the scale by the backoff factor and resets the tracker; otherwise counts a good step and,
     * every {@code growthInterval} of them, multiplies the scale by the growth factor (unless that
     * overflows float32).
     *
     * @return the new scale
     */
    public float update() {
        if (foundInf) {
            scale *= backoffFactor;
            growthTracker = 0;
        } else if (++growthTracker == growthInterval) {
            float grown = scale * growthFactor;
            if (Float.isFinite(grown)) {
                scale = grown;
            }
            growthTracker = 0;
        }
        foundInf = false;
        unscaled.clear();
        return scale;
    }
}
