package io.weft.dataplane.worker;

import io.weft.vtep.DecapDrop;

import java.util.Locale;

/**
 * The per-worker counters. "tx" is toward the underlay (TUN → encap → UDP), "rx" is from it (UDP → decap → TUN).
 * Every dropped packet increments exactly one {@code DROP_*} counter named for its reason; a reason the wire check
 * names ({@link DecapDrop}) is joined to its counter here, by the counter's constructor argument.
 */
public enum Counter {
    TX_PACKETS,
    TX_BYTES,
    RX_PACKETS,
    RX_BYTES,
    ARP_REPLIES,
    /** IPv6 neighbour solicitations for our IPv6 VTEP address answered (the IPv6 underlay's ARP) */
    NDP_REPLIES,
    /** another weft host's path probes answered by the data plane, back the way they came */
    PATH_ECHO_REPLIES,
    /** TSO/USO super-packets read from the TUN and cut into segments (each segment also counts in tx_packets) */
    TX_SUPER_PACKETS,
    /** packets written to the TUN that carry several received segments merged (each also counts in rx_packets) */
    RX_MERGED_PACKETS,
    /**
     * received inner TCP packets longer than the TUN's MTU: a kernel peer's GSO packet that crossed a veth whole and
     * reached the socket as one datagram; written with a GSO header, or cut into MTU-sized segments on the
     * per-packet path (each counts once in rx_packets)
     */
    RX_SUPER_PACKETS,
    /** times a worker turned UDP GSO off after the kernel refused a GSO send (EIO) */
    GSO_FALLBACKS,
    /**
     * received inner TCP/UDP packets whose checksum held only the pseudo-header sum, as a Linux sender whose device
     * offloads checksums (a veth with its defaults, virtio-net) leaves it; delivered (NEEDS_CSUM, or completed), not
     * a drop (each also counts in rx_packets)
     */
    RX_PARTIAL_CSUM,
    /** UDP payload shorter than VXLAN + inner Ethernet headers */
    DROP_SHORT(DecapDrop.TOO_SHORT),
    /** VXLAN flags byte not exactly 0x08 */
    DROP_BAD_FLAGS(DecapDrop.BAD_FLAGS),
    /** a reserved VXLAN field not zero */
    DROP_RESERVED_BITS(DecapDrop.RESERVED_BITS),
    DROP_WRONG_VNI(DecapDrop.WRONG_VNI),
    /** the outer source address is no known VTEP's PublicIP (and unknown VTEPs are not accepted) */
    DROP_UNKNOWN_SENDER,
    /**
     * a known peer's packet whose inner source is not in that peer's subnet (its VTEP address included): another
     * host's address, or none of the cluster's (off with --accept-any-inner-source)
     */
    DROP_SPOOFED_SOURCE,
    /** inner destination MAC is not our VtepMAC (broadcast is accepted only for ARP) */
    DROP_NOT_OUR_MAC(DecapDrop.NOT_OUR_MAC),
    /** inner EtherType is neither IPv4, IPv6 nor ARP */
    DROP_BAD_ETHERTYPE(DecapDrop.BAD_ETHERTYPE),
    /** inner source MAC is our own VtepMAC: a frame we sent came back */
    DROP_LOOP(DecapDrop.LOOP),
    /** inner IP header malformed or its length disagrees with the datagram */
    DROP_BAD_IP(DecapDrop.BAD_IP),
    /** a datagram longer than a receive slot (64 KB: never from a well-formed peer) */
    DROP_TOO_LONG,
    /** an ARP frame that is not a request for our VTEP address */
    DROP_ARP_IGNORED,
    /** an IPv6 neighbour solicitation that is not a valid one for our IPv6 VTEP address */
    DROP_NDP_IGNORED,
    /**
     * an inner packet of the other IP family than its underlay carries (IPv4 inside IPv6, or IPv6 inside IPv4), or of a
     * family this host has no subnet of: flanneld's flannel.1 carries IPv4 only and flannel-v6.1 IPv6 only
     */
    DROP_WRONG_FAMILY,
    /** inner destination IP is neither in the local subnet nor our VTEP address */
    DROP_NOT_LOCAL,
    /** inner TCP/UDP checksum neither right nor partial: the packet was damaged */
    DROP_BAD_CHECKSUM,
    /** a TUN packet whose destination no peer's subnet holds */
    DROP_NO_ROUTE,
    /** a TUN packet that is not IPv4 or IPv6 */
    DROP_NOT_IP,
    /** a TUN packet whose virtio_net_hdr (GSO type, sizes, checksum offsets) does not fit the packet */
    DROP_BAD_OFFLOAD,
    /** the TUN queue would block on write */
    DROP_TUN_FULL,
    /** read(2)/write(2) on the TUN failed */
    DROP_TUN_ERROR,
    /** the UDP socket's outbound queue is over its high-water mark */
    DROP_SOCKET_FULL,
    /** sending or receiving on the UDP socket failed */
    DROP_SOCKET_ERROR,
    /** a frame for a peer on the TCP path while no TCP fallback connection to it is open (it is being redialled) */
    DROP_TCP_DOWN,
    /** a frame for a peer on the TCP path while its connection's outbound queue is over its high-water mark */
    DROP_TCP_FULL;

    public static final int COUNT = values().length;
    private static final Counter[] FOR_DROP = new Counter[DecapDrop.values().length];

    static {
        for (Counter c : values()) {
            if (c.decapDrop != null) {
                FOR_DROP[c.decapDrop.ordinal()] = c;
            }
        }
    }

    /** The wire check's reason this counter counts, or null if it counts something else. */
    private final DecapDrop decapDrop;

    Counter() {
        this(null);
    }

    Counter(DecapDrop decapDrop) {
        this.decapDrop = decapDrop;
    }

    /**
     * The counter for a reason {@link io.weft.vtep.VxlanDecap#check} names: the one place that joins the two (a test
     * holds that every drop reason has one). Null for {@link DecapDrop#ARP}, which is answered, not dropped.
     */
    public static Counter forDrop(DecapDrop reason) {
        return FOR_DROP[reason.ordinal()];
    }

    /** The name used in {@code stats} output: lowercase, e.g. {@code drop_wrong_vni}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
