package io.weft.dataplane.host;

import io.weft.fdb.kube.NodeIpMappings;

import java.net.Inet4Address;
import java.util.List;
import java.util.Map;

/**
 * The nat rules of {@code --node-ip-dnat}, exactly the ones users write by hand on the API server's host so that
 * kubectl exec and logs reach kubelets behind NAT, in chains of weft's own:
 * <pre>
 * -A OUTPUT -m comment --comment "weft node-ip-dnat" -j WEFT-NODE-DNAT
 * -A WEFT-NODE-DNAT -d 10.0.0.3/32 -m comment --comment "weft node-ip-dnat node-3" -j DNAT --to-destination 203.0.113.3
 * -A POSTROUTING -m comment --comment "weft node-ip-dnat" -j WEFT-NODE-SNAT
 * -A WEFT-NODE-SNAT -m conntrack --ctstate DNAT --ctorigdst 10.0.0.3/32 -m comment --comment "weft node-ip-dnat node-3" -j MASQUERADE
 * </pre>
 * The MASQUERADE covers a source address chosen for the private route that cannot reach the public one. The chains are
 * replaced in one {@code iptables-restore --noflush} transaction, so a node that comes or goes never leaves a
 * half-written chain.
 */
public final class NodeIpDnatRules {
    public static final String DNAT_CHAIN = "WEFT-NODE-DNAT";
    public static final String SNAT_CHAIN = "WEFT-NODE-SNAT";
    static final String COMMENT = "weft node-ip-dnat";

    private NodeIpDnatRules() {
    }

    /** {@code -t nat <op> OUTPUT ...}: the jump into {@link #DNAT_CHAIN} (op is -A, -C or -D). */
    public static List<String> dnatJump(String op) {
        return List.of("-w", "5", "-t", "nat", op, "OUTPUT", "-m", "comment", "--comment", COMMENT, "-j", DNAT_CHAIN);
    }

    /** {@code -t nat <op> POSTROUTING ...}: the jump into {@link #SNAT_CHAIN}. */
    public static List<String> snatJump(String op) {
        return List.of("-w", "5", "-t", "nat", op, "POSTROUTING", "-m", "comment", "--comment", COMMENT, "-j", SNAT_CHAIN);
    }

    /** The input for {@code iptables-restore --noflush}: both chains declared (which empties them) and refilled. */
    public static String restoreInput(NodeIpMappings plan) {
        StringBuilder sb = new StringBuilder("*nat\n");
        sb.append(':').append(DNAT_CHAIN).append(" - [0:0]\n");
        sb.append(':').append(SNAT_CHAIN).append(" - [0:0]\n");
        for (Map.Entry<Inet4Address, Inet4Address> m : plan.mappings().entrySet()) {
            String internal = m.getKey().getHostAddress() + "/32";
            String comment = "\"" + COMMENT + " " + plan.nodes().get(m.getKey()) + "\"";
            sb.append("-A ").append(DNAT_CHAIN).append(" -d ").append(internal).append(" -m comment --comment ")
                    .append(comment).append(" -j DNAT --to-destination ").append(m.getValue().getHostAddress()).append('\n');
            sb.append("-A ").append(SNAT_CHAIN).append(" -m conntrack --ctstate DNAT --ctorigdst ").append(internal)
                    .append(" -m comment --comment ").append(comment).append(" -j MASQUERADE\n");
        }
        return sb.append("COMMIT\n").toString();
    }
}
