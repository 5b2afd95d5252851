package io.weft.dataplane.agent;

import io.weft.dataplane.probe.ProbeLog;
import io.weft.dataplane.probe.Target;

import java.util.List;
import java.util.function.Consumer;

/**
 * The agent's journal lines about reachability: one peer's outage in full, with its likely causes; many peers at once
 * (a network partition, our own uplink down) as one summary line per probe round with the count and the first few,
 * because 2,000 long lines say less than one. Every peer's state stays in {@code weft peers}.
 */
final class ReachabilityLog implements ProbeLog {
    /** How many peers a summary line names. */
    static final int NAMED = 5;

    private final Consumer<String> warnings;
    private final Consumer<String> notices;

    ReachabilityLog(Consumer<String> warnings, Consumer<String> notices) {
        this.warnings = warnings;
        this.notices = notices;
    }

    @Override
    public void unreachable(List<Outage> outages) {
        if (outages.size() == 1) {
            warnings.accept(outages.get(0).warning());
            return;
        }
        StringBuilder sb = new StringBuilder().append(outages.size()).append(" peers became unreachable: ");
        names(sb, outages.stream().map(Outage::target).toList());
        Target first = outages.get(0).target();
        sb.append(". Every peer's state is in 'weft peers'; when many go at once, look first at this host's side:"
                + " UDP ").append(first.port()).append(" blocked by our firewall or security group, our PublicIP,"
                + " or the uplink. 'weft doctor' checks it");
        warnings.accept(sb.toString());
    }

    @Override
    public void answering(List<String> lines) {
        if (lines.size() == 1) {
            notices.accept(lines.get(0));
            return;
        }
        notices.accept(lines.size() + " peers answer probes again ('weft peers' lists them)");
    }

    @Override
    public void problem(String message) {
        warnings.accept(message);
    }

    @Override
    public void pathChanged(String line) {
        notices.accept(line);
    }

    private static void names(StringBuilder sb, List<Target> targets) {
        for (int i = 0; i < Math.min(NAMED, targets.size()); i++) {
            Target t = targets.get(i);
            sb.append(i == 0 ? "" : ", ").append(t.subnet()).append(" at ").append(t.publicIp());
        }
        if (targets.size() > NAMED) {
            sb.append(" and ").append(targets.size() - NAMED).append(" more");
        }
    }
}
