package io.weft.fdb.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.LeaseJson;
import io.weft.fdb.registry.MalformedLeaseException;
import io.weft.fdb.registry.SubnetKey;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Map;

/**
 * Reads a node the way flanneld's {@code nodeToLease} does: the subnet from {@code spec.podCIDRs} (the IPv4 one) or
 * {@code spec.podCIDR}, the rest from the {@code backend-type}, {@code backend-data} and {@code public-ip}
 * annotations. {@code backend-data} is decoded by {@link LeaseJson}'s rules, the same as a lease's
 * {@code BackendData} in etcd.
 */
public final class NodeLeases {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SHOWN = 60;

    private final AnnotationNames names;
    private final boolean ipv4;
    private final NodeIpv6Lease ipv6;

    /** Reads IPv4 leases only (a network config without {@code EnableIPv6}). */
    public NodeLeases(AnnotationNames names) {
        this(names, true, false);
    }

    /**
     * Reads the families the network config enables, as flanneld's {@code nodeToLease} does: the IPv4 half when
     * {@code EnableIPv4}, the IPv6 half ({@link NodeIpv6Lease}) when {@code EnableIPv6}.
     */
    public NodeLeases(AnnotationNames names, boolean ipv4, boolean ipv6) {
        if (!ipv4 && !ipv6) {
            throw new IllegalArgumentException("at least one of IPv4 and IPv6 must be enabled");
        }
        this.names = names;
        this.ipv4 = ipv4;
        this.ipv6 = ipv6 ? new NodeIpv6Lease(names) : null;
    }

    public AnnotationNames names() {
        return names;
    }

    /** flanneld counts only nodes annotated {@code kube-subnet-manager: "true"}. */
    public boolean managed(Node node) {
        return "true".equals(annotations(node).get(names.kubeSubnetManager()));
    }

    /**
     * The node's IPv4 pod subnet, or null if the controller-manager has not assigned one yet.
     *
     * @throws MalformedNodeException when a podCIDR is not in CIDR form
     */
    public static Subnet podSubnet(Node node) throws MalformedNodeException {
        return PodCidrs.first(node, false);
    }

    /**
     * The node's lease as peers see it, or null when the node does not take part: not {@link #managed}, no podCIDR
     * yet (no IPv4 one while IPv4 is enabled), or a backend other than vxlan. With IPv6 enabled the lease carries the
     * node's IPv6 half as well (an IPv6-only lease has flannel's empty IPv4 subnet and {@code PublicIP 0.0.0.0}).
     *
     * @throws MalformedNodeException naming the annotation and its value when one does not parse, or naming what is
     *                                missing from the IPv6 half
     */
    public Lease lease(Node node) throws MalformedNodeException {
        if (!managed(node) || !Lease.VXLAN.equals(annotations(node).get(names.backendType()))) {
            return null;
        }
        if (PodCidrs.of(node).isEmpty()) {
            return null;
        }
        Lease v4 = null;
        if (ipv4) {
            v4 = ipv4Lease(node);
            if (v4 == null) {
                return null;
            }
        }
        return ipv6 == null ? v4 : ipv6.withIpv6(node, v4);
    }

    /** The IPv4 half, or null while the node has no IPv4 podCIDR. */
    private Lease ipv4Lease(Node node) throws MalformedNodeException {
        Subnet subnet = podSubnet(node);
        if (subnet == null) {
            return null;
        }
        Map<String, String> a = annotations(node);
        String type = a.get(names.backendType());
        Inet4Address publicIp = publicIp(node, a.get(names.publicIp()));
        String data = a.get(names.backendData());
        if (data == null || data.isBlank()) {
            throw new MalformedNodeException(name(node), "annotation " + names.backendData() + " is missing although "
                    + names.backendType() + " is vxlan");
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw bad(node, names.backendData(), data, "not JSON (" + e.getOriginalMessage() + ")");
        }
        ObjectNode value = JSON.createObjectNode();
        value.put("PublicIP", Subnet.formatAddress(publicIp));
        value.put("BackendType", type);
        value.set("BackendData", parsed);
        String key = name(node);
        try {
            return LeaseJson.decode(key, new SubnetKey(subnet, null), value.toString());
        } catch (MalformedLeaseException e) {
            String prefix = "lease " + key + " does not parse: ";
            String detail = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            throw bad(node, names.backendData(), data, detail.replace("BackendData.", "").replace("BackendData ", ""));
        }
    }

    /** The node's first IPv4 {@code InternalIP} in {@code status.addresses}, or null. */
    public static Inet4Address internalIp(Node node) {
        if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return null;
        }
        for (NodeAddress a : node.getStatus().getAddresses()) {
            if ("InternalIP".equals(a.getType()) && a.getAddress() != null) {
                try {
                    if (Subnet.parseAddress(a.getAddress()) instanceof Inet4Address v4) {
                        return v4;
                    }
                } catch (IllegalArgumentException e) {
                    // not an address: try the next one
                }
            }
        }
        return null;
    }

    private Inet4Address publicIp(Node node, String text) throws MalformedNodeException {
        if (text == null || text.isBlank()) {
            throw new MalformedNodeException(name(node), "annotation " + names.publicIp() + " is missing");
        }
        InetAddress a;
        try {
            a = Subnet.parseAddress(text);
        } catch (IllegalArgumentException e) {
            throw bad(node, names.publicIp(), text, "not an IP address");
        }
        if (!(a instanceof Inet4Address)) {
            throw bad(node, names.publicIp(), text, "not an IPv4 address");
        }
        return (Inet4Address) a;
    }

    static MalformedNodeException bad(Node node, String annotation, String value, String why) {
        String shown = value.length() <= SHOWN ? value : value.substring(0, SHOWN - 3) + "...";
        return new MalformedNodeException(name(node), "annotation " + annotation + " '" + shown + "' does not parse: " + why);
    }

    static Map<String, String> annotations(Node node) {
        Map<String, String> a = node.getMetadata() == null ? null : node.getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }

    static String name(Node node) {
        return node.getMetadata() == null ? "?" : node.getMetadata().getName();
    }
}
