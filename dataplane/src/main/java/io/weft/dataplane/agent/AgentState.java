package io.weft.dataplane.agent;

import io.weft.dataplane.DataPlane;
import io.weft.dataplane.host.DirectRoutes;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.SubnetRegistry;
import io.weft.vtep.MacAddress;

import java.net.Inet4Address;
import java.util.Map;

/**
 * What the running agent is, for the read-only views (control socket, metrics).
 *
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

    /** The peers routed directly by the kernel, by subnet (none when DirectRouting is off). */
    Map<Subnet, DirectRoutes.Route> directRoutes() {
        return directRouting == null ? Map.of() : directRouting.current();
    }
}
