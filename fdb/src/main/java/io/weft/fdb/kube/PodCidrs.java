package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.weft.fdb.Subnet;

import java.util.ArrayList;
import java.util.List;

/**
 * A node's pod CIDRs as flanneld reads them: {@code spec.podCIDRs} (at most one IPv4 and one IPv6 CIDR), else the
 * single {@code spec.podCIDR}; host bits cleared as Go's {@code net.ParseCIDR} does.
 */
final class PodCidrs {
    private PodCidrs() {
    }

    /** The CIDRs in the node's order; empty when the controller-manager has not assigned any yet. */
    static List<Subnet> of(Node node) throws MalformedNodeException {
        if (node.getSpec() == null) {
            return List.of();
        }
        List<String> cidrs = node.getSpec().getPodCIDRs();
        if (cidrs == null || cidrs.isEmpty()) {
            String one = node.getSpec().getPodCIDR();
            cidrs = one == null || one.isBlank() ? List.of() : List.of(one);
        }
        if (cidrs.size() > 2) {
            throw new MalformedNodeException(NodeLeases.name(node), "spec.podCIDRs " + cidrs + " has more than one IPv4 and one IPv6 CIDR");
        }
        List<Subnet> out = new ArrayList<>(cidrs.size());
        for (String text : cidrs) {
            try {
                out.add(Subnet.parseLenient(text));
            } catch (IllegalArgumentException e) {
                throw new MalformedNodeException(NodeLeases.name(node), "spec.podCIDR " + e.getMessage());
            }
        }
        return out;
    }

    /** The first CIDR of the family, or null. */
    static Subnet first(Node node, boolean ipv6) throws MalformedNodeException {
        for (Subnet s : of(node)) {
            if (s.isIpv6() == ipv6) {
                return s;
            }
        }
        return null;
    }
}
