package io.weft.vtep;

/**
 * ICMPv6 (RFC 4443). Its header has the ICMPv4 layout (type, code, checksum, then id and sequence for echo), so
 * {@link Icmp}'s accessors and {@link Icmp#writeEcho} read and write it; only the type numbers differ, and the
 * checksum also covers the IPv6 pseudo-header.
 */
public final class Icmpv6 {
    public static final int HEADER_LENGTH = Icmp.HEADER_LENGTH;
    public static final int CHECKSUM_OFFSET = Icmp.CHECKSUM_OFFSET;
    public static final int TYPE_DEST_UNREACHABLE = 1;
    public static final int TYPE_ECHO_REQUEST = 128;
    public static final int TYPE_ECHO_REPLY = 129;
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;

    private Icmpv6() {
    }
}
