package io.weft.fdb.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Node;
import io.weft.fdb.BackendData;
import io.weft.fdb.Lease;
import io.weft.fdb.Subnet;
import io.weft.fdb.path.WeftAdvert;
import io.weft.fdb.path.WeftAdvertJson;
import io.weft.vtep.MacAddress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Map;
import java.util.TreeMap;

/**
 * The annotations this node publishes, with the values flanneld's {@code AcquireLease} writes for the same node:
 * {@code backend-type: vxlan}, {@code backend-data: {"VNI":1,"VtepMAC":"…"}} (Go's encoding of the vxlan lease
 * attributes), {@code public-ip} (the dotted quad; {@code public-ip-overwrite} instead when a user set one) and
 * {@code kube-subnet-manager: "true"}. When the network config enables IPv6 it adds flanneld's {@code backend-v6-data}
 * (the IPv6 device's own VtepMAC) and {@code public-ipv6} (or the {@code public-ipv6-overwrite}); on an IPv6-only
 * network, where flanneld's IPv4 backend data is {@code null}, it writes neither {@code backend-data} nor
 * {@code public-ip}.
 */
public final class OwnAnnotations {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AnnotationNames names;
    private final NodeIpv6Lease ipv6;

    public OwnAnnotations(AnnotationNames names) {
        this.names = names;
        this.ipv6 = new NodeIpv6Lease(names);
    }

    AnnotationNames names() {
        return names;
    }

    /** {@code {"VNI":1,"VtepMAC":"0e:2c:…"}}, byte for byte as flanneld marshals it. */
    public static String backendDataValue(BackendData data) {
        StringBuilder sb = new StringBuilder(48).append('{');
        if (data.vni() != BackendData.NO_VNI) {
            sb.append("\"VNI\":").append(data.vni()).append(',');
        }
        return sb.append("\"VtepMAC\":\"").append(data.vtepMac()).append("\"}").toString();
    }

    /**
     * The public address to advertise: a valid {@code public-ip-overwrite}, else {@code detected}. An overwrite that
     * is not an IPv4 address is ignored (flanneld would publish it and its peers could not parse it).
     */
    public Inet4Address advertised(Node node, Inet4Address detected) {
        Inet4Address overwrite = overwrite(node);
        return overwrite != null ? overwrite : detected;
    }

    /** The user's {@code public-ip-overwrite} as an address, or null when it is absent, empty or not IPv4. */
    public Inet4Address overwrite(Node node) {
        return ipv4(NodeLeases.annotations(node).get(names.publicIpOverwrite()));
    }

    /** The raw {@code public-ip-overwrite} value when it is set but is not an IPv4 address, else null. */
    public String invalidOverwrite(Node node) {
        String raw = NodeLeases.annotations(node).get(names.publicIpOverwrite());
        return raw != null && !raw.isBlank() && ipv4(raw) == null ? raw : null;
    }

    /** The raw {@code public-ipv6-overwrite} value when it is set but is not an IPv6 address, else null. */
    public String invalidIpv6Overwrite(Node node) {
        return ipv6.invalidOverwrite(node);
    }

    /** The user's {@code node-public-ip} (used as {@code -public-ip}), or null. */
    public String nodePublicIp(Node node) {
        String raw = NodeLeases.annotations(node).get(names.nodePublicIp());
        return raw == null || raw.isBlank() ? null : raw.trim();
    }

    /** The VtepMAC from this node's own {@code backend-data}, so a restarted weft keeps it; null if none parses. */
    public MacAddress storedVtepMac(Node node) {
        String data = NodeLeases.annotations(node).get(names.backendData());
        if (data == null) {
            return null;
        }
        try {
            String mac = JSON.readTree(data).path("VtepMAC").asText(null);
            return mac == null ? null : MacAddress.parse(mac);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The annotations flanneld would write for this node, in key order. */
    public Map<String, String> wanted(Node node, Inet4Address detected, BackendData data) {
        return wanted(node, detected, data, null);
    }

    /** As {@link #wanted(Node, Inet4Address, BackendData)}, plus weft's own {@link AnnotationNames#WEFT_ADVERT}. */
    public Map<String, String> wanted(Node node, Inet4Address detected, BackendData data, WeftAdvert advert) {
        return wanted(node, detected, data, null, null, advert);
    }

    /**
     * Every annotation flanneld would write for this node, plus the weft advert.
     *
     * @param data     the IPv4 backend data, or null on an IPv6-only network (no {@code backend-data}, no {@code public-ip})
     * @param detected6 the detected {@code PublicIPv6}, or null when IPv6 is not enabled
     * @param data6    the IPv6 backend data, or null when IPv6 is not enabled
     * @param advert   weft's own annotation, or null
     */
    public Map<String, String> wanted(Node node, Inet4Address detected, BackendData data, Inet6Address detected6,
                                      BackendData data6, WeftAdvert advert) {
        Map<String, String> want = new TreeMap<>();
        if (advert != null) {
            want.put(AnnotationNames.WEFT_ADVERT, WeftAdvertJson.encode(advert));
        }
        want.put(names.backendType(), Lease.VXLAN);
        if (data != null) {
            want.put(names.backendData(), backendDataValue(data));
            want.put(names.publicIp(), Subnet.formatAddress(advertised(node, detected)));
        }
        if (data6 != null) {
            want.putAll(ipv6.wanted(node, detected6, data6));
        }
        want.put(names.kubeSubnetManager(), "true");
        return want;
    }

    /** The {@code PublicIPv6} to advertise: a valid {@code public-ipv6-overwrite}, else {@code detected}. */
    public Inet6Address advertisedIpv6(Node node, Inet6Address detected) {
        Inet6Address overwrite = ipv6.overwrite(node);
        return overwrite != null ? overwrite : detected;
    }

    /** Those of {@link #wanted} that the node does not carry yet (empty: nothing to patch). */
    public Map<String, String> missing(Node node, Inet4Address detected, BackendData data) {
        return missing(node, detected, data, null);
    }

    /** As {@link #missing(Node, Inet4Address, BackendData)} with the weft advert among the wanted ones. */
    public Map<String, String> missing(Node node, Inet4Address detected, BackendData data, WeftAdvert advert) {
        return missing(node, detected, data, null, null, advert);
    }

    /** Those of {@link #wanted(Node, Inet4Address, BackendData, Inet6Address, BackendData, WeftAdvert)} not on the node yet. */
    public Map<String, String> missing(Node node, Inet4Address detected, BackendData data, Inet6Address detected6,
                                       BackendData data6, WeftAdvert advert) {
        Map<String, String> have = NodeLeases.annotations(node);
        Map<String, String> out = new TreeMap<>();
        wanted(node, detected, data, detected6, data6, advert).forEach((k, v) -> {
            if (!v.equals(have.get(k))) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The strategic-merge patch that sets {@code annotations}: {@code {"metadata":{"annotations":{…}}}}. */
    public static String patch(Map<String, String> annotations) {
        try {
            return JSON.writeValueAsString(Map.of("metadata", Map.of("annotations", new TreeMap<>(annotations))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Inet4Address ipv4(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            InetAddress a = Subnet.parseAddress(text);
            return a instanceof Inet4Address v4 ? v4 : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
