package io.weft.dataplane.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.dataplane.agent.ExternalInterface;
import io.weft.fdb.NetworkConfig;

/**
 * The address family {@code weft doctor} chooses the underlay interface by: the one the agent chooses it by, so that
 * the doctor checks the interface the agent uses. IPv6 for an IPv6-only network ({@code "EnableIPv4": false}), whose
 * hosts may have no IPv4 address at all; IPv4 for an IPv4 or dual-stack one (flanneld needs both families on one
 * interface, found by IPv4).
 */
enum UnderlayFamily {
    IPV4(50, "IPv4"),
    IPV6(70, "IPv6");

    /** The bytes VXLAN adds over this family's underlay: 50 over IPv4, 70 over IPv6 (its header is 20 bytes longer). */
    final int overhead;
    private final String label;

    UnderlayFamily(int overhead, String label) {
        this.overhead = overhead;
        this.label = label;
    }

    /**
     * By the network config when it was read; else by the running agent's stats (an IPv6 subnet and no IPv4 one is
     * an IPv6-only network); else IPv4, as the agent's default.
     *
     * @param config     the network config from etcd, or null when it could not be read (or in kube mode)
     * @param agentStats the running agent's {@code stats} reply, or null when no agent runs
     */
    static UnderlayFamily of(NetworkConfig config, JsonNode agentStats) {
        if (config != null) {
            return config.enableIpv4() ? IPV4 : IPV6;
        }
        boolean ipv6Only = agentStats != null && agentStats.hasNonNull("ipv6Subnet") && !agentStats.hasNonNull("subnet");
        return ipv6Only ? IPV6 : IPV4;
    }

    /** The OK line for the chosen interface; {@code ipv6} is its IPv6 address (IPv6 only), {@code advertised} the PublicIPv6. */
    Finding chosen(ExternalInterface ext, String ipv6, String advertised) {
        if (this == IPV4) {
            return Finding.ok("underlay", "underlay " + ext.describe() + " (MTU " + ext.mtu() + ") chosen by IPv4");
        }
        return Finding.ok("underlay", "underlay " + ext.name() + " (MTU " + ext.mtu() + ") chosen by IPv6, as the"
                + " agent chooses it: the network is IPv6-only; IPv6 address " + ipv6
                + (advertised.equals(ipv6) ? "" : ", advertising PublicIPv6 " + advertised));
    }

    /**
     * The FAIL line for an interface that cannot be chosen: what is wrong ({@code why}, from the choice, with the
     * network's family when it is known) and what to do.
     */
    Finding notFound(NetworkConfig config, String why) {
        if (this == IPV6) {
            return Finding.fail("underlay", why, "name the interface that reaches the other nodes over IPv6 with -iface,"
                    + " or give it an IPv6 address");
        }
        if (config == null) {
            return Finding.fail("underlay", why, "pass -iface with the interface that reaches the other nodes");
        }
        return Finding.fail("underlay", "the network config is " + (config.enableIpv6() ? "dual-stack" : "IPv4")
                        + ", so the underlay interface needs an IPv4 address: " + why,
                "give the interface that reaches the other nodes an IPv4 address and pass it with -iface; for a"
                        + " network without IPv4 set \"EnableIPv4\": false (IPv6-only) in the network config");
    }

    @Override
    public String toString() {
        return label;
    }
}
