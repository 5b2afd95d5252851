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
        ForwardingTable t = ForwardingTable.of(TableScope.of(config, ourSubnet, null), leases,
                config.backend().effectivePort());
        List<Finding> out = new ArrayList<>();
        for (LeaseIssue i : t.issues()) {
            String check = i.kind().refuses() ? "lease-refused" : "lease-overlap";
            out.add(Finding.warn(check, i.message(), fix(i)));
        }
        if (out.isEmpty()) {
            out.add(Finding.ok("leases", t.size() + " peer lease(s), none outside Network " + config.network()
                    + ", none overlapping another or ours"));
        }
        return out;
    }

    private static String fix(LeaseIssue i) {
        String key = i.other() == null ? i.lease().key() : i.lease().key() + " or " + i.other().key();
        return "find which of " + key + " no node holds (weft peers, or the node's /run/flannel/subnet.env) and delete"
                + " it: etcdctl del <etcd-prefix>/subnets/<key>";
    }
}
