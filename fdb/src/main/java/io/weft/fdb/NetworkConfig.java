package io.weft.fdb;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * flannel's network config ({@code <prefix>/config} in etcd, or {@code net-conf.json}) after flannel's defaults and
 * validation ({@code pkg/subnet/config.go}, {@code CheckNetworkConfig}, and the vxlan backend's own config).
 *
 * <p>Parsing follows Go's {@code encoding/json}: field names match in any case, unknown fields (including the
 * Windows-only {@code MacPrefix} and {@code Name}) are ignored, {@code null} means "not set", and a value of the
 * wrong JSON type is an error naming the field. Everything flanneld accepts for the vxlan backend is accepted here,
 * with one deliberate difference: flanneld falls back to the udp backend when {@code Backend} is absent, weft
 * implements only vxlan and says so.
 *
 * <p>A value of this class is immutable and always valid: every getter returns the value after defaults.
 */
public final class NetworkConfig {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final Family V4 = new Family("", 32, 24, 22, 28, 30, "10.244.0.0/16");
    private static final Family V6 = new Family("IPv6", 128, 64, 62, 124, 126, "fd00:10:244::/56");

    private final String json;
    private final boolean enableIpv4;
    private final boolean enableIpv6;
    private final boolean enableNFTables;
    private final Range v4;
    private final Range v6;
    private final BackendConfig backend;

    private NetworkConfig(String json, boolean enableIpv4, boolean enableIpv6, boolean enableNFTables,
                          Range v4, Range v6, BackendConfig backend) {
        this.json = json;
        this.enableIpv4 = enableIpv4;
        this.enableIpv6 = enableIpv6;
        this.enableNFTables = enableNFTables;
        this.v4 = v4;
        this.v6 = v6;
        this.backend = backend;
    }

    /**
     * Parses and validates a network config.
     *
     * @throws ConfigException naming the field and the rule it broke, in one line
     */
    public static NetworkConfig parse(String json) throws ConfigException {
        if (json == null || json.isBlank()) {
            throw new ConfigException("", "empty; expected a JSON object such as "
                    + "{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"vxlan\"}}");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException("", "not valid JSON" + where + ": " + withoutSourceNoise(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException("", "the config must be a JSON object {...}, not "
                    + (root == null ? "nothing" : JsonFields.shown(root)));
        }
        JsonFields top = new JsonFields(root, "");

        // Read every field first, as Go's Unmarshal does, so a malformed value is reported even in a disabled family.
        boolean enableIpv4 = top.bool("EnableIPv4", true);
        boolean enableIpv6 = top.bool("EnableIPv6", false);
        boolean enableNFTables = top.bool("EnableNFTables", false);
        Given g4 = V4.read(top);
        Given g6 = V6.read(top);
        BackendConfig backend = readBackend(top);

        if (!enableIpv4 && !enableIpv6) {
            throw new ConfigException("EnableIPv4", "EnableIPv4 and EnableIPv6 are both false: enable at least one");
        }
        Range v4 = enableIpv4 ? V4.resolve(g4, "EnableIPv4 is true (the default)") : null;
        Range v6 = enableIpv6 ? V6.resolve(g6, "EnableIPv6 is true") : null;
        return new NetworkConfig(json, enableIpv4, enableIpv6, enableNFTables, v4, v6, backend);
    }

    /** Jackson names its input source inside messages ("[Source: REDACTED ...; line: 1, column: 1]"); keep the place. */
    private static String withoutSourceNoise(String message) {
        return message == null ? "" : message.replaceAll("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]",
                "line $1, column $2");
    }

    private static BackendConfig readBackend(JsonFields top) throws ConfigException {
        JsonFields be = top.object("Backend");
        String fix = "set \"Backend\": {\"Type\": \"vxlan\"}";
        if (be == null) {
            throw new ConfigException("Backend", "Backend: missing, and flannel then uses the udp backend, which weft"
                    + " does not implement; " + fix);
        }
        String type = be.string("Type");
        if (type == null || type.isEmpty()) {
            throw new ConfigException("Backend.Type", "Backend.Type: missing; weft implements only the vxlan backend; "
                    + fix);
        }
        if (!type.equalsIgnoreCase(BackendConfig.VXLAN)) {
            throw new ConfigException("Backend.Type", "Backend.Type \"" + type + "\": weft implements only the vxlan"
                    + " backend; " + fix + ", or keep flanneld for this network");
        }
        long vni = be.integer("VNI", BackendConfig.DEFAULT_VNI);
        if (vni < 1 || vni > 0xFF_FFFF) {
            throw new ConfigException("Backend.VNI", "Backend.VNI " + vni + ": must be 1..16777215 (a 24-bit VXLAN"
                    + " network identifier; omit it for the default 1)");
        }
        long port = be.integer("Port", 0);
        if (port < 0 || port > 65535) {
            throw new ConfigException("Backend.Port", "Backend.Port " + port + ": must be 1..65535, or 0 for the"
                    + " default " + BackendConfig.DEFAULT_PORT);
        }
        long mtu = be.integer("MTU", 0);
        int minMtu = BackendConfig.MIN_INNER_MTU + BackendConfig.VXLAN_OVERHEAD_V4;
        if (mtu != 0 && (mtu < minMtu || mtu > 65535)) {
            throw new ConfigException("Backend.MTU", "Backend.MTU " + mtu + ": must be " + minMtu + "..65535 (the"
                    + " underlay MTU; the overlay gets " + BackendConfig.VXLAN_OVERHEAD_V4 + " less), or 0 to take"
                    + " it from the external interface");
        }
        boolean gbp = be.bool("GBP", false);
        boolean learning = be.bool("Learning", false);
        boolean directRouting = be.bool("DirectRouting", false);
        return new BackendConfig(BackendConfig.VXLAN, (int) vni, (int) port, (int) mtu, gbp, learning, directRouting);
    }

    public boolean enableIpv4() {
        return enableIpv4;
    }

    public boolean enableIpv6() {
        return enableIpv6;
    }

    public boolean enableNFTables() {
        return enableNFTables;
    }

    /** {@code Network}, or null if IPv4 is disabled. */
    public Subnet network() {
        return v4 == null ? null : v4.network;
    }

    /** {@code SubnetLen} after defaults, or 0 if IPv4 is disabled. */
    public int subnetLen() {
        return v4 == null ? 0 : v4.subnetLen;
    }

    /** The first subnet leases may take ({@code SubnetMin}, prefix {@link #subnetLen()}), or null if IPv4 is off. */
    public Subnet subnetMin() {
        return v4 == null ? null : v4.min;
    }

    /** The last subnet leases may take ({@code SubnetMax}, prefix {@link #subnetLen()}), or null if IPv4 is off. */
    public Subnet subnetMax() {
        return v4 == null ? null : v4.max;
    }

    /** {@code IPv6Network}, or null if IPv6 is disabled. */
    public Subnet ipv6Network() {
        return v6 == null ? null : v6.network;
    }

    /** {@code IPv6SubnetLen} after defaults, or 0 if IPv6 is disabled. */
    public int ipv6SubnetLen() {
        return v6 == null ? 0 : v6.subnetLen;
    }

    public Subnet ipv6SubnetMin() {
        return v6 == null ? null : v6.min;
    }

    public Subnet ipv6SubnetMax() {
        return v6 == null ? null : v6.max;
    }

    public BackendConfig backend() {
        return backend;
    }

    /** The text this config was parsed from, unchanged. */
    public String json() {
        return json;
    }

    /** How many IPv4 subnets lie in [SubnetMin, SubnetMax]; 0 if IPv4 is disabled. */
    public long subnetCount() {
        return v4 == null ? 0 : v4.count().longValueExact();
    }

    /** How many IPv6 subnets lie in [IPv6SubnetMin, IPv6SubnetMax] (may exceed a long); 0 if IPv6 is disabled. */
    public BigInteger ipv6SubnetCount() {
        return v6 == null ? BigInteger.ZERO : v6.count();
    }

    /**
     * True if a lease may hold {@code s}: its family is enabled, its prefix is the configured subnet length, and it
     * lies within [min, max]. (A {@link Subnet} never has host bits set, so it is always aligned.) This is flannel's
     * test for reusing an existing lease.
     */
    public boolean inRange(Subnet s) {
        if (s == null) {
            return false;
        }
        Range r = s.isIpv6() ? v6 : v4;
        return r != null && s.prefixLength() == r.subnetLen && s.compareTo(r.min) >= 0 && s.compareTo(r.max) <= 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NetworkConfig{");
        if (v4 != null) {
            sb.append("Network=").append(v4.network).append(", SubnetLen=").append(v4.subnetLen)
                    .append(", SubnetMin=").append(v4.min.addressText())
                    .append(", SubnetMax=").append(v4.max.addressText()).append(", ");
        }
        if (v6 != null) {
            sb.append("IPv6Network=").append(v6.network).append(", IPv6SubnetLen=").append(v6.subnetLen)
                    .append(", IPv6SubnetMin=").append(v6.min.addressText())
                    .append(", IPv6SubnetMax=").append(v6.max.addressText()).append(", ");
        }
        return sb.append("EnableNFTables=").append(enableNFTables).append(", Backend=").append(backend).append('}')
                .toString();
    }

    /** One family's network, subnet length and allocation range, after defaults. */
    private record Range(Subnet network, int subnetLen, Subnet min, Subnet max) {
        BigInteger count() {
            BigInteger span = max.toBigInteger().subtract(min.toBigInteger());
            int bits = network.isIpv6() ? 128 : 32;
            return span.shiftRight(bits - subnetLen).add(BigInteger.ONE);
        }
    }

    /** What the JSON said for one family, before defaults: nulls and 0 for "not set". */
    private record Given(Subnet network, long subnetLen, InetAddress min, InetAddress max) {
    }

    /** The field names and numeric rules of one address family; flannel applies the same logic to both. */
    private record Family(String namePrefix, int bits, int defaultLen, int defaultLenUpToPrefix,
                          int maxNetworkPrefix, int maxSubnetLen, String example) {

        boolean v6() {
            return bits == 128;
        }

        String networkField() {
            return namePrefix + "Network";
        }

        String lenField() {
            return namePrefix + "SubnetLen";
        }

        Given read(JsonFields top) throws ConfigException {
            Subnet network = null;
            String text = top.string(networkField());
            if (text != null) {
                network = parseNetwork(text);
            }
            long len = top.integer(lenField(), 0);
            if (len < 0) {
                throw new ConfigException(lenField(), lenField() + " " + len + ": must not be negative");
            }
            InetAddress min = readAddress(top, namePrefix + "SubnetMin");
            InetAddress max = readAddress(top, namePrefix + "SubnetMax");
            return new Given(network, len, min, max);
        }

        private Subnet parseNetwork(String text) throws ConfigException {
            Subnet s;
            try {
                // Go's net.ParseCIDR, as flannel uses it, clears host bits rather than rejecting them.
                s = Subnet.parseLenient(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(networkField(), networkField() + ": " + e.getMessage()
                        + "; expected a CIDR such as \"" + example + "\"");
            }
            if (s.isIpv6() != v6()) {
                throw new ConfigException(networkField(), networkField() + " \"" + text + "\": must be an "
                        + (v6() ? "IPv6" : "IPv4") + " CIDR such as \"" + example + "\"");
            }
            return s;
        }

        private InetAddress readAddress(JsonFields top, String field) throws ConfigException {
            String text = top.string(field);
            if (text == null) {
                return null;
            }
            InetAddress a;
            try {
                a = Subnet.parseAddress(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(field, field + ": " + e.getMessage());
            }
            if ((a instanceof Inet4Address) == v6()) {
                throw new ConfigException(field, field + " \"" + text + "\": must be an " + (v6() ? "IPv6" : "IPv4")
                        + " address");
            }
            // flannel's IPv4 SubnetMin/Max are plain values, so 0.0.0.0 is indistinguishable from "not set"; its IPv6
            // ones are checked with ip.IsEmpty, which takes :: for "not set" in the same way.
            if (a.isAnyLocalAddress()) {
                return null;
            }
            return a;
        }

        Range resolve(Given g, String because) throws ConfigException {
            Subnet net = g.network();
            // flannel's Empty(): the zero network (0.0.0.0/0, ::/0) counts as "not set".
            if (net == null || (net.prefixLength() == 0 && net.toBigInteger().signum() == 0)) {
                throw new ConfigException(networkField(), networkField() + ": required when " + because
                        + ", e.g. \"" + networkField() + "\": \"" + example + "\"");
            }
            int p = net.prefixLength();
            int len;
            if (g.subnetLen() > 0) {
                if (g.subnetLen() > maxSubnetLen) {
                    throw new ConfigException(lenField(), lenField() + " " + g.subnetLen() + ": must be at most "
                            + maxSubnetLen);
                }
                if (g.subnetLen() < p + 2) {
                    throw new ConfigException(lenField(), lenField() + " " + g.subnetLen() + ": must be at least "
                            + (p + 2) + " so that " + networkField() + " " + net + " holds at least four subnets");
                }
                len = (int) g.subnetLen();
            } else {
                if (p > maxNetworkPrefix) {
                    throw new ConfigException(networkField(), networkField() + " " + net + ": too small; the prefix"
                            + " must be at most /" + maxNetworkPrefix + " to hold four subnets");
                }
                len = p <= defaultLenUpToPrefix ? defaultLen : p + 2;
            }
            // The first subnet is skipped by default: its network address would clash with the Network's own.
            Subnet min = g.min() == null ? Subnet.of(net.address(), len).next() : bound(net, len, g.min(), "SubnetMin");
            Subnet max = g.max() == null ? Subnet.of(net.next().address(), len).offsetSubnets(-1)
                    : bound(net, len, g.max(), "SubnetMax");
            if (min.compareTo(max) > 0) {
                throw new ConfigException(namePrefix + "SubnetMin", namePrefix + "SubnetMin " + min.addressText()
                        + ": must not be above " + namePrefix + "SubnetMax " + max.addressText());
            }
            return new Range(net, len, min, max);
        }

        private Subnet bound(Subnet net, int len, InetAddress given, String name) throws ConfigException {
            String field = namePrefix + name;
            String shown = Subnet.formatAddress(given);
            if (!net.contains(given)) {
                throw new ConfigException(field, field + " " + shown + ": outside " + networkField() + " " + net);
            }
            Subnet s = Subnet.of(given, len);
            if (!s.address().equals(given)) {
                throw new ConfigException(field, field + " " + shown + ": not aligned to " + lenField() + " " + len
                        + " (did you mean " + s.addressText() + "?)");
            }
            return s;
        }
    }
}
