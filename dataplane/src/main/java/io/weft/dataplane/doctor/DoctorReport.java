package io.weft.dataplane.doctor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The findings of one {@code weft doctor} run, as text for people or as a map for {@code --json}. */
public record DoctorReport(List<Finding> findings) {
    public DoctorReport {
        findings = List.copyOf(findings);
    }

    public long problems() {
        return findings.stream().filter(f -> f.status().isProblem()).count();
    }

    /** 0 when nothing is wrong, 1 when any check warns or fails. */
    public int exitCode() {
        return problems() == 0 ? 0 : 1;
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Finding f : findings) {
            sb.append(String.format("[%-4s] %-15s %s%n", f.status(), f.check(), f.message()));
            if (f.fix() != null) {
                sb.append(String.format("%23s%s%n", "fix: ", f.fix()));
            }
        }
        long n = problems();
        sb.append(n == 0 ? "no problems found" : n + " problem" + (n == 1 ? "" : "s") + " found").append('\n');
        return sb.toString();
    }

    public Map<String, Object> json() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Finding f : findings) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("check", f.check());
            m.put("status", f.status().name().toLowerCase());
            m.put("message", f.message());
            m.put("fix", f.fix());
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("problems", problems());
        out.put("findings", list);
        return out;
    }
}
