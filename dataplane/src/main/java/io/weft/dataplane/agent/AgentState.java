package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlane;
import io.weft.dataplane.host.DirectRoutes;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.AcquiredLease;
import io.weft.fdb.registry.SubnetRegistry;
import io.weft.vtep.MacAddress;

import java.net.Inet4Address;
import java.util.Map;

/**
 * What the running agent is, for the read-only views (control socket, metrics).
 *
 * @param publicIp   the PublicIP advertised at start (see {@link #advertisedPublicIp()} for the one advertised now)
 * @param nodeIpDnat the {@code --node-ip-dnat} rules, or null when it is off
 * @param directRouting the direct routes to peers on our segment ({@code Backend.DirectRouting}), or null when off
 */
record AgentState(
        DataPlane dataPlane,
        PublishedTable table,
        SubnetRegistry registry,
        NetworkConfig config,
        Subnet subnet,
        MacAddress vtepMac,
        String device,
        String vtepAddress,
        int port,
        Inet4Address publicIp,
        ExternalInterface underlay,
        NodeIpDnat nodeIpDnat,
        DirectRouting directRouting) {

    /**
     * The PublicIP peers send to now, from the registry's current lease: in kube mode a {@code public-ip-overwrite}
     * set or removed on the running node changes it without a restart.
     */
    Inet4Address advertisedPublicIp() {
        AcquiredLease current = registry.currentLease();
        return current != null && current.lease().publicIp() != null ? current.lease().publicIp() : publicIp;
    }

    /** The PublicIPv6 of our lease now, or null without IPv6. */
    java.net.Inet6Address advertisedPublicIpv6() {
        AcquiredLease current = registry.currentLease();
        return current == null ? null : current.lease().publicIpv6();
    }

    /** The peers routed directly by the kernel, by subnet (none when DirectRouting is off). */
    Map<Subnet, DirectRoutes.Route> directRoutes() {
        return directRouting == null ? Map.of() : directRouting.current();
    }
}
