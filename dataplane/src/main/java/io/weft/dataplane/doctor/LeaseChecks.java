package io.weft.dataplane.doctor;

import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.LeaseIssue;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.fdb.TableScope;

import java.util.ArrayList;
import java.util.List;

/**
 * The leases as routes: the ones a weft agent here refuses (outside Network, over our own subnet) and the ones that
 * overlap, as the agent's table would find them; what the agent logs once, the doctor lists every time.
 */
public final class LeaseChecks {
    private LeaseChecks() {
    }

    /**
     * @param config    the network config
     * @param leases    every lease in etcd that parses
     * @param ourSubnet this host's subnet, or null if it has no lease (then nothing counts as overlapping it)
     */
    public static List<Finding> check(NetworkConfig config, List<Lease> leases, Subnet ourSubnet) {
        return check(config, leases, ourSubnet, null);
    }

    /**
     * As {@link #check(NetworkConfig, List, Subnet)} for a host with an IPv6 subnet too (dual-stack), or only one
     * (IPv6-only: {@code ourSubnet} null).
     */
    public static List<Finding> check(NetworkConfig config, List<Lease> leases, Subnet ourSubnet, Subnet ourIpv6Subnet) {
        ForwardingTable t = ForwardingTable.of(TableScope.of(config, ourSubnet, ourIpv6Subnet), leases,
                config.backend().effectivePort());
        List<Finding> out = new ArrayList<>();
        for (LeaseIssue i : t.issues()) {
            String check = i.kind().refuses() ? "lease-refused" : "lease-overlap";
            out.add(Finding.warn(check, i.message(), fix(i)));
        }
        if (out.isEmpty()) {
            out.add(Finding.ok("leases", t.size() + " peer lease(s), none outside " + networks(config, " or ")
                    + ", none overlapping another or ours"));
        }
        return out;
    }

    /**
     * {@code Network 10.244.0.0/16}, {@code IPv6Network fd00::/56}, or both joined by {@code joiner}: an IPv6-only
     * config has no {@code Network}.
     */
    static String networks(NetworkConfig config, String joiner) {
        String v4 = config.network() == null ? null : "Network " + config.network();
        String v6 = config.ipv6Network() == null ? null : "IPv6Network " + config.ipv6Network();
        return v4 != null && v6 != null ? v4 + joiner + v6 : v4 != null ? v4 : v6;
    }

    private static String fix(LeaseIssue i) {
        String key = i.other() == null ? i.lease().key() : i.lease().key() + " or " + i.other().key();
        return "find which of " + key + " no node holds (weft peers, or the node's /run/flannel/subnet.env) and delete"
                + " it: etcdctl del <etcd-prefix>/subnets/<key>";
    }
}
