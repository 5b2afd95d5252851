package io.weft.fdb;

/**
 * What a forwarding table is built for: the cluster networks every peer's lease must lie in, and this host's own
 * subnets, which no peer's lease may overlap (local traffic must never be sent away).
 *
 * @param network      the config's IPv4 {@code Network}, or null to accept a lease anywhere
 * @param ipv6Network  the config's {@code IPv6Network}, or null to accept a lease anywhere
 * @param local        this host's IPv4 subnet, or null
 * @param localIpv6    this host's IPv6 subnet, or null
 */
public record TableScope(Subnet network, Subnet ipv6Network, Subnet local, Subnet localIpv6) {
    /** No network to check against and no local subnet: every usable lease is a peer. */
    public static final TableScope ANY = new TableScope(null, null, null, null);

    /** The scope of a host whose subnets are {@code local} and {@code localIpv6}, with no network check. */
    public static TableScope localOnly(Subnet local, Subnet localIpv6) {
        return new TableScope(null, null, local, localIpv6);
    }

    /** The scope of a host of the network {@code config} describes. */
    public static TableScope of(NetworkConfig config, Subnet local, Subnet localIpv6) {
        return new TableScope(config.network(), config.ipv6Network(), local, localIpv6);
    }
}
