package io.weft.dataplane.agent;

import io.weft.dataplane.host.BlackholeRoute;
import io.weft.dataplane.host.Nftables;
import io.weft.dataplane.host.NftablesRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Host setup the last run installed and this one does not (the rules and routes stay across a restart, so a flag
 * turned off, or another subnet, would otherwise leave them behind): removed before the new setup goes in, in one log
 * line. What this run installs as well is left for it to adopt: the rules are checked, not duplicated. Switching between
 * iptables and nftables is {@link TrafficRules}' job, as it is flanneld's.
 */
final class StaleHostState {
    private static final Logger log = LoggerFactory.getLogger(StaleHostState.class);

    private StaleHostState() {
    }

    static void remove(RunState.HostSetup before, RunState.HostSetup now) {
        if (before == null) {
            return;
        }
        List<String> removed = new ArrayList<>();
        if (before.blackhole() != null && !before.blackhole().equals(now.blackhole())
                && BlackholeRoute.remove(before.blackhole())) {
            removed.add("blackhole route " + before.blackhole());
        }
        if (before.blackholeV6() != null && !before.blackholeV6().equals(now.blackholeV6())
                && BlackholeRoute.remove(before.blackholeV6())) {
            removed.add("blackhole route " + before.blackholeV6());
        }
        if (before.nftables() == now.nftables()) {
            boolean masqGone = before.masquerade() && !now.masquerade();
            boolean forwardGone = before.forward() && !now.forward();
            if (now.nftables() && (masqGone || forwardGone)) {
                // the table is rewritten with the chains still wanted; a chain not in the script would stay
                if (Nftables.deleteTable(NftablesRules.FAMILY, NftablesRules.TABLE)) {
                    removed.add("nftables table " + NftablesRules.FAMILY + " " + NftablesRules.TABLE);
                }
                if (Nftables.deleteTable(NftablesRules.FAMILY_V6, NftablesRules.TABLE_V6)) {
                    removed.add("nftables table " + NftablesRules.FAMILY_V6 + " " + NftablesRules.TABLE_V6);
                }
            } else if (!now.nftables()) {
                for (String chain : TrafficRules.removeIptables(masqGone, forwardGone)) {
                    removed.add("iptables chain " + chain);
                }
            }
        }
        if (before.nodeIpDnat() && !now.nodeIpDnat()) {
            for (String chain : NodeIpDnat.remove()) {
                removed.add("iptables chain " + chain);
            }
        }
        if (!removed.isEmpty() && !Objects.equals(before, now)) {
            log.info("the last run set up what this one does not; removed {}", String.join(", ", removed));
        }
    }
}
