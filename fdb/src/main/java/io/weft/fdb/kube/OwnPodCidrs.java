package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;

import java.nio.file.Path;
import java.util.List;

/**
 * Our node's pod CIDRs for the families the network config enables, as flanneld's {@code AcquireLease} takes them
 * from {@code spec.podCIDRs}: the IPv4 one when {@code EnableIPv4}, the IPv6 one when {@code EnableIPv6}. Where flanneld
 * fails with a terse error, {@link #problem} says in one line what is missing and what to change.
 *
 * @param all  every CIDR of the node, in its order
 * @param ipv4 the IPv4 CIDR when IPv4 is enabled and the node has one; flannel's empty IPv4 subnet on an IPv6-only
 *             network; else null
 * @param ipv6 the IPv6 CIDR when IPv6 is enabled and the node has one, else null
 */
record OwnPodCidrs(List<Subnet> all, Subnet ipv4, Subnet ipv6, NetworkConfig config) {
    /** The IPv4 part of an IPv6-only lease: flannel's empty {@code ip.IP4Net}. */
    static final Subnet NO_V4 = Subnet.ofV4(0, 0);

    static OwnPodCidrs of(Node node, NetworkConfig config) throws MalformedNodeException {
        List<Subnet> all = PodCidrs.of(node);
        Subnet v4 = config.enableIpv4() ? PodCidrs.first(node, false) : NO_V4;
        Subnet v6 = config.enableIpv6() ? PodCidrs.first(node, true) : null;
        return new OwnPodCidrs(all, v4, v6, config);
    }

    /** What keeps this node from its lease, in one line, or null when the CIDRs fit the config. */
    String problem(String nodeName, Path netConfigPath) {
        NetworkConfig cfg = config;
        String clusterCidr = (cfg.enableIpv4() ? cfg.network().toString() : "")
                + (cfg.enableIpv4() && cfg.enableIpv6() ? "," : "") + (cfg.enableIpv6() ? cfg.ipv6Network().toString() : "");
        if (all.isEmpty()) {
            return "node " + nodeName + " has no spec.podCIDR yet; waiting for the controller-manager to assign one"
                    + " (kube-controller-manager --allocate-node-cidrs=true --cluster-cidr=" + clusterCidr + ")";
        }
        if (ipv4 == null) {
            return "node " + nodeName + " has no IPv4 podCIDR (spec.podCIDRs " + all + ") although " + netConfigPath
                    + " enables IPv4; for an IPv6-only cluster set \"EnableIPv4\": false, else give the cluster an IPv4"
                    + " --cluster-cidr as well. Waiting for the podCIDRs to change";
        }
        if (cfg.enableIpv4() && !cfg.network().contains(ipv4)) {
            return "node " + nodeName + "'s podCIDR " + ipv4 + " is not inside Network " + cfg.network() + " of "
                    + netConfigPath + "; make net-conf.json's Network the cluster's --cluster-cidr. Waiting for the"
                    + " podCIDR to change";
        }
        if (cfg.enableIpv6() && ipv6 == null) {
            return "node " + nodeName + " has no IPv6 podCIDR (spec.podCIDRs " + all + ") although " + netConfigPath
                    + " enables IPv6; give kube-controller-manager a dual-stack --cluster-cidr=" + clusterCidr
                    + " (or set \"EnableIPv6\": false). Waiting for the podCIDRs to change";
        }
        if (cfg.enableIpv6() && !cfg.ipv6Network().contains(ipv6)) {
            return "node " + nodeName + "'s IPv6 podCIDR " + ipv6 + " is not inside IPv6Network " + cfg.ipv6Network()
                    + " of " + netConfigPath + "; make net-conf.json's IPv6Network the cluster's IPv6 --cluster-cidr."
                    + " Waiting for the podCIDR to change";
        }
        return null;
    }
}
