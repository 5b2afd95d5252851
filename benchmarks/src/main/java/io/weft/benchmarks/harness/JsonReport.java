package io.weft.benchmarks.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * results.json: the environment, the settings, and per path every figure with its unit, median, min, max,
 * samples and ratio to kernel VXLAN, plus errors and weft's counters; the JMH summary when it ran.
 */
final class JsonReport {
    private JsonReport() {
    }

    static String format(Environment env, Map<String, Object> settings, BenchResults results, List<JmhSummary.Row> jmh) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("environment", Json.MAPPER.valueToTree(env));
        root.set("settings", Json.MAPPER.valueToTree(settings));
        ArrayNode paths = root.putArray("paths");
        for (BenchPath p : results.paths()) {
            ObjectNode path = paths.addObject();
            path.put("id", p.id);
            path.put("label", p.label);
            path.put("client_side", p.client.name());
            ObjectNode figures = path.putObject("figures");
            for (Figure f : Figure.values()) {
                Optional<Summary> s = results.summary(p, f);
                if (s.isEmpty()) {
                    continue;
                }
                ObjectNode fig = figures.putObject(f.key);
                fig.put("label", f.label);
                fig.put("unit", f.unit);
                fig.put("median", s.get().median());
                fig.put("min", s.get().min());
                fig.put("max", s.get().max());
                fig.put("runs", s.get().runs());
                ArrayNode samples = fig.putArray("samples");
                results.samples(p, f).forEach(samples::add);
                OptionalDouble r = results.ratioToKernel(p, f);
                if (r.isPresent()) {
                    fig.put("ratio_to_kernel_vxlan", r.getAsDouble());
                }
            }
            ArrayNode errors = path.putArray("errors");
            results.errors(p).forEach(errors::add);
            path.set("diagnostics", Json.MAPPER.valueToTree(results.diagnostics(p)));
        }
        if (jmh != null) {
            root.set("jmh", Json.MAPPER.valueToTree(jmh));
        }
        try {
            return Json.MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new BenchException("cannot write results.json: " + e.getOriginalMessage(), e);
        }
    }
}
