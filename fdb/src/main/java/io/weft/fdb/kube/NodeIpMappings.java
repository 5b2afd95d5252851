package io.weft.fdb.kube;

import io.weft.fdb.Subnet;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which peer InternalIPs {@code --node-ip-dnat} maps to their public IPs, so that the API server's connections to a
 * kubelet behind NAT (kubectl exec, logs, port-forward) reach it: every node whose InternalIP differs from its
 * advertised public IP. Two or more nodes with the same InternalIP (identical private ranges in different VPCs)
 * cannot all be mapped, and mapping one would send the others' traffic to it: none of them is mapped, and
 * {@link #conflicts} says so.
 *
 * @param mappings  InternalIP -> public IP, ordered by InternalIP
 * @param nodes     InternalIP -> the node it belongs to, for the same keys
 * @param conflicts one line per InternalIP shared by several nodes
 */
public record NodeIpMappings(Map<Inet4Address, Inet4Address> mappings, Map<Inet4Address, String> nodes,
                             List<String> conflicts) {
    private static final Comparator<Inet4Address> BY_ADDRESS = Comparator.comparingLong(a -> Integer.toUnsignedLong(
            Subnet.bytesToInt(a.getAddress(), 0)));

    public static NodeIpMappings plan(Collection<NodeAddress> peers) {
        Map<Inet4Address, List<NodeAddress>> byInternal = new TreeMap<>(BY_ADDRESS);
        for (NodeAddress p : peers) {
            if (p.internalIp() != null && !p.internalIp().equals(p.publicIp())) {
                byInternal.computeIfAbsent(p.internalIp(), k -> new ArrayList<>()).add(p);
            }
        }
        Map<Inet4Address, Inet4Address> mappings = new TreeMap<>(BY_ADDRESS);
        Map<Inet4Address, String> nodes = new TreeMap<>(BY_ADDRESS);
        List<String> conflicts = new ArrayList<>();
        byInternal.forEach((internal, owners) -> {
            if (owners.size() == 1) {
                mappings.put(internal, owners.get(0).publicIp());
                nodes.put(internal, owners.get(0).node());
            } else {
                conflicts.add("nodes " + owners.stream().map(NodeAddress::node).sorted().collect(Collectors.joining(", "))
                        + " all have InternalIP " + internal.getHostAddress() + ", so --node-ip-dnat maps none of them"
                        + " (the API server's kubectl exec and logs to them are not redirected); give them distinct"
                        + " InternalIPs (kubelet --node-ip) to map them");
            }
        });
        return new NodeIpMappings(Collections.unmodifiableMap(mappings), Collections.unmodifiableMap(nodes),
                List.copyOf(conflicts));
    }
}
