package dev.adamant.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One optimizer case in a uniform shape: single-tensor cases become one group holding one tensor
 * named {@code param}, so the replayer handles them and {@code param_groups} cases alike.
 *
 * <p>Values are kept as {@code double[]} in both dtypes: a float32 is parsed to its exact float
 * (README: {@code Float.parseFloat} of the token, or {@code (float)} of the double) and widened,
 * which loses nothing, so narrowing it back gives the recorded bits.
 *
 * @param optimizer torch's lower-case name ({@code adam}, {@code sgd}, ...), or empty
 * @param torchPath torch's code path that produced the case ({@code single_tensor}, {@code foreach}), or empty
 * @param dtype     {@code float32}, {@code float64}, or another name the replayer will refuse
 * @param groups    the param groups in order; empty when the case is not an optimizer replay
 *                  (clip_grad_norm, lr_schedulers, ...) or has a dtype whose values are not read
 * @param steps     the step records in order
 * @param schedule  the lr schedule record of an lr_schedulers case, or null for every other case
 * @param source    the case's JSON as the file has it (families with their own readers, e.g. clip_grad_norm)
 */
public record GoldenCase(String name, String optimizer, String torchPath, String dtype, List<Group> groups,
                         List<Step> steps, ScheduleCase schedule, JsonNode source) {

    /** Step-record keys that are data; any other key overrides a hyperparameter for that step. */
    private static final Set<String> STEP_DATA = Set.of("step", "grad", "grads", "params_after", "state_after");

    public GoldenCase {
        groups = List.copyOf(groups);
        steps = List.copyOf(steps);
    }

    /** @param hyper every constructor hyperparameter with torch's name, as the file has it */
    public record Group(ObjectNode hyper, List<GoldenTensor> params) {
        public Group {
            params = List.copyOf(params);
        }
    }

    public record GoldenTensor(String name, double[] initial) {
    }

    /**
     * @param overrides   hyperparameters set on every group for this step only ({@code lr}, {@code betas})
     * @param grads       one entry per tensor, groups in order; null means {@code p.grad is None}
     * @param paramsAfter one entry per tensor, or null on non-checkpoint steps
     * @param stateAfter  one map per tensor (torch state name to values), or null where absent
     */
    public record Step(int step, ObjectNode overrides, List<double[]> grads, List<double[]> paramsAfter,
                       List<Map<String, double[]>> stateAfter) {
    }

    /**
     * An lr_schedulers case: a torch scheduler over an optimizer, and the values it produced.
     *
     * @param scheduler torch's class name, e.g. {@code torch.optim.lr_scheduler.StepLR}
     * @param lr        {@code lr[i]} is the lr in effect for optimizer step {@code i + 1}
     * @param momentum  the momentum in effect for each step (OneCycleLR), or null
     */
    public record ScheduleCase(String scheduler, ObjectNode args, ObjectNode optimizerHyper, double[] lr,
                               double[] momentum) {
    }

    /** All tensors of all groups, in registration order. */
    public List<GoldenTensor> tensors() {
        return groups.stream().flatMap(g -> g.params().stream()).toList();
    }

    /** True when this case has the optimizer-replay shape (initial params and steps). */
    public boolean isReplay() {
        return !groups.isEmpty();
    }

    static GoldenCase parse(JsonNode c) {
        String name = text(c, "name");
        String optimizer = c.path("optimizer").asText("");
        String torchPath = c.path("torch_path").asText("");
        String dtype = c.path("dtype").asText("");
        boolean readable = dtype.equals("float32") || dtype.equals("float64");
        boolean grouped = c.has("param_groups");
        if (c.has("lr_per_step")) {
            return new GoldenCase(name, optimizer, torchPath, dtype, List.of(), List.of(), scheduleCase(c), c);
        }
        if (!readable || !c.has("steps") || !(grouped || c.has("initial_params"))) {
            return new GoldenCase(name, optimizer, torchPath, dtype, List.of(), List.of(), null, c);
        }
        boolean f32 = dtype.equals("float32");
        List<Group> groups = new ArrayList<>();
        if (grouped) {
            for (JsonNode g : c.get("param_groups")) {
                List<GoldenTensor> params = new ArrayList<>();
                for (JsonNode p : g.path("params")) {
                    params.add(new GoldenTensor(text(p, "name"), values(p.get("initial_params"), f32, size(p))));
                }
                groups.add(new Group(object(g, "hyper"), params));
            }
        } else {
            groups.add(new Group(object(c, "hyper"),
                    List.of(new GoldenTensor("param", values(c.get("initial_params"), f32, size(c))))));
        }
        List<Integer> sizes = groups.stream().flatMap(g -> g.params().stream()).map(t -> t.initial().length).toList();
        List<Step> steps = new ArrayList<>();
        for (JsonNode s : c.get("steps")) {
            int step = s.path("step").asInt(-1);
            try {
                steps.add(grouped ? groupedStep(s, step, f32, sizes) : singleStep(s, step, f32, sizes.getFirst()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("step " + step + ": " + e.getMessage(), e);
            }
        }
        return new GoldenCase(name, optimizer, torchPath, dtype, groups, steps, null, c);
    }

    private static ScheduleCase scheduleCase(JsonNode c) {
        int n = c.path("num_steps").asInt(-1);
        double[] lr = values(c.get("lr_per_step"), false, n);
        double[] momentum = c.has("momentum_per_step") ? values(c.get("momentum_per_step"), false, n) : null;
        ObjectNode args = c.has("args") ? object(c, "args") : ((ObjectNode) c).objectNode();
        return new ScheduleCase(text(c, "scheduler"), args, object(c, "optimizer_hyper"), lr, momentum);
    }

    private static Step singleStep(JsonNode s, int step, boolean f32, int size) {
        List<double[]> params = s.has("params_after") ? List.of(values(s.get("params_after"), f32, size)) : null;
        List<Map<String, double[]>> state = s.has("state_after")
                ? List.of(state(s.get("state_after"), f32, size)) : null;
        return new Step(step, overrides(s), List.of(values(s.get("grad"), f32, size)), params, state);
    }

    private static Step groupedStep(JsonNode s, int step, boolean f32, List<Integer> sizes) {
        List<double[]> grads = perTensor(s.get("grads"), sizes, "grads", (n, size) -> values(n, f32, size));
        List<double[]> params = s.has("params_after")
                ? perTensor(s.get("params_after"), sizes, "params_after", (n, size) -> values(n, f32, size)) : null;
        List<Map<String, double[]>> state = s.has("state_after")
                ? perTensor(s.get("state_after"), sizes, "state_after", (n, size) -> state(n, f32, size)) : null;
        return new Step(step, overrides(s), grads, params, state);
    }

    private interface Reader<T> {
        T read(JsonNode node, int size);
    }

    /** One entry per tensor; JSON null stays null (a missing grad, or no state yet). */
    private static <T> List<T> perTensor(JsonNode array, List<Integer> sizes, String what, Reader<T> reader) {
        if (array == null || !array.isArray() || array.size() != sizes.size()) {
            throw new IllegalArgumentException("\"" + what + "\" must be an array of " + sizes.size() + " entries");
        }
        List<T> out = new ArrayList<>(sizes.size());
        for (int i = 0; i < sizes.size(); i++) {
            JsonNode n = array.get(i);
            out.add(n.isNull() ? null : reader.read(n, sizes.get(i)));
        }
        return out;
    }

    private static ObjectNode overrides(JsonNode s) {
        ObjectNode o = ((ObjectNode) s).objectNode();
        for (Map.Entry<String, JsonNode> e : s.properties()) {
            if (!STEP_DATA.contains(e.getKey())) {
                o.set(e.getKey(), e.getValue());
            }
        }
        return o;
    }

    private static Map<String, double[]> state(JsonNode node, boolean f32, int size) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("state must be an object of arrays");
        }
        Map<String, double[]> state = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            // scalar state (nadam's mu_product) is not an element array; keep it as one value
            state.put(e.getKey(), e.getValue().isArray() ? values(e.getValue(), f32, size)
                    : new double[] {number(e.getValue(), f32)});
        }
        return state;
    }

    private static double[] values(JsonNode array, boolean f32, int size) {
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("expected an array of " + size + " numbers");
        }
        if (size >= 0 && array.size() != size) {
            throw new IllegalArgumentException("array has " + array.size() + " elements, size is " + size);
        }
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = number(array.get(i), f32);
        }
        return out;
    }

    /** README: float32 tokens read either way give the recorded bits; non-finite values are strings. */
    private static double number(JsonNode n, boolean f32) {
        if (n.isTextual()) {
            String t = n.asText();
            if (!t.equals("NaN") && !t.equals("Infinity") && !t.equals("-Infinity")) {
                throw new IllegalArgumentException("unexpected string \"" + t + "\" where a number belongs");
            }
            return f32 ? Float.parseFloat(t) : Double.parseDouble(t);
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException("expected a number, found " + n);
        }
        return f32 ? (float) n.doubleValue() : n.doubleValue();
    }

    private static int size(JsonNode owner) {
        return owner.has("size") ? owner.get("size").asInt() : -1;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("missing \"" + field + "\"");
        }
        return v.asText();
    }

    private static ObjectNode object(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isObject()) {
            throw new IllegalArgumentException("missing \"" + field + "\" object");
        }
        return (ObjectNode) v;
    }
}
