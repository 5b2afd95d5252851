package io.weft.fdb;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix with its host bits clear. IPv4 is held as an int, IPv6 as two longs, so that the
 * forwarding table can mask and compare without objects.
 */
public final class Subnet implements Comparable<Subnet> {
    private final boolean ipv6;
    /** IPv6: the high 64 bits; IPv4: 0. */
    private final long hi;
    /** IPv6: the low 64 bits; IPv4: the address as an unsigned 32-bit value. */
    private final long lo;
    private final int prefixLength;

    private Subnet(boolean ipv6, long hi, long lo, int prefixLength) {
        this.ipv6 = ipv6;
        this.hi = hi;
        this.lo = lo;
        this.prefixLength = prefixLength;
    }

    /** An IPv4 subnet; host bits of {@code address} are cleared. */
    public static Subnet ofV4(int address, int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("IPv4 prefix length must be 0..32, got " + prefixLength);
        }
        return new Subnet(false, 0, (address & v4Mask(prefixLength)) & 0xFFFF_FFFFL, prefixLength);
    }

    /** An IPv6 subnet; host bits are cleared. */
    public static Subnet ofV6(long hi, long lo, int prefixLength) {
        if (prefixLength < 0 || prefixLength > 128) {
            throw new IllegalArgumentException("IPv6 prefix length must be 0..128, got " + prefixLength);
        }
        return new Subnet(true, hi & v6MaskHi(prefixLength), lo & v6MaskLo(prefixLength), prefixLength);
    }

    public static Subnet of(InetAddress address, int prefixLength) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return ofV4(bytesToInt(b, 0), prefixLength);
        }
        return ofV6(bytesToLong(b, 0), bytesToLong(b, 8), prefixLength);
    }

    /**
     * Parses {@code 10.244.0.0/16} or {@code fd00::/64}. Host bits set in the text are an error, as in Go's
     * strict use by flannel's config; use {@link #parseLenient} to clear them (subnet.env's {@code 10.244.1.1/24}).
     */
    public static Subnet parse(String cidr) {
        Subnet s = parseLenient(cidr);
        InetAddress given = parseAddress(cidr.substring(0, cidr.indexOf('/')).trim());
        if (!s.address().equals(given)) {
            throw new IllegalArgumentException("\"" + cidr + "\" has host bits set; did you mean " + s + "?");
        }
        return s;
    }

    /** Parses {@code a.b.c.d/len}, clearing host bits ({@code 10.244.1.1/24} is {@code 10.244.1.0/24}). */
    public static Subnet parseLenient(String cidr) {
        String text = cidr.trim();
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("\"" + cidr + "\" is not in CIDR form (address/prefix-length)");
        }
        InetAddress addr = parseAddress(text.substring(0, slash));
        String lenText = text.substring(slash + 1);
        if (lenText.isEmpty() || lenText.length() > 3 || !lenText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("\"" + cidr + "\" has no numeric prefix length");
        }
        int len = Integer.parseInt(lenText);
        int max = addr instanceof Inet4Address ? 32 : 128;
        if (len < 0 || len > max) {
            throw new IllegalArgumentException("\"" + cidr + "\": prefix length must be 0.." + max);
        }
        return of(addr, len);
    }

    /**
     * Parses a literal IPv4 or IPv6 address without ever doing a DNS lookup.
     *
     * @throws IllegalArgumentException naming the text when it is not an address
     */
    public static InetAddress parseAddress(String text) {
        String s = text.trim();
        if (s.isEmpty() || !(s.indexOf(':') >= 0 || s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')))) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
        }
        if (s.indexOf(':') < 0) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
            }
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                // Go (1.17+) rejects leading zeros, which some tools read as octal: "010" is not 10 there.
                if (parts[i].isEmpty() || parts[i].length() > 3 || (parts[i].length() > 1 && parts[i].charAt(0) == '0')) {
                    throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
                }
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address");
                }
                b[i] = (byte) v;
            }
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        if (!s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IPv6 address");
        }
        try {
            // Only hex digits, colons and dots reach here, so this never resolves a name.
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IPv6 address");
        }
    }

    public boolean isIpv6() {
        return ipv6;
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** IPv4 only: the network address as an int. */
    public int v4Address() {
        requireV4();
        return (int) lo;
    }

    /** IPv4 only: the netmask as an int. */
    public int v4Mask() {
        requireV4();
        return v4Mask(prefixLength);
    }

    public long v6High() {
        return hi;
    }

    public long v6Low() {
        return lo;
    }

    public InetAddress address() {
        try {
            if (!ipv6) {
                return InetAddress.getByAddress(intToBytes((int) lo));
            }
            byte[] b = new byte[16];
            longToBytes(hi, b, 0);
            longToBytes(lo, b, 8);
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first usable address (network + 1), which flannel writes into {@code FLANNEL_SUBNET}. */
    public InetAddress firstHost() {
        return offsetAddress(1);
    }

    public boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return !ipv6 && containsV4(bytesToInt(b, 0));
        }
        return ipv6 && containsV6(bytesToLong(b, 0), bytesToLong(b, 8));
    }

    public boolean containsV4(int address) {
        return !ipv6 && (address & v4Mask(prefixLength)) == (int) lo;
    }

    public boolean containsV6(long addrHi, long addrLo) {
        return ipv6 && (addrHi & v6MaskHi(prefixLength)) == hi && (addrLo & v6MaskLo(prefixLength)) == lo;
    }

    /** True if {@code other} lies wholly inside this subnet. */
    public boolean contains(Subnet other) {
        if (other.ipv6 != ipv6 || other.prefixLength < prefixLength) {
            return false;
        }
        return ipv6 ? containsV6(other.hi, other.lo) : containsV4((int) other.lo);
    }

    public boolean overlaps(Subnet other) {
        return contains(other) || other.contains(this);
    }

    /** The subnet of the same length that follows this one ({@code 10.0.1.0/24} → {@code 10.0.2.0/24}). */
    public Subnet next() {
        return offsetSubnets(1);
    }

    /** The subnet {@code n} positions after this one, of the same length. */
    public Subnet offsetSubnets(long n) {
        if (!ipv6) {
            long size = 1L << (32 - prefixLength);
            return ofV4((int) (lo + n * size), prefixLength);
        }
        BigInteger v = toBigInteger().add(BigInteger.valueOf(n).shiftLeft(128 - prefixLength));
        return fromBigInteger(v, prefixLength);
    }

    /** The address {@code n} after the network address. */
    public InetAddress offsetAddress(long n) {
        if (!ipv6) {
            return Subnet.ofV4((int) (lo + n), 32).address();
        }
        return fromBigInteger(toBigInteger().add(BigInteger.valueOf(n)), 128).address();
    }

    /** The network address as an unsigned integer, for range arithmetic over either family. */
    public BigInteger toBigInteger() {
        if (!ipv6) {
            return BigInteger.valueOf(lo);
        }
        byte[] b = new byte[17];
        longToBytes(hi, b, 1);
        longToBytes(lo, b, 9);
        return new BigInteger(b);
    }

    private static Subnet fromBigInteger(BigInteger v, int prefixLength) {
        BigInteger m = v.and(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE));
        return ofV6(m.shiftRight(64).longValue(), m.longValue(), prefixLength);
    }

    /** flannel's etcd key form: {@code 10.244.1.0-24}, or {@code fd00:0:0:1::-64}. */
    public String keyForm() {
        return addressText() + "-" + prefixLength;
    }

    /** The address in Go's form: dotted quad, or compressed lowercase IPv6 (RFC 5952). */
    public String addressText() {
        return formatAddress(address());
    }

    /** Formats an address as Go's {@code net.IP.String()} does (RFC 5952 compression for IPv6). */
    public static String formatAddress(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return addressText() + "/" + prefixLength;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Subnet)) {
            return false;
        }
        Subnet s = (Subnet) o;
        return s.ipv6 == ipv6 && s.hi == hi && s.lo == lo && s.prefixLength == prefixLength;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hi * 31 + lo) * 31 + prefixLength + (ipv6 ? 1 : 0);
    }

    @Override
    public int compareTo(Subnet o) {
        if (ipv6 != o.ipv6) {
            return ipv6 ? 1 : -1;
        }
        int c = Long.compareUnsigned(hi, o.hi);
        if (c == 0) {
            c = Long.compareUnsigned(lo, o.lo);
        }
        return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    }

    private void requireV4() {
        if (ipv6) {
            throw new IllegalStateException(this + " is an IPv6 subnet");
        }
    }

    public static int v4Mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    public static long v6MaskHi(int prefixLength) {
        return prefixLength >= 64 ? -1L : prefixLength == 0 ? 0 : -1L << (64 - prefixLength);
    }

    public static long v6MaskLo(int prefixLength) {
        return prefixLength <= 64 ? 0 : prefixLength == 128 ? -1L : -1L << (128 - prefixLength);
    }

    public static int bytesToInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    public static long bytesToLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    public static byte[] intToBytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static void longToBytes(long v, byte[] b, int off) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (56 - 8 * i));
        }
    }
}
