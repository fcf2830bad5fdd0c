package dev.adamant.soak;

import dev.adamant.kernel.Backend;
import dev.adamant.kernel.Backends;
import dev.adamant.kernel.Numerics;
import dev.adamant.optim.Adagrad;
import dev.adamant.optim.AdagradConfig;
import dev.adamant.optim.Adam;
import dev.adamant.optim.AdamConfig;
import dev.adamant.optim.AdamW;
import dev.adamant.optim.Adamax;
import dev.adamant.optim.AdamaxConfig;
import dev.adamant.optim.Lamb;
import dev.adamant.optim.LambConfig;
import dev.adamant.optim.Lion;
import dev.adamant.optim.LionConfig;
import dev.adamant.optim.NAdam;
import dev.adamant.optim.NAdamConfig;
import dev.adamant.optim.Optimizer;
import dev.adamant.optim.Parameter;
import dev.adamant.optim.ParameterState;
import dev.adamant.optim.RAdam;
import dev.adamant.optim.RAdamConfig;
import dev.adamant.optim.RmsProp;
import dev.adamant.optim.RmsPropConfig;
import dev.adamant.optim.Sgd;
import dev.adamant.optim.SgdConfig;
import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * {@code adamant soak}: long runs of the optimizer family through the public API, the vector backend
 * beside the scalar reference of the same numerics, checking after every step that parameters, state
 * tensors, step counts and scalar state are bit-identical (no drift), and at every tenth of a run
 * that the engine's off-heap memory ({@link Tensor#ownedBytes()}) has not moved and the heap used
 * after a GC has not grown. Two phases: the selected optimizers (default: the whole family) over a
 * small float32 and a small float64 tensor for 10^6 steps; then the large-phase optimizers (default
 * AdamW) over one float32 tensor of 16M elements for 10^3 steps.
 */
public final class SoakCommand {
    /** Heap growth after GC tolerated from the first checkpoint to the end of a run. */
    static final long HEAP_SLACK_BYTES = 16L << 20;
    static final int CHECKPOINTS = 10;

    /** Each optimizer with the options that make it keep the most state. */
    static final Map<String, Function<Backend, Optimizer<?, ?>>> FAMILY = new LinkedHashMap<>();

    static {
        FAMILY.put("adam", b -> new Adam(AdamConfig.adam().withLr(1e-3).withWeightDecay(0.01).withAmsgrad(true), b));
        FAMILY.put("adamw", b -> new AdamW(AdamConfig.adamW().withLr(1e-3), b));
        FAMILY.put("sgd", b -> new Sgd(SgdConfig.sgd().withLr(1e-2).withMomentum(0.9).withNesterov(true), b));
        FAMILY.put("rmsprop", b -> new RmsProp(RmsPropConfig.rmsprop().withMomentum(0.9).withCentered(true), b));
        FAMILY.put("adagrad", b -> new Adagrad(AdagradConfig.adagrad().withLrDecay(1e-4).withInitialAccumulatorValue(0.1), b));
        FAMILY.put("adamax", b -> new Adamax(AdamaxConfig.adamax(), b));
        FAMILY.put("nadam", b -> new NAdam(NAdamConfig.nadam(), b));
        FAMILY.put("radam", b -> new RAdam(RAdamConfig.radam(), b));
        FAMILY.put("lamb", b -> new Lamb(LambConfig.defaults(), b));
        FAMILY.put("lion", b -> new Lion(LionConfig.defaults().withWeightDecay(0.1), b));
    }

    /** The command's settings; {@link #parse} gives the defaults. */
    public record Options(long smallSteps, int smallSize, List<String> optimizers, long largeSteps, int largeSize,
                          List<String> largeOptimizers, int width, Numerics numerics) {
    }

    private SoakCommand() {
    }

    /** @throws IllegalArgumentException naming the bad option or value */
    public static Options parse(List<String> args) {
        long smallSteps = 1_000_000, largeSteps = 1_000;
        int smallSize = 1021, largeSize = 1 << 24, width = 0;
        List<String> optimizers = List.copyOf(FAMILY.keySet()), largeOptimizers = List.of("adamw");
        Numerics numerics = Numerics.EXACT;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            int eq = a.indexOf('=');
            String option = eq < 0 ? a : a.substring(0, eq);
            if (!option.startsWith("--")) {
                throw new IllegalArgumentException("soak takes options only, got '" + a + "'");
            }
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(option + " needs a value");
            }
            switch (option) {
                case "--small-steps" -> smallSteps = positive(option, value, 0);
                case "--small-size" -> smallSize = (int) positive(option, value, 1, Integer.MAX_VALUE);
                case "--large-steps" -> largeSteps = positive(option, value, 0);
                case "--size" -> largeSize = (int) positive(option, value, 1, Integer.MAX_VALUE);
                case "--optimizers" -> optimizers = optimizers(option, value);
                case "--large-optimizers" -> largeOptimizers = optimizers(option, value);
                case "--width" -> width = value.equals("preferred") ? 0 : switch (value) {
                    case "128", "256", "512" -> Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("invalid --width '" + value + "' (expected preferred, 128, 256 or 512)");
                };
                case "--numerics" -> numerics = switch (value) {
                    case "exact" -> Numerics.EXACT;
                    case "fast" -> Numerics.FAST;
                    default -> throw new IllegalArgumentException("invalid --numerics '" + value + "' (expected exact or fast)");
                };
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        return new Options(smallSteps, smallSize, optimizers, largeSteps, largeSize, largeOptimizers, width, numerics);
    }

    private static long positive(String option, String value, long min) {
        return positive(option, value, min, Long.MAX_VALUE);
    }

    private static long positive(String option, String value, long min, long max) {
        try {
            long v = Long.parseLong(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("invalid " + option + " '" + value + "' (expected an integer from " + min
                + (max == Long.MAX_VALUE ? "" : " to " + max) + ")");
    }

    private static List<String> optimizers(String option, String value) {
        if (value.equals("all")) {
            return List.copyOf(FAMILY.keySet());
        }
        if (value.equals("none")) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (String name : value.split(",")) {
            if (!FAMILY.containsKey(name)) {
                throw new IllegalArgumentException("invalid " + option + ": unknown optimizer '" + name + "' (known: "
                        + String.join(", ", FAMILY.keySet()) + ", all, none)");
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    /** Runs the soak on the vector backend the options select; 0 if every run passed, 1 if one failed, 2 without SIMD. */
    public static int run(Options o, PrintStream out) {
        Optional<String> noSimd = Backends.simdUnavailableReason();
        if (noSimd.isPresent()) {
            out.println("soak compares the vector kernels with the scalar reference, but SIMD is unavailable: " + noSimd.get());
            return 2;
        }
        int width = o.width() == 0 ? Backends.preferredLaneWidth() : o.width();
        Optional<Backend> vector = Backends.vector(width, o.numerics());
        if (vector.isEmpty()) {
            out.println("soak: --width " + width + " is not available here (available: " + Backends.laneWidths().makeString(", ") + ")");
            return 2;
        }
        return run(o, vector.get(), Backends.scalar(o.numerics()), out);
    }

    /** Runs the soak comparing {@code tested} with {@code reference}. */
    static int run(Options o, Backend tested, Backend reference, PrintStream out) {
        out.printf(Locale.ROOT, "soak: %s against %s; small phase: %s, %d steps on %d float32 + %d float64 elements; "
                        + "large phase: %s, %d steps on %d float32 elements%n", tested, reference, names(o.optimizers()),
                o.smallSteps(), o.smallSize(), o.smallSize(), names(o.largeOptimizers()), o.largeSteps(), o.largeSize());
        long start = System.nanoTime();
        List<String> failures = new ArrayList<>();
        int runs = 0;
        for (String name : o.smallSteps() == 0 ? List.<String>of() : o.optimizers()) {
            runs++;
            new Run(name, new int[] {o.smallSize(), o.smallSize()}, o.smallSteps(), tested, reference, out).execute()
                    .ifPresent(f -> failures.add("small " + name + ": " + f));
        }
        for (String name : o.largeSteps() == 0 ? List.<String>of() : o.largeOptimizers()) {
            runs++;
            new Run(name, new int[] {o.largeSize()}, o.largeSteps(), tested, reference, out).execute()
                    .ifPresent(f -> failures.add("large " + name + ": " + f));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failures.isEmpty()) {
            out.printf(Locale.ROOT, "soak PASSED: %d runs bit-identical to the reference at every step, off-heap memory "
                    + "constant, heap stable (%.1f s)%n", runs, seconds);
            return 0;
        }
        out.printf(Locale.ROOT, "soak FAILED (%.1f s):%n", seconds);
        failures.forEach(f -> out.println("  " + f));
        return 1;
    }

    private static String names(List<String> names) {
        return names.isEmpty() ? "none" : String.join(",", names);
    }

    /** One optimizer, two copies (tested and reference) over identical parameters and the same gradients. */
    private static final class Run {
        private final String name;
        private final int[] sizes;
        private final long steps;
        private final Backend tested, reference;
        private final PrintStream out;

        Run(String name, int[] sizes, long steps, Backend tested, Backend reference, PrintStream out) {
            this.name = name;
            this.sizes = sizes;
            this.steps = steps;
            this.tested = tested;
            this.reference = reference;
            this.out = out;
        }

        /** The failure, if any. */
        Optional<String> execute() {
            List<Tensor> owned = new ArrayList<>();
            List<Parameter> mine = new ArrayList<>(), theirs = new ArrayList<>();
            List<Tensor[]> bases = new ArrayList<>();
            SplittableRandom random = new SplittableRandom(name.hashCode());
            try (Optimizer<?, ?> a = FAMILY.get(name).apply(tested); Optimizer<?, ?> b = FAMILY.get(name).apply(reference)) {
                for (int k = 0; k < sizes.length; k++) {
                    DType dtype = k == 0 ? DType.FLOAT32 : DType.FLOAT64;
                    Tensor pa = track(owned, Tensor.allocate(dtype, sizes[k])), pb = track(owned, Tensor.allocate(dtype, sizes[k]));
                    Tensor grad = track(owned, Tensor.allocate(dtype, sizes[k]));
                    Tensor[] basis = {track(owned, Tensor.allocate(dtype, sizes[k])), track(owned, Tensor.allocate(dtype, sizes[k]))};
                    fillGaussian(pa, random, 1);
                    pb.copyFrom(pa);
                    fillGaussian(basis[0], random, 1);
                    fillGaussian(basis[1], random, 0.1);
                    Parameter p = Parameter.of(name + k, pa), q = Parameter.of(name + k, pb);
                    p.setGrad(grad);
                    q.setGrad(grad); // read-only in a step: both copies see the same gradient
                    mine.add(p);
                    theirs.add(q);
                    bases.add(basis);
                }
                a.addParamGroup(mine);
                b.addParamGroup(theirs);

                String label = String.format(Locale.ROOT, "[%s %s]", name, sizes.length == 1 ? "large" : "small");
                long every = Math.max(1, steps / CHECKPOINTS);
                long baselineCount = -1, baselineBytes = -1, heapFirst = -1, heapMax = 0;
                long start = System.nanoTime();
                for (long t = 1; t <= steps; t++) {
                    for (int k = 0; k < mine.size(); k++) {
                        gradient(mine.get(k).grad(), bases.get(k), t);
                    }
                    a.step();
                    b.step();
                    Optional<String> drift = compare(a, mine, b, theirs);
                    if (drift.isPresent()) {
                        String failure = "differs from the reference after step " + t + ": " + drift.get();
                        out.println(label + " FAILED: " + failure);
                        return Optional.of(failure);
                    }
                    if (t == 1) { // the state exists now: from here on nothing may be allocated or leak
                        baselineCount = Tensor.ownedCount();
                        baselineBytes = Tensor.ownedBytes();
                    }
                    if (t % every == 0 || t == steps) {
                        long count = Tensor.ownedCount(), bytes = Tensor.ownedBytes();
                        long heap = heapAfterGc();
                        if (heapFirst < 0) {
                            heapFirst = heap;
                        }
                        heapMax = Math.max(heapMax, heap);
                        out.printf(Locale.ROOT, "%s step %d/%d  bit-identical  off-heap %d tensors %.1f MB (%+d B)  heap %.1f MB"
                                        + "  rss %s  %.1f s%n", label, t, steps, count, bytes / 1e6, bytes - baselineBytes,
                                heap / 1e6, rss(), (System.nanoTime() - start) / 1e9);
                        if (count != baselineCount || bytes != baselineBytes) {
                            String failure = String.format(Locale.ROOT, "off-heap memory changed at step %d: %d tensors, %d bytes "
                                    + "(after step 1: %d tensors, %d bytes)", t, count, bytes, baselineCount, baselineBytes);
                            out.println(label + " FAILED: " + failure);
                            return Optional.of(failure);
                        }
                    }
                }
                if (heapFirst >= 0 && heapMax - heapFirst > HEAP_SLACK_BYTES) {
                    String failure = String.format(Locale.ROOT, "heap after GC grew from %.1f MB to %.1f MB", heapFirst / 1e6, heapMax / 1e6);
                    out.println(label + " FAILED: " + failure);
                    return Optional.of(failure);
                }
                return Optional.empty();
            } finally {
                owned.forEach(Tensor::close);
            }
        }
    }

    private static Tensor track(List<Tensor> owned, Tensor t) {
        owned.add(t);
        return t;
    }

    /**
     * The gradient of step {@code t}: a mix of two fixed random directions that turns with t, with a
     * slow decay, so the state keeps moving over a million steps without a gradient allocation.
     */
    static void gradient(Tensor grad, Tensor[] basis, long t) {
        double c = Math.cos(1e-3 * t) * (1 + 1.0 / Math.sqrt(t)), s = Math.sin(7e-4 * t);
        MemorySegment g = grad.segment(), x = basis[0].segment(), y = basis[1].segment();
        long n = grad.size();
        if (grad.dtype() == DType.FLOAT32) {
            float cf = (float) c, sf = (float) s;
            for (long i = 0; i < n; i++) {
                g.setAtIndex(ValueLayout.JAVA_FLOAT, i, x.getAtIndex(ValueLayout.JAVA_FLOAT, i) * cf
                        + y.getAtIndex(ValueLayout.JAVA_FLOAT, i) * sf);
            }
        } else {
            for (long i = 0; i < n; i++) {
                g.setAtIndex(ValueLayout.JAVA_DOUBLE, i, x.getAtIndex(ValueLayout.JAVA_DOUBLE, i) * c
                        + y.getAtIndex(ValueLayout.JAVA_DOUBLE, i) * s);
            }
        }
    }

    /** Parameters, step counts, slots, state tensors and scalar state, bit for bit; the first difference. */
    static Optional<String> compare(Optimizer<?, ?> a, List<Parameter> pa, Optimizer<?, ?> b, List<Parameter> pb) {
        if (a.stepCount() != b.stepCount()) {
            return Optional.of("step count " + a.stepCount() + " vs " + b.stepCount());
        }
        for (int k = 0; k < pa.size(); k++) {
            Optional<String> d = differ("param " + k, pa.get(k).data(), pb.get(k).data());
            if (d.isPresent()) {
                return d;
            }
            ParameterState x = a.state(pa.get(k)).orElse(null), y = b.state(pb.get(k)).orElse(null);
            if (x == null || y == null) {
                if (x != y) {
                    return Optional.of("state of param " + k + " exists on one side only");
                }
                continue;
            }
            if (x.step() != y.step() || !x.tensors().keysView().toSet().equals(y.tensors().keysView().toSet())
                    || !x.scalars().equals(y.scalars())) {
                return Optional.of("state of param " + k + ": step " + x.step() + " vs " + y.step() + ", slots "
                        + x.tensors().keysView() + " vs " + y.tensors().keysView() + ", scalars " + x.scalars() + " vs " + y.scalars());
            }
            for (String slot : x.tensors().keysView()) {
                d = differ(slot + " of param " + k, x.tensors().get(slot), y.tensors().get(slot));
                if (d.isPresent()) {
                    return d;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> differ(String what, Tensor x, Tensor y) {
        long at = x.segment().mismatch(y.segment());
        if (at < 0) {
            return Optional.empty();
        }
        long i = at / x.dtype().byteSize();
        String values = x.dtype() == DType.FLOAT32 ? x.getFloat(i) + " vs " + y.getFloat(i) : x.getDouble(i) + " vs " + y.getDouble(i);
        return Optional.of(what + " element " + i + ": " + values);
    }

    private static void fillGaussian(Tensor t, SplittableRandom random, double scale) {
        for (long i = 0; i < t.size(); i++) {
            double v = random.nextGaussian() * scale;
            if (t.dtype() == DType.FLOAT32) {
                t.setFloat(i, (float) v);
            } else {
                t.setDouble(i, v);
            }
        }
    }

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private static long heapAfterGc() {
        System.gc();
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    /** The process's resident set (Linux), for the progress line only: it includes the JIT and the GC. */
    private static String rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return String.format(Locale.ROOT, "%.0f MB", Long.parseLong(line.replaceAll("[^0-9]", "")) / 1e3);
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return "n/a";
    }
}
