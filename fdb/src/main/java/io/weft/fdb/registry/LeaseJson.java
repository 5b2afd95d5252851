package io.weft.fdb.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Iterator;
import java.util.Map;

/**
 * A lease's etcd value, byte for byte as flanneld (etcd v3, v0.18+) marshals its {@code LeaseAttrs}:
 * <pre>{"PublicIP":"192.168.64.3","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"c6:d2:32:6f:8f:44"}}</pre>
 * Field order is Go's struct order; {@code PublicIPv6} has no omitempty so it is written as {@code null};
 * {@code BackendType}, {@code BackendData} and {@code BackendV6Data} are omitted when empty.
 *
 * <p>Decoding follows Go's {@code encoding/json}: names match case-insensitively, the last of duplicate names wins,
 * unknown names are ignored. It also accepts the {@code {"VtepMAC":…}} form without VNI written before v0.13.1.
 */
public final class LeaseJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_VNI = (1 << 24) - 1;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LeaseJson.class);
    /** A lease is decoded at every listing and watch event; its broken IPv6 half is reported once an hour. */
    private static final LogLimiter BROKEN_V6_LOG = new LogLimiter(java.time.Duration.ofHours(1));

    private LeaseJson() {
    }

    public static String encode(Lease lease) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("{\"PublicIP\":");
        quoted(sb, lease.publicIp() == null ? "0.0.0.0" : Subnet.formatAddress(lease.publicIp()));
        sb.append(",\"PublicIPv6\":");
        if (lease.publicIpv6() == null) {
            sb.append("null");
        } else {
            quoted(sb, Subnet.formatAddress(lease.publicIpv6()));
        }
        if (lease.backendType() != null && !lease.backendType().isEmpty()) {
            sb.append(",\"BackendType\":");
            quoted(sb, lease.backendType());
        }
        if (lease.backendData() != null) {
            sb.append(",\"BackendData\":");
            backendData(sb, lease.backendData());
        }
        if (lease.backendV6Data() != null) {
            sb.append(",\"BackendV6Data\":");
            backendData(sb, lease.backendV6Data());
        }
        return sb.append('}').toString();
    }

    /**
     * Decodes a value read from {@code key}. Non-vxlan leases decode without their backend data (weft ignores them);
     * for vxlan leases an unparsable {@code VtepMAC}, or no backend data at all, is an error ({@code BackendData} alone
     * may be missing: an IPv6-only lease carries only {@code BackendV6Data}).
     *
     * @throws MalformedLeaseException naming the key and the field at fault
     */
    public static Lease decode(String key, SubnetKey subnets, String json) throws MalformedLeaseException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new MalformedLeaseException(key, "value is not JSON (" + e.getOriginalMessage() + "): " + shown(json));
        }
        if (root == null || !root.isObject()) {
            throw new MalformedLeaseException(key, "value is not a JSON object: " + shown(json));
        }
        Inet4Address publicIp = (Inet4Address) address(key, root, "PublicIP", false);
        if (publicIp == null) {
            throw new MalformedLeaseException(key, "PublicIP is missing");
        }
        String backendType = text(key, root, "BackendType");
        boolean vxlan = Lease.VXLAN.equals(backendType);
        BackendData data = vxlan ? backendData(key, "BackendData", field(root, "BackendData")) : null;
        Inet6Address publicIpv6;
        BackendData v6Data;
        try {
            publicIpv6 = (Inet6Address) address(key, root, "PublicIPv6", true);
            v6Data = vxlan ? backendData(key, "BackendV6Data", field(root, "BackendV6Data")) : null;
        } catch (MalformedLeaseException bad) {
            if (data == null || !subnets.hasIpv4()) {
                throw bad;
            }
            // flanneld would skip the whole lease; its IPv4 half is sound, so it is kept (and its IPv6 subnet still
            // counts as taken): only the IPv6 overlay to this node is lost, and the line says so.
            if (BROKEN_V6_LOG.allow(key)) {
                LOG.warn("{}; using its IPv4 part only (no IPv6 overlay traffic to {} until the value is fixed)",
                        bad.getMessage(), subnets.v4());
            }
            publicIpv6 = null;
            v6Data = null;
        }
        if (vxlan && data == null && v6Data == null) {
            throw new MalformedLeaseException(key, "BackendType is vxlan but BackendData is missing");
        }
        return new Lease(subnets.v4(), publicIp, subnets.v6(), publicIpv6, backendType, data, v6Data, null);
    }

    /** Decodes a value given the full etcd key, parsing the subnets from the key. */
    public static Lease decode(String key, String json) throws MalformedLeaseException {
        SubnetKey subnets;
        try {
            subnets = LeaseKeys.parse(key);
        } catch (IllegalArgumentException e) {
            throw new MalformedLeaseException(key, e.getMessage());
        }
        return decode(key, subnets, json);
    }

    private static BackendData backendData(String key, String name, JsonNode node) throws MalformedLeaseException {
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw new MalformedLeaseException(key, name + " " + shown(node.toString()) + " is not a JSON object");
        }
        JsonNode vniNode = field(node, "VNI");
        int vni = BackendData.NO_VNI;
        if (vniNode != null) {
            if (!vniNode.isIntegralNumber() || vniNode.longValue() < 0 || vniNode.longValue() > MAX_VNI) {
                throw new MalformedLeaseException(key, name + ".VNI " + shown(vniNode.toString()) + " is not a number in 0.." + MAX_VNI);
            }
            vni = vniNode.intValue();
        }
        JsonNode macNode = field(node, "VtepMAC");
        if (macNode == null) {
            throw new MalformedLeaseException(key, name + ".VtepMAC is missing");
        }
        if (!macNode.isTextual()) {
            throw new MalformedLeaseException(key, name + ".VtepMAC " + shown(macNode.toString()) + " is not a string");
        }
        try {
            return new BackendData(vni, MacAddress.parse(macNode.textValue()));
        } catch (IllegalArgumentException e) {
            throw new MalformedLeaseException(key, name + ".VtepMAC " + shown(macNode.toString()) + " is not a MAC address");
        }
    }

    private static InetAddress address(String key, JsonNode root, String name, boolean v6) throws MalformedLeaseException {
        String s = text(key, root, name);
        if (s == null) {
            return null;
        }
        InetAddress a;
        try {
            a = Subnet.parseAddress(s);
        } catch (IllegalArgumentException e) {
            throw new MalformedLeaseException(key, name + " \"" + shown(s) + "\" is not an IP address");
        }
        if (v6 != (a instanceof Inet6Address)) {
            throw new MalformedLeaseException(key, name + " \"" + s + "\" is not an IPv" + (v6 ? "6" : "4") + " address");
        }
        return a;
    }

    private static String text(String key, JsonNode root, String name) throws MalformedLeaseException {
        JsonNode n = field(root, name);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw new MalformedLeaseException(key, name + " " + shown(n.toString()) + " is not a string");
        }
        return n.textValue();
    }

    /** Go's matching: case-insensitive, last one wins; JSON null counts as absent. */
    public static JsonNode field(JsonNode object, String name) {
        JsonNode found = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equalsIgnoreCase(name)) {
                found = e.getValue();
            }
        }
        return found == null || found.isNull() ? null : found;
    }

    private static void backendData(StringBuilder sb, BackendData d) {
        sb.append('{');
        if (d.vni() != BackendData.NO_VNI) {
            sb.append("\"VNI\":").append(d.vni()).append(',');
        }
        sb.append("\"VtepMAC\":");
        quoted(sb, d.vtepMac().toString());
        sb.append('}');
    }

    /** A JSON string as Go's encoder writes it, including its HTML-safe escapes of {@code < > &}. */
    private static void quoted(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> sb.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static String shown(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
