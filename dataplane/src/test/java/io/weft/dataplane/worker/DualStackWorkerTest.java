package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.fdb.BackendData;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.vtep.Checksum;
import io.weft.vtep.Ethernet;
import io.weft.vtep.Icmp;
import io.weft.vtep.Icmpv6;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv6;
import io.weft.vtep.MacAddress;
import io.weft.vtep.Ndp;
import io.weft.vtep.Vxlan;
import io.weft.vtep.VxlanEncap;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;

import static io.weft.dataplane.worker.TwoHosts.echo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The IPv6 overlay of a worker without root: dual-stack hosts A and B (IPv4 as in {@link TwoHosts}, IPv6 subnets
 * fd44:0:0:1::/64 and fd44:0:0:2::/64 with their own VtepMACs and PublicIPv6), and an IPv6-only host. IPv6 packets
 * leave on the IPv6 socket to the peer's PublicIPv6 with the peer's IPv6 VtepMAC; IPv4 packets on the IPv4 one, as
 * before; received IPv6 frames pass the same checks as IPv4 ones, each drop by its counter.
 */
class DualStackWorkerTest {
    static final int VNI = 1;
    static final int PORT = 8472;
    static final Subnet NETWORK6 = Subnet.parse("fd44::/48");
    static final Subnet SUBNET6_A = Subnet.parse("fd44:0:0:1::/64");
    static final Subnet SUBNET6_B = Subnet.parse("fd44:0:0:2::/64");
    static final MacAddress MAC6_A = MacAddress.parse("02:00:00:00:06:aa");
    static final MacAddress MAC6_B = MacAddress.parse("02:00:00:00:06:bb");
    static final String PUBLIC6_A = "fd77:9::1";
    static final String PUBLIC6_B = "fd77:9::2";
    static final long POD6_A_HI = 0xfd44_0000_0000_0001L;
    static final long POD6_B_HI = 0xfd44_0000_0000_0002L;

    /** One host with both sockets (an IPv6-only one with only the IPv6 socket). */
    static final class Host {
        final FakeTunQueue tun = new FakeTunQueue();
        final WorkerCounters counters = new WorkerCounters();
        final FakeSender sender = new FakeSender(counters);
        final FakeSender sender6 = new FakeSender(counters, true);
        final PublishedTable table = new PublishedTable();
        final Worker worker;

        Host(MacAddress mac, Subnet local, MacAddress mac6, Subnet local6, String public6, List<Lease> peers,
             boolean ipv6Only) {
            Ipv6Overlay v6 = new Ipv6Overlay(local6, NETWORK6, mac6, (Inet6Address) Subnet.parseAddress(public6), 1430);
            DataPlaneConfig config = new DataPlaneConfig("weft.1", 1450, VNI, PORT, mac, ipv6Only ? null : local,
                    ipv6Only ? null : TwoHosts.NETWORK, 1, false, false, false, null, v6);
            table.publish(ForwardingTable.build(ipv6Only ? null : local, local6, peers, PORT));
            worker = new Worker(new WorkerResources(0, config, table, null, tun, counters, new DataPlaneHooks(),
                    PooledByteBufAllocator.DEFAULT, false, false), ipv6Only ? null : sender, null, sender6, null);
        }

        void receive6(String from, byte[] payload) {
            ByteBuf c = Unpooled.directBuffer(payload.length + 64);
            c.setBytes(0, payload);
            byte[] a = Subnet.parseAddress(from).getAddress();
            worker.decapsulator().datagramV6(c, 0, payload.length, Subnet.bytesToLong(a, 0), Subnet.bytesToLong(a, 8),
                    PORT);
            worker.decapsulator().endOfBatch();
            c.release();
        }

        long count(Counter c) {
            return counters.get(c);
        }
    }

    private final Host a = new Host(TwoHosts.MAC_A, TwoHosts.SUBNET_A, MAC6_A, SUBNET6_A, PUBLIC6_A,
            List.of(dualStackLease(TwoHosts.SUBNET_B, TwoHosts.PUBLIC_B, TwoHosts.MAC_B, SUBNET6_B, PUBLIC6_B, MAC6_B)),
            false);
    private final Host b = new Host(TwoHosts.MAC_B, TwoHosts.SUBNET_B, MAC6_B, SUBNET6_B, PUBLIC6_B,
            List.of(dualStackLease(TwoHosts.SUBNET_A, TwoHosts.PUBLIC_A, TwoHosts.MAC_A, SUBNET6_A, PUBLIC6_A, MAC6_A)),
            false);

    static Lease dualStackLease(Subnet v4, String public4, MacAddress mac, Subnet v6, String public6, MacAddress mac6) {
        return new Lease(v4, public4 == null ? null : (Inet4Address) Subnet.parseAddress(public4), v6,
                public6 == null ? null : (Inet6Address) Subnet.parseAddress(public6), Lease.VXLAN,
                mac == null ? null : new BackendData(VNI, mac), mac6 == null ? null : new BackendData(VNI, mac6), null);
    }

    /** An ICMPv6 echo request of {@code 48 + data} bytes with a valid checksum. */
    static byte[] echo6(long srcHi, long srcLo, long dstHi, long dstLo, int data) {
        int length = Ipv6.HEADER_LENGTH + Icmp.HEADER_LENGTH + data;
        ByteBuf p = Unpooled.buffer(length);
        p.setZero(0, length);
        Ipv6.write(p, 0, 0, 0, length - Ipv6.HEADER_LENGTH, Ip.PROTO_ICMPV6, 64, srcHi, srcLo, dstHi, dstLo);
        Icmp.writeEcho(p, Ipv6.HEADER_LENGTH, Icmpv6.TYPE_ECHO_REQUEST, 1, 1);
        for (int i = 0; i < data; i++) {
            p.setByte(Ipv6.HEADER_LENGTH + Icmp.HEADER_LENGTH + i, i);
        }
        Checksum.fillL4(p, 0);
        return ByteBufUtil.getBytes(p, 0, length);
    }

    /** A UDP/IPv6 datagram of {@code 48 + data} bytes with a valid checksum. */
    static byte[] udp6(long srcHi, long srcLo, long dstHi, long dstLo, int data) {
        int length = Ipv6.HEADER_LENGTH + 8 + data;
        ByteBuf p = Unpooled.buffer(length);
        p.setZero(0, length);
        Ipv6.write(p, 0, 0, 0, length - Ipv6.HEADER_LENGTH, Ip.PROTO_UDP, 64, srcHi, srcLo, dstHi, dstLo);
        p.setShort(Ipv6.HEADER_LENGTH, 40000);
        p.setShort(Ipv6.HEADER_LENGTH + 2, 9999);
        p.setShort(Ipv6.HEADER_LENGTH + 4, 8 + data);
        for (int i = 0; i < data; i++) {
            p.setByte(Ipv6.HEADER_LENGTH + 8 + i, 0x77);
        }
        Checksum.fillL4(p, 0);
        return ByteBufUtil.getBytes(p, 0, length);
    }

    static byte[] frame6(MacAddress to, MacAddress from, byte[] packet) {
        ByteBuf f = Unpooled.buffer(VxlanEncap.OVERHEAD + packet.length);
        Vxlan.write(f, 0, VNI);
        Ethernet.write(f, Vxlan.HEADER_LENGTH, to.bits(), from.bits(), Ethernet.TYPE_IPV6);
        f.setBytes(VxlanEncap.OVERHEAD, packet);
        return ByteBufUtil.getBytes(f, 0, VxlanEncap.OVERHEAD + packet.length);
    }

    @Test
    void anIpv6PacketLeavesOnTheIpv6SocketToThePeersPublicIpv6WithItsIpv6VtepMac() {
        byte[] packet = echo6(POD6_A_HI, 5, POD6_B_HI, 7, 56);
        a.tun.arrive(packet);
        a.worker.drainTun();

        assertThat(a.sender.sent).as("nothing on the IPv4 socket").isEmpty();
        assertThat(a.sender6.sent).hasSize(1);
        FakeSender.Sent out = a.sender6.sent.get(0);
        assertThat(out.to()).isEqualTo(new InetSocketAddress(Subnet.parseAddress(PUBLIC6_B), PORT));
        assertThat(out.payload()).isEqualTo(frame6(MAC6_B, MAC6_A, packet));
        assertThat(a.sender6.flushes).as("the IPv6 socket is flushed after the wakeup").isEqualTo(1);
        assertThat(a.sender.flushes).as("the IPv4 socket had nothing to send").isZero();
        assertThat(a.count(Counter.TX_PACKETS)).isEqualTo(1);
    }

    @Test
    void ipv4StillLeavesOnTheIpv4SocketWithTheIpv4VtepMac() {
        byte[] packet = echo(TwoHosts.POD_A, TwoHosts.POD_B, 56);
        a.tun.arrive(packet);
        a.worker.drainTun();
        assertThat(a.sender6.sent).isEmpty();
        assertThat(a.sender.sent).extracting(FakeSender.Sent::payload)
                .containsExactly(TwoHosts.vxlanFrame(VNI, TwoHosts.MAC_B, TwoHosts.MAC_A, packet));
    }

    @Test
    void whatOneSendsOverIpv6TheOtherWritesToItsTunUnchanged() {
        byte[] packet = echo6(POD6_A_HI, 5, POD6_B_HI, 7, 100);
        a.tun.arrive(packet);
        a.worker.drainTun();
        b.receive6(PUBLIC6_A, a.sender6.sent.get(0).payload());

        assertThat(b.tun.written).containsExactly(packet);
        assertThat(b.count(Counter.RX_PACKETS) + b.tun.written.size()).isPositive();
        for (Counter c : Counter.values()) {
            if (c.name().startsWith("DROP_")) {
                assertThat(b.count(c)).as(c.key()).isZero();
            }
        }
    }

    @Test
    void aReceivedIpv6FrameThatIsNotForUsIsCountedByWhyAndNeverReachesTheTun() {
        byte[] ok = echo6(POD6_A_HI, 5, POD6_B_HI, 7, 8);
        b.receive6("fd77:9::99", frame6(MAC6_B, MAC6_A, ok));
        b.receive6(PUBLIC6_A, frame6(TwoHosts.MAC_B, MAC6_A, ok));
        b.receive6(PUBLIC6_A, frame6(MAC6_B, MAC6_A, echo6(POD6_A_HI, 5, 0xfd44_0000_0000_0003L, 1, 8)));
        b.receive6(PUBLIC6_A, frame6(MAC6_B, MAC6_A, echo6(0xfd44_0000_0000_0009L, 5, POD6_B_HI, 7, 8)));
        b.receive6(PUBLIC6_A, TwoHosts.vxlanFrame(VNI, MAC6_B, MAC6_A, echo(TwoHosts.POD_A, TwoHosts.POD_B, 8)));
        byte[] badSum = udp6(POD6_A_HI, 5, POD6_B_HI, 7, 20);
        badSum[Ipv6.HEADER_LENGTH + 6] ^= 0x10; // (the UDP checksum; ICMP's is the receiver's to judge)
        b.receive6(PUBLIC6_A, frame6(MAC6_B, MAC6_A, badSum));
        // IPv6 inside the IPv4 underlay: flanneld never sends it (its flannel.1 routes IPv4 only).
        b.worker.decapsulator().datagram(Unpooled.wrappedBuffer(frame6(TwoHosts.MAC_B, TwoHosts.MAC_A, ok)), 0,
                frame6(TwoHosts.MAC_B, TwoHosts.MAC_A, ok).length, TwoHosts.v4(TwoHosts.PUBLIC_A), PORT);

        assertThat(b.tun.written).isEmpty();
        assertThat(b.count(Counter.DROP_UNKNOWN_SENDER)).as("not a peer's PublicIPv6").isEqualTo(1);
        assertThat(b.count(Counter.DROP_NOT_OUR_MAC)).as("to our IPv4 VtepMAC over IPv6").isEqualTo(1);
        assertThat(b.count(Counter.DROP_NOT_LOCAL)).as("for another host's IPv6 subnet").isEqualTo(1);
        assertThat(b.count(Counter.DROP_SPOOFED_SOURCE)).as("from outside the sender's IPv6 subnet").isEqualTo(1);
        assertThat(b.count(Counter.DROP_WRONG_FAMILY)).as("IPv4 in IPv6, IPv6 in IPv4").isEqualTo(2);
        assertThat(b.count(Counter.DROP_BAD_CHECKSUM)).isEqualTo(1);
    }

    @Test
    void aNeighbourSolicitationForOurIpv6VtepAddressIsAnsweredOverIpv6() {
        // Linux's NS layout (NdpTest): from the peer's link-local address to our solicited-node group, with its
        // source link-layer option; sent unicast to our VtepMAC as a kernel peer's NUD probe would be.
        long ourHi = SUBNET6_B.v6High();
        int icmpLength = 32;
        ByteBuf p = Unpooled.buffer(Ipv6.HEADER_LENGTH + icmpLength);
        p.setZero(0, p.capacity());
        Ipv6.write(p, 0, 0, 0, icmpLength, Ip.PROTO_ICMPV6, 255, 0xfe80_0000_0000_0000L, 0x00ff_fe00_00aaL,
                0xff02_0000_0000_0000L, 0x0000_0001_ff00_0000L);
        int icmp = Ipv6.HEADER_LENGTH;
        p.setByte(icmp, Icmpv6.TYPE_NEIGHBOR_SOLICITATION);
        p.setLong(icmp + 8, ourHi);
        p.setLong(icmp + 16, 0);
        p.setByte(icmp + 24, 1);
        p.setByte(icmp + 25, 1);
        MacAddress.writeBits(p, icmp + 26, MAC6_A.bits());
        Checksum.fillL4(p, 0);
        byte[] ns = ByteBufUtil.getBytes(p, 0, p.capacity());

        b.receive6(PUBLIC6_A, frame6(MAC6_B, MAC6_A, ns));

        assertThat(b.count(Counter.NDP_REPLIES)).isEqualTo(1);
        assertThat(b.tun.written).isEmpty();
        assertThat(b.sender.sent).isEmpty();
        assertThat(b.sender6.sent).hasSize(1);
        FakeSender.Sent reply = b.sender6.sent.get(0);
        assertThat(reply.to()).isEqualTo(new InetSocketAddress(Subnet.parseAddress(PUBLIC6_A), PORT));
        ByteBuf r = Unpooled.wrappedBuffer(reply.payload());
        int eth = Vxlan.HEADER_LENGTH;
        assertThat(Vxlan.vni(r, 0)).isEqualTo(VNI);
        assertThat(Ethernet.srcMac(r, eth)).isEqualTo(MAC6_B.bits());
        assertThat(Ethernet.dstMac(r, eth)).isEqualTo(MAC6_A.bits());
        int ip = eth + Ethernet.HEADER_LENGTH;
        assertThat(r.getUnsignedByte(ip + Ipv6.HEADER_LENGTH)).isEqualTo((short) Icmpv6.TYPE_NEIGHBOR_ADVERTISEMENT);
        assertThat(Ipv6.srcHi(r, ip)).isEqualTo(ourHi);
        assertThat(reply.payload().length).isEqualTo(Vxlan.HEADER_LENGTH + Ndp.ADVERTISEMENT_FRAME_LENGTH);

        // A solicitation for another address is not answered.
        p.setLong(icmp + 16, 9);
        Checksum.fillL4(p, 0);
        b.receive6(PUBLIC6_A, frame6(MAC6_B, MAC6_A, ByteBufUtil.getBytes(p, 0, p.capacity())));
        assertThat(b.count(Counter.DROP_NDP_IGNORED)).isEqualTo(1);
        assertThat(b.sender6.sent).hasSize(1);
    }

    @Test
    void anIpv6OnlyHostForwardsIpv6AndHasNoIpv4Route() {
        Lease peer = dualStackLease(Subnet.parse("0.0.0.0/0"), null, null, SUBNET6_B, PUBLIC6_B, MAC6_B);
        Host only = new Host(MAC6_A, null, MAC6_A, SUBNET6_A, PUBLIC6_A, List.of(peer), true);
        byte[] packet = echo6(POD6_A_HI, 5, POD6_B_HI, 7, 56);
        only.tun.arrive(packet);
        only.tun.arrive(echo(TwoHosts.POD_A, TwoHosts.POD_B, 8));
        only.worker.drainTun();
        assertThat(only.sender6.sent).extracting(FakeSender.Sent::payload).containsExactly(frame6(MAC6_B, MAC6_A, packet));
        assertThat(only.sender.sent).isEmpty();
        assertThat(only.count(Counter.DROP_NO_ROUTE)).isEqualTo(1);

        only.receive6(PUBLIC6_B, frame6(MAC6_A, MAC6_B, echo6(POD6_B_HI, 7, POD6_A_HI, 5, 8)));
        assertThat(only.tun.written).hasSize(1);
    }

    @Test
    void aHostWithoutAnIpv6OverlayHasNoRouteForIpv6() {
        TwoHosts.Host<FakeTunQueue> v4only = TwoHosts.hostA(c -> new FakeTunQueue());
        v4only.tun.arrive(echo6(POD6_A_HI, 5, POD6_B_HI, 7, 8));
        v4only.worker.drainTun();
        assertThat(v4only.sender.sent).isEmpty();
        assertThat(v4only.count(Counter.DROP_NO_ROUTE)).isEqualTo(1);
    }
}
