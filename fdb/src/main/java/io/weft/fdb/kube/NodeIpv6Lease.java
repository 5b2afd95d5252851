package io.weft.fdb.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Node;
import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.LeaseJson;
import io.weft.fdb.registry.MalformedLeaseException;
import io.weft.fdb.registry.SubnetKey;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Map;
import java.util.TreeMap;

/**
 * The IPv6 half of a node's flannel lease in kube mode, as flanneld's {@code nodeToLease} reads it and its
 * {@code AcquireLease} writes it when the net-conf enables IPv6: the IPv6 CIDR of {@code spec.podCIDRs} (or of
 * {@code spec.podCIDR}), {@code public-ipv6}, and {@code backend-v6-data} with the IPv6 device's own VtepMAC.
 * {@code public-ipv6-overwrite} takes the place of the detected address, and {@code node-public-ipv6} is read at
 * start-up as {@code -public-ipv6}, as for IPv4.
 */
public final class NodeIpv6Lease {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The IPv4 part of an IPv6-only lease: flannel's empty {@code ip.IP4Net}. */
    private static final Subnet NO_V4 = OwnPodCidrs.NO_V4;

    private final AnnotationNames names;

    public NodeIpv6Lease(AnnotationNames names) {
        this.names = names;
    }

    /**
     * The node's IPv6 pod subnet, or null if it has none (yet).
     *
     * @throws MalformedNodeException when a podCIDR is not in CIDR form, or there are more than two
     */
    public static Subnet ipv6PodSubnet(Node node) throws MalformedNodeException {
        return PodCidrs.first(node, true);
    }

    /**
     * {@code lease} (the node's IPv4 lease from {@link NodeLeases#lease}, or null on an IPv6-only network) with the
     * node's IPv6 half added: IPv6 subnet, {@code PublicIPv6} and {@code BackendV6Data}.
     *
     * @throws MalformedNodeException naming the field or annotation, and its value, when the IPv6 half is missing
     *                                or does not parse (flanneld refuses the whole node then, and so does weft)
     */
    public Lease withIpv6(Node node, Lease lease) throws MalformedNodeException {
        String name = NodeLeases.name(node);
        Subnet v6 = ipv6PodSubnet(node);
        if (v6 == null) {
            throw new MalformedNodeException(name, "spec.podCIDRs has no IPv6 CIDR although the network config enables"
                    + " IPv6; give the cluster an IPv6 --cluster-cidr as well");
        }
        Map<String, String> a = NodeLeases.annotations(node);
        Inet6Address publicIpv6 = publicIpv6(node, a.get(names.publicIpv6()));
        String data = a.get(names.backendV6Data());
        if (data == null || data.isBlank() || data.equals("null")) {
            throw new MalformedNodeException(name, "annotation " + names.backendV6Data() + " is missing although the"
                    + " network config enables IPv6");
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw NodeLeases.bad(node, names.backendV6Data(), data, "not JSON (" + e.getOriginalMessage() + ")");
        }
        ObjectNode value = JSON.createObjectNode();
        value.put("PublicIP", lease == null ? "0.0.0.0" : Subnet.formatAddress(lease.publicIp()));
        value.put("PublicIPv6", Subnet.formatAddress(publicIpv6));
        value.put("BackendType", Lease.VXLAN);
        value.set("BackendV6Data", parsed);
        Lease v6Half;
        try {
            v6Half = LeaseJson.decode(name, new SubnetKey(lease == null ? NO_V4 : lease.subnet(), v6), value.toString());
        } catch (MalformedLeaseException e) {
            String prefix = "lease " + name + " does not parse: ";
            String detail = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            throw NodeLeases.bad(node, names.backendV6Data(), data, detail.replace("BackendV6Data.", "").replace("BackendV6Data ", ""));
        }
        if (lease == null) {
            return v6Half;
        }
        return new Lease(lease.subnet(), lease.publicIp(), v6, publicIpv6, lease.backendType(), lease.backendData(),
                v6Half.backendV6Data(), lease.expiry());
    }

    /** The annotations flanneld writes for this node's IPv6 half: {@code backend-v6-data} and {@code public-ipv6}. */
    public Map<String, String> wanted(Node node, Inet6Address detected, BackendData v6Data) {
        Map<String, String> want = new TreeMap<>();
        want.put(names.backendV6Data(), OwnAnnotations.backendDataValue(v6Data));
        Inet6Address overwrite = overwrite(node);
        want.put(names.publicIpv6(), Subnet.formatAddress(overwrite != null ? overwrite : detected));
        return want;
    }

    /** The user's {@code public-ipv6-overwrite} as an address, or null when it is absent, empty or not IPv6. */
    Inet6Address overwrite(Node node) {
        return ipv6(NodeLeases.annotations(node).get(names.publicIpv6Overwrite()));
    }

    /** The raw {@code public-ipv6-overwrite} value when it is set but is not an IPv6 address, else null. */
    String invalidOverwrite(Node node) {
        String raw = NodeLeases.annotations(node).get(names.publicIpv6Overwrite());
        return raw != null && !raw.isBlank() && ipv6(raw) == null ? raw : null;
    }

    /** The user's {@code node-public-ipv6} (used as {@code -public-ipv6}), or null. */
    public String nodePublicIpv6(Node node) {
        String raw = NodeLeases.annotations(node).get(names.nodePublicIpv6());
        return raw == null || raw.isBlank() ? null : raw.trim();
    }

    private Inet6Address publicIpv6(Node node, String text) throws MalformedNodeException {
        if (text == null || text.isBlank()) {
            throw new MalformedNodeException(NodeLeases.name(node), "annotation " + names.publicIpv6() + " is missing"
                    + " although the network config enables IPv6");
        }
        InetAddress a;
        try {
            a = Subnet.parseAddress(text);
        } catch (IllegalArgumentException e) {
            throw NodeLeases.bad(node, names.publicIpv6(), text, "not an IP address");
        }
        if (!(a instanceof Inet6Address v6)) {
            throw NodeLeases.bad(node, names.publicIpv6(), text, "not an IPv6 address");
        }
        return v6;
    }

    private static Inet6Address ipv6(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Subnet.parseAddress(text) instanceof Inet6Address v6 ? v6 : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
