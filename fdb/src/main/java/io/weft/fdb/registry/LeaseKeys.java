package io.weft.fdb.registry;

import io.weft.fdb.Subnet;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * flannel's etcd key layout under a prefix: {@code <prefix>/config} and {@code <prefix>/subnets/<subnet key>}.
 * Keys are parsed with flannel's own regular expression (not anchored at the start, and with two unescaped dots, as
 * flannel has it), so weft accepts exactly the keys flanneld accepts.
 */
public final class LeaseKeys {
    private static final Pattern SUBNET_KEY = Pattern.compile("(\\d+\\.\\d+.\\d+.\\d+)-(\\d+)(?:&([a-f\\d:]+)-(\\d+))?$");
    /** flannel parses the IPv4 prefix length as a 5-bit and the IPv6 one as a 7-bit unsigned number. */
    private static final int MAX_V4_PREFIX = 31;
    private static final int MAX_V6_PREFIX = 127;

    private final String prefix;

    /** @param prefix the etcd prefix, e.g. {@code /coreos.com/network}; a trailing slash is dropped as Go's path.Join does */
    public LeaseKeys(String prefix) {
        this.prefix = EtcdOptions.normalizePrefix(prefix);
    }

    public String prefix() {
        return prefix;
    }

    public String configKey() {
        return prefix + "/config";
    }

    /** What flanneld lists and watches: a raw prefix with no trailing slash. */
    public String subnetsPrefix() {
        return prefix + "/subnets";
    }

    /**
     * Where weft hosts keep what only weft hosts read ({@code <prefix>/weft/<subnet key>}, attached to the same etcd
     * lease as the flannel key). flanneld never sees it: since v0.18 (etcd v3) it lists and watches only the raw
     * prefix {@code <prefix>/subnets} and its own key {@code <prefix>/subnets/<key>} (both with WithPrefix, so the
     * record must not live below either), and reads {@code <prefix>/config}; releases before v0.18 used etcd v2,
     * whose keyspace is separate from the v3 one weft writes. Checked in {@code pkg/subnet/etcd/registry.go}.
     */
    public String weftPrefix() {
        return prefix + "/weft/";
    }

    /** {@code <prefix>/weft/<subnet key>}. */
    public String weftKeyOf(String subnetKeyText) {
        return weftPrefix() + subnetKeyText;
    }

    public String keyOf(SubnetKey key) {
        return subnetsPrefix() + "/" + key.text();
    }

    /**
     * Parses the subnets from a full etcd key or its last element.
     *
     * @throws IllegalArgumentException naming the key when flannel would not accept it either
     */
    public static SubnetKey parse(String key) {
        Matcher m = SUBNET_KEY.matcher(key);
        if (!m.find()) {
            throw new IllegalArgumentException("lease key \"" + key + "\" is not of the form <a.b.c.d>-<len>[&<ipv6>-<len>]");
        }
        Subnet v4 = subnet(key, m.group(1), m.group(2), MAX_V4_PREFIX, false);
        Subnet v6 = m.group(3) == null ? null : subnet(key, m.group(3), m.group(4), MAX_V6_PREFIX, true);
        return new SubnetKey(v4, v6);
    }

    /**
     * The IPv4 subnet of a dual-stack key whose IPv6 part does not parse ({@code 10.244.1.0-24&fd00:::1-64}), or null.
     * flannel skips such a key whole; weft skips it too, but still counts its IPv4 subnet as held, so that a node
     * whose lease has a broken IPv6 half does not lose its IPv4 subnet to the next node that starts.
     */
    public static Subnet ipv4PartOf(String key) {
        int amp = key.lastIndexOf('&');
        if (amp < 0) {
            return null;
        }
        try {
            SubnetKey k = parse(key.substring(0, amp));
            return k.v6() == null ? k.v4() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Subnet subnet(String key, String address, String length, int maxLength, boolean v6) {
        InetAddress a;
        try {
            a = Subnet.parseAddress(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("lease key \"" + key + "\": " + e.getMessage());
        }
        if ((a instanceof Inet4Address) == v6) {
            throw new IllegalArgumentException("lease key \"" + key + "\": " + address + " is not an IPv" + (v6 ? "6" : "4") + " address");
        }
        int len;
        try {
            len = Integer.parseInt(length);
        } catch (NumberFormatException e) {
            len = Integer.MAX_VALUE;
        }
        if (len > maxLength) {
            throw new IllegalArgumentException("lease key \"" + key + "\": prefix length " + length + " is above " + maxLength);
        }
        return Subnet.of(a, len);
    }
}
