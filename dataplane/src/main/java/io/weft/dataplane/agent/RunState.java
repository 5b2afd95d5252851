package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.LeaseJson;
import io.weft.vtep.MacAddress;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What the last agent ran with, kept in {@code <run-dir>/state.json} so that the next one can forward before etcd (or
 * the API server) answers and can tell what to reprogram: the data plane's config, the host setup it installed, and
 * the peers' leases of its last table. Written whole to a temporary file and renamed over the old one, so a reader
 * (or an agent killed mid-write) never sees half a file.
 *
 * @param dataPlane the data plane's config
 * @param setup     the host setup installed besides the TUN
 * @param leases    the other nodes' leases the table was last built from
 */
record RunState(DataPlaneConfig dataPlane, HostSetup setup, List<Lease> leases) {
    static final String FILE = "state.json";
    private static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    RunState {
        leases = List.copyOf(leases);
    }

    RunState withLeases(List<Lease> next) {
        return new RunState(dataPlane, setup, next);
    }

    RunState withSetup(HostSetup next) {
        return new RunState(dataPlane, next, leases);
    }

    static Path path(Path runDir) {
        return runDir.resolve(FILE);
    }

    /** The state in {@code runDir}, or null when there is none or it cannot be read (then the start is a cold one). */
    static RunState read(Path runDir) {
        Path p = path(runDir);
        if (!Files.isRegularFile(p)) {
            return null;
        }
        try {
            return parse(JSON.readTree(Files.readAllBytes(p)));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static RunState parse(JsonNode root) {
        if (root.path("format").asInt() != FORMAT) {
            return null;
        }
        JsonNode d = root.path("dataPlane");
        DataPlaneConfig c = new DataPlaneConfig(d.path("device").asText(), d.path("mtu").asInt(), d.path("vni").asInt(),
                d.path("port").asInt(), MacAddress.parse(d.path("vtepMac").asText()),
                subnet(d.path("subnet")), subnet(d.path("network")),
                d.path("workers").asInt(), d.path("acceptUnknownVteps").asBoolean(),
                d.path("acceptAnyInnerSource").asBoolean(), d.path("offloads").asBoolean(), sendFrom(d.path("sendFrom")),
                ipv6(d.path("ipv6")));
        JsonNode s = root.path("setup");
        HostSetup setup = new HostSetup(s.path("blackhole").isTextual() ? s.path("blackhole").asText() : null,
                s.path("masquerade").asBoolean(), s.path("forward").asBoolean(), s.path("nftables").asBoolean(),
                s.path("nodeIpDnat").asBoolean(), s.path("blackholeV6").isTextual() ? s.path("blackholeV6").asText() : null);
        List<Lease> leases = new ArrayList<>();
        for (JsonNode l : root.path("leases")) {
            try {
                leases.add(LeaseJson.decode(l.path("key").asText(), l.path("value").asText()));
            } catch (Exception e) {
                // a lease that no longer parses is left out; etcd's answer brings the truth soon after
            }
        }
        return new RunState(c, setup, leases);
    }

    /** A subnet, or null where an IPv6-only run had none (JSON null or absent). */
    private static Subnet subnet(JsonNode n) {
        return n.isTextual() ? Subnet.parse(n.asText()) : null;
    }

    /** The IPv6 half of a dual-stack or IPv6-only run; absent (IPv4 only) in a state an older weft wrote. */
    private static Ipv6Overlay ipv6(JsonNode n) {
        if (!n.isObject()) {
            return null;
        }
        JsonNode bind = n.path("bind");
        return new Ipv6Overlay(Subnet.parse(n.path("subnet").asText()), Subnet.parse(n.path("network").asText()),
                MacAddress.parse(n.path("vtepMac").asText()),
                bind.isTextual() && Subnet.parseAddress(bind.asText()) instanceof java.net.Inet6Address a ? a : null,
                n.path("mtu").asInt());
    }

    /** The address the VXLAN sockets were bound to; absent (any address) in a state an older weft wrote. */
    private static java.net.Inet4Address sendFrom(JsonNode n) {
        if (!n.isTextual()) {
            return null;
        }
        return Subnet.parseAddress(n.asText()) instanceof java.net.Inet4Address a ? a : null;
    }

    String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode d = root.putObject("dataPlane");
        d.put("device", dataPlane.device());
        d.put("mtu", dataPlane.mtu());
        d.put("vni", dataPlane.vni());
        d.put("port", dataPlane.port());
        d.put("vtepMac", dataPlane.vtepMac().toString());
        if (dataPlane.hasIpv4()) {
            d.put("subnet", dataPlane.localSubnet().toString());
            d.put("network", dataPlane.network().toString());
        }
        d.put("workers", dataPlane.workers());
        d.put("acceptUnknownVteps", dataPlane.acceptUnknownVteps());
        d.put("acceptAnyInnerSource", dataPlane.acceptAnyInnerSource());
        d.put("offloads", dataPlane.offloads());
        if (dataPlane.bindAddress() != null) {
            d.put("sendFrom", dataPlane.bindAddress().getHostAddress());
        }
        Ipv6Overlay v6 = dataPlane.ipv6();
        if (v6 != null) {
            ObjectNode o = d.putObject("ipv6");
            o.put("subnet", v6.localSubnet().toString());
            o.put("network", v6.network().toString());
            o.put("vtepMac", v6.vtepMac().toString());
            if (v6.bindAddress() != null) {
                o.put("bind", Subnet.formatAddress(v6.bindAddress()));
            }
            o.put("mtu", v6.mtu());
        }
        ObjectNode s = root.putObject("setup");
        s.put("blackhole", setup.blackhole());
        s.put("masquerade", setup.masquerade());
        s.put("forward", setup.forward());
        s.put("nftables", setup.nftables());
        s.put("nodeIpDnat", setup.nodeIpDnat());
        s.put("blackholeV6", setup.blackholeV6());
        ArrayNode ls = root.putArray("leases");
        for (Lease l : leases) {
            ls.addObject().put("key", l.key()).put("value", LeaseJson.encode(l));
        }
        return root.toPrettyString() + "\n";
    }

    /** Writes the state atomically (a temporary file in the same directory, renamed over the old one). */
    void write(Path runDir) throws IOException {
        writeAtomically(runDir, FILE, toJson());
    }

    /** Writes {@code text} to {@code runDir/name} through a temporary file renamed over the old one. */
    static void writeAtomically(Path runDir, String name, String text) throws IOException {
        Files.createDirectories(runDir);
        Path tmp = Files.createTempFile(runDir, "." + name + "-", ".tmp");
        try {
            Files.writeString(tmp, text);
            try {
                Files.move(tmp, runDir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, runDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The host setup an agent installs besides the TUN, as its flags and the network config decide it.
     *
     * @param blackhole  the subnet of the {@code -ip-blackhole-route}, or null
     * @param masquerade {@code -ip-masq}
     * @param forward    {@code -iptables-forward-rules}
     * @param nftables   the rules are in nftables (EnableNFTables), not iptables
     * @param nodeIpDnat {@code --node-ip-dnat}
     * @param blackholeV6 the IPv6 subnet of the {@code -ip-blackhole-route} (flanneld adds one for each family), or null
     */
    record HostSetup(String blackhole, boolean masquerade, boolean forward, boolean nftables, boolean nodeIpDnat,
                     String blackholeV6) {
        /** Without an IPv6 blackhole route. */
        HostSetup(String blackhole, boolean masquerade, boolean forward, boolean nftables, boolean nodeIpDnat) {
            this(blackhole, masquerade, forward, nftables, nodeIpDnat, null);
        }

        static HostSetup of(AgentSettings s, boolean nftables, Subnet subnet, Subnet subnet6) {
            return new HostSetup(s.blackholeRoute() && subnet != null ? subnet.toString() : null, s.ipMasq(), s.iptablesForwardRules(),
                    nftables, s.nodeIpDnat(), s.blackholeRoute() && subnet6 != null ? subnet6.toString() : null);
        }
    }
}
