package io.weft.dataplane.worker;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.socket.OuterSender;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.vtep.Ethernet;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.MacAddress;
import io.weft.vtep.Vxlan;
import io.weft.vtep.VxlanEncap;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.List;

import static io.weft.dataplane.worker.TwoHosts.lease;
import static io.weft.dataplane.worker.TwoHosts.v4;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decapsulation chain as a worker runs it (sender check, wire checks, ARP, inner source and destination, to the
 * TUN queue) on fuzzed datagrams from fuzzed senders, host B of a network with a plain peer, a wider hand-written
 * lease and a real node inside it. Properties:
 * <ul>
 *   <li>no exception escapes;</li>
 *   <li>nothing is delivered that should be dropped: every packet the TUN queue gets is re-checked here from the raw
 *       bytes, independently of the code under test (a peer's datagram, VXLAN flags/reserved/VNI, our MAC, IPv4
 *       with consistent lengths, to our subnet, from the sender's subnet by longest prefix);</li>
 *   <li>every datagram ends in exactly one place: one drop counter, an ARP reply or ignore, or the TUN;</li>
 *   <li>nothing allocates per datagram (ARP replies aside, which may): a datagram that allocated is given again, and
 *       must not allocate the third time (the first run of a path may load and instrument classes).</li>
 * </ul>
 */
class DecapFuzzTest {
    private static final int VNI = 1;
    private static final int PORT = 8472;
    private static final MacAddress OUR_MAC = TwoHosts.MAC_B;
    private static final Subnet LOCAL = TwoHosts.SUBNET_B;
    private static final int[] SENDERS = {v4("192.168.64.2"), v4("192.168.64.16"), v4("192.168.64.18")};
    private static final long[] PEER_MACS = {TwoHosts.MAC_A.bits(), 0x0200_0000_0016L, 0x0200_0000_0018L};
    /** Inner sources worth trying: each peer's, ours, our VTEP, a stranger's, one outside the Network. */
    private static final int[] SOURCES = {Ipv4.parse("10.244.1.5"), Ipv4.parse("10.244.1.0"), Ipv4.parse("10.244.17.9"),
        Ipv4.parse("10.244.18.9"), Ipv4.parse("10.244.2.9"), Ipv4.parse("10.244.99.1"), Ipv4.parse("8.8.8.8")};
    private static final int[] DESTINATIONS = {Ipv4.parse("10.244.2.7"), Ipv4.parse("10.244.2.0"),
        Ipv4.parse("10.244.1.5"), Ipv4.parse("10.245.0.1")};
    private static final int[] ETHER_TYPES = {Ethernet.TYPE_IPV4, Ethernet.TYPE_IPV4, Ethernet.TYPE_IPV6,
        Ethernet.TYPE_ARP, 0x88CC};
    private static final int SLOT = 64 * 1024;

    private static final PublishedTable TABLE = new PublishedTable();
    private static final WorkerCounters COUNTERS = new WorkerCounters();
    private static final CheckingQueue TUN = new CheckingQueue();
    private static final Decapsulator DECAP;
    private static final ByteBuf BUF = Unpooled.directBuffer(SLOT, SLOT);
    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static long datagrams;

    static {
        TABLE.publish(ForwardingTable.build(LOCAL, List.of(
                lease(Subnet.parse("10.244.1.0/24"), "192.168.64.2", TwoHosts.MAC_A),
                lease(Subnet.parse("10.244.16.0/22"), "192.168.64.16", MacAddress.of(PEER_MACS[1])),
                lease(Subnet.parse("10.244.18.0/24"), "192.168.64.18", MacAddress.of(PEER_MACS[2]))), PORT));
        DataPlaneConfig config = new DataPlaneConfig("weft.1", 1450, VNI, PORT, OUR_MAC, LOCAL,
                Subnet.parse("10.244.0.0/16"), 1, false, false);
        Worker worker = new Worker(new WorkerResources(0, config, TABLE, null, TUN, COUNTERS, new DataPlaneHooks(),
                PooledByteBufAllocator.DEFAULT, false, false), new ReleasingSender(), null);
        DECAP = worker.decapsulator();
        // Warm up: load and initialise what the path touches, so that what is measured is the path itself.
        for (int i = 0; i < 2000; i++) {
            int length = frame(BUF, VNI, OUR_MAC.bits(), PEER_MACS[0], Ethernet.TYPE_IPV4, SOURCES[i % SOURCES.length],
                    DESTINATIONS[i % DESTINATIONS.length], 28 + (i % 100));
            DECAP.datagram(BUF, 0, length, SENDERS[i % 3], PORT);
            DECAP.endOfBatch();
        }
    }

    @FuzzTest
    void decapsulationChain(FuzzedDataProvider data) {
        int sender = data.consumeBoolean() ? SENDERS[data.consumeInt(0, 2)] : data.consumeInt();
        int length;
        boolean mayAllocate;
        if (data.consumeBoolean()) {
            // A well-formed frame with fuzzed fields, so that the checks deep in the chain are reached.
            int vni = data.consumeBoolean() ? VNI : data.consumeInt(0, Vxlan.MAX_VNI);
            long dstMac = data.consumeBoolean() ? OUR_MAC.bits() : data.consumeBoolean() ? MacAddress.BROADCAST.bits()
                    : data.consumeLong() & 0xFFFF_FFFF_FFFFL;
            long srcMac = data.consumeBoolean() ? PEER_MACS[data.consumeInt(0, 2)]
                    : data.consumeBoolean() ? OUR_MAC.bits() : data.consumeLong() & 0xFFFF_FFFF_FFFFL;
            int etherType = data.pickValue(ETHER_TYPES);
            int src = data.consumeBoolean() ? SOURCES[data.consumeInt(0, SOURCES.length - 1)] : data.consumeInt();
            int dst = data.consumeBoolean() ? DESTINATIONS[data.consumeInt(0, DESTINATIONS.length - 1)] : data.consumeInt();
            length = frame(BUF, vni, dstMac, srcMac, etherType, src, dst, data.consumeInt(20, 1500));
            byte[] tail = data.consumeBytes(64);
            if (data.consumeBoolean()) {
                // Overwrite some header bytes: flags, reserved bits, IP version, IHL, total length, ...
                int at = data.consumeInt(0, VxlanEncap.OVERHEAD + 20);
                BUF.setBytes(at, tail, 0, Math.min(tail.length, SLOT - at));
            }
            length = Math.min(SLOT, Math.max(0, length + data.consumeInt(-30, 30)));
            mayAllocate = etherType == Ethernet.TYPE_ARP;
        } else {
            byte[] raw = data.consumeRemainingAsBytes();
            length = Math.min(raw.length, SLOT);
            BUF.setBytes(0, raw, 0, length);
            mayAllocate = length >= VxlanEncap.OVERHEAD
                    && BUF.getUnsignedShort(Vxlan.HEADER_LENGTH + 12) == Ethernet.TYPE_ARP;
        }

        TUN.sender = sender;
        TUN.frameLength = length;
        long allocated = Long.MAX_VALUE;
        // The first run of a path may load (and, when fuzzing, instrument) classes; an allocation that happens again
        // when the same datagram comes a second and a third time is the path's own.
        for (int run = 0; run < 3 && allocated != 0; run++) {
            long outcomesBefore = outcomes();
            TUN.violation = null;
            long before = MX.getCurrentThreadAllocatedBytes();
            DECAP.datagram(BUF, 0, length, sender, PORT);
            DECAP.endOfBatch();
            allocated = MX.getCurrentThreadAllocatedBytes() - before;
            datagrams++;
            assertThat(TUN.violation).as("delivered to the TUN").isNull();
            assertThat(outcomes() - outcomesBefore).as("outcomes of one datagram").isEqualTo(1);
            if (mayAllocate) {
                break;
            }
        }
        if (!mayAllocate) {
            assertThat(allocated).as("bytes allocated by datagram %d, the third time it came", datagrams).isZero();
        }
    }

    /** Drops of every reason, ARP replies and ignores, and packets delivered. */
    private static long outcomes() {
        long n = TUN.delivered + COUNTERS.get(Counter.ARP_REPLIES);
        for (Counter c : Counter.values()) {
            if (c.name().startsWith("DROP_")) {
                n += COUNTERS.get(c);
            }
        }
        return n;
    }

    /** Writes VXLAN + Ethernet + an IPv4 header of {@code ipLength} total at 0; returns the frame length. */
    private static int frame(ByteBuf b, int vni, long dstMac, long srcMac, int etherType, int src, int dst, int ipLength) {
        int length = Math.min(SLOT, VxlanEncap.OVERHEAD + ipLength);
        b.setZero(0, length);
        Vxlan.write(b, 0, vni);
        Ethernet.write(b, Vxlan.HEADER_LENGTH, dstMac, srcMac, etherType);
        int ip = VxlanEncap.OVERHEAD;
        Ipv4.write(b, ip, 0, ipLength, 1, 0x4000, 64, Ip.PROTO_UDP, src, dst);
        return length;
    }

    /** The TUN queue: re-checks every packet it is given from the raw frame; allocates nothing. */
    private static final class CheckingQueue extends WriteOnlyTunQueue {
        long delivered;
        int sender;
        int frameLength;
        String violation;

        @Override
        public void write(ByteBuf buf, int ip, int length, io.weft.vtep.offload.InnerChecksum checksum) {
            delivered++;
            ForwardingTable t = TABLE.current();
            int eth = ip - Ethernet.HEADER_LENGTH;
            int vx = eth - Vxlan.HEADER_LENGTH;
            Peer peer = t.peerByUnderlayV4(sender);
            int src = Ipv4.src(buf, ip);
            Peer owner = t.lookupV4(src);
            if (peer == null) {
                violation = "a datagram from a non-peer";
            } else if (vx != 0 || buf.getInt(vx) != (Vxlan.FLAG_I << 24) || (buf.getInt(vx + 4) & 0xFF) != 0
                    || Vxlan.vni(buf, vx) != VNI) {
                violation = "a frame with bad VXLAN flags, reserved bits or VNI";
            } else if (Ethernet.dstMac(buf, eth) != OUR_MAC.bits() || Ethernet.srcMac(buf, eth) == OUR_MAC.bits()
                    || Ethernet.etherType(buf, eth) != Ethernet.TYPE_IPV4) {
                violation = "a frame not addressed to our VtepMAC as IPv4";
            } else if (Ipv4.version(buf, ip) != 4 || Ipv4.headerLength(buf, ip) < 20
                    || Ipv4.totalLength(buf, ip) != length || length < Ipv4.headerLength(buf, ip)
                    || VxlanEncap.OVERHEAD + length > frameLength) {
                violation = "an IPv4 packet whose lengths disagree";
            } else if (!LOCAL.containsV4(Ipv4.dst(buf, ip))) {
                violation = "a packet for another host";
            } else if (owner == null || owner.endpointV4() != sender) {
                violation = "a packet whose source is not the sender's";
            }
        }
    }

    /** ARP replies are released at once; nothing else is sent on the receive path. */
    private static final class ReleasingSender implements OuterSender {
        @Override
        public boolean writable() {
            return true;
        }

        @Override
        public void send(ByteBuf datagram, Peer peer) {
            datagram.release();
        }

        @Override
        public void sendSegments(ByteBuf datagrams, int count, int stride, Peer peer) {
            datagrams.release();
        }

        @Override
        public void reply(ByteBuf datagram, InetSocketAddress to) {
            datagram.release();
        }

        @Override
        public void flush() {
        }
    }
}
