package io.weft.fdb.path;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.LeaseJson;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The advert's text, the same in etcd ({@code <prefix>/weft/<subnet key>}) and in the node annotation:
 * <pre>{"Version":1,"PrivateIP":"10.0.1.5","TcpPort":8472}</pre>
 * {@code PrivateIP} is left out when there is none, {@code TcpPort} when it is 0. Names are matched without regard to
 * case, as for the lease JSON; unknown names are ignored, so a later version can add fields that this one skips.
 */
public final class WeftAdvertJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int SHOWN = 80;

    private WeftAdvertJson() {
    }

    public static String encode(WeftAdvert a) {
        StringBuilder sb = new StringBuilder(64).append("{\"Version\":").append(a.version());
        if (a.privateIp() != null) {
            sb.append(",\"PrivateIP\":\"").append(Subnet.formatAddress(a.privateIp())).append('"');
        }
        if (a.tcpPort() > 0) {
            sb.append(",\"TcpPort\":").append(a.tcpPort());
        }
        return sb.append('}').toString();
    }

    /**
     * @param where the key or annotation the text came from, for the message
     * @throws IllegalArgumentException in one line naming {@code where}, the text and what is wrong with it
     */
    public static WeftAdvert decode(String where, String text) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(where, text, "not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw bad(where, text, "not a JSON object");
        }
        JsonNode version = LeaseJson.field(root, "Version");
        if (version == null || !version.canConvertToInt() || !version.isIntegralNumber() || version.asInt() < 1) {
            throw bad(where, text, "Version must be a whole number of at least 1");
        }
        Inet4Address privateIp = null;
        JsonNode ip = LeaseJson.field(root, "PrivateIP");
        if (ip != null && !ip.isNull()) {
            InetAddress a;
            try {
                a = ip.isTextual() ? Subnet.parseAddress(ip.asText()) : null;
            } catch (IllegalArgumentException e) {
                a = null;
            }
            if (!(a instanceof Inet4Address v4)) {
                throw bad(where, text, "PrivateIP " + ip + " is not an IPv4 address");
            }
            privateIp = v4;
        }
        int port = 0;
        JsonNode p = LeaseJson.field(root, "TcpPort");
        if (p != null && !p.isNull()) {
            if (!p.isIntegralNumber() || !p.canConvertToInt() || p.asInt() < 0 || p.asInt() > 65535) {
                throw bad(where, text, "TcpPort " + p + " is not a port number");
            }
            port = p.asInt();
        }
        return new WeftAdvert(version.asInt(), privateIp, port);
    }

    private static IllegalArgumentException bad(String where, String text, String why) {
        String shown = text.length() <= SHOWN ? text : text.substring(0, SHOWN - 3) + "...";
        return new IllegalArgumentException("weft advert " + where + " '" + shown.replace('\n', ' ') + "' does not parse: "
                + why + "; the peer is treated as a plain flannel peer");
    }
}
