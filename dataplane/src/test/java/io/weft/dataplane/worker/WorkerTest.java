package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.weft.fdb.Subnet;
import io.weft.vtep.Arp;
import io.weft.vtep.Ethernet;
import io.weft.vtep.Ipv4;
import io.weft.vtep.MacAddress;
import io.weft.vtep.Vxlan;
import io.weft.vtep.VxlanEncap;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;

import static io.weft.dataplane.worker.TwoHosts.MAC_A;
import static io.weft.dataplane.worker.TwoHosts.MAC_B;
import static io.weft.dataplane.worker.TwoHosts.PORT;
import static io.weft.dataplane.worker.TwoHosts.POD_A;
import static io.weft.dataplane.worker.TwoHosts.POD_B;
import static io.weft.dataplane.worker.TwoHosts.PUBLIC_A;
import static io.weft.dataplane.worker.TwoHosts.PUBLIC_B;
import static io.weft.dataplane.worker.TwoHosts.SUBNET_A;
import static io.weft.dataplane.worker.TwoHosts.SUBNET_B;
import static io.weft.dataplane.worker.TwoHosts.VNI;
import static io.weft.dataplane.worker.TwoHosts.echo;
import static io.weft.dataplane.worker.TwoHosts.v4;
import static io.weft.dataplane.worker.TwoHosts.vxlanFrame;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker without root: two workers (hosts A and B of one flannel network) over fake TUN queues and fake
 * senders, driven with real frames built by the vtep codecs, as wireguard-go tests its device with a channel TUN.
 */
class WorkerTest {
    private final TwoHosts.Host<FakeTunQueue> a = TwoHosts.hostA(c -> new FakeTunQueue());
    private final TwoHosts.Host<FakeTunQueue> b = TwoHosts.hostB(c -> new FakeTunQueue());

    @Test
    void aTunPacketLeavesAsOneVxlanDatagramToThePeersPublicIp() {
        byte[] packet = echo(POD_A, POD_B, 56);
        a.tun.arrive(packet);
        a.worker.drainTun();

        assertThat(a.sender.sent).hasSize(1);
        FakeSender.Sent out = a.sender.sent.get(0);
        assertThat(out.to()).isEqualTo(new InetSocketAddress(Subnet.parseAddress(PUBLIC_B), PORT));
        assertThat(out.payload()).isEqualTo(vxlanFrame(VNI, MAC_B, MAC_A, packet));
        assertThat(a.sender.flushes).isEqualTo(1);
        assertThat(a.count(Counter.TX_PACKETS)).isEqualTo(1);
        assertThat(a.count(Counter.TX_BYTES)).isEqualTo(packet.length);
        assertThat(a.counters.peers().snapshot().get(v4(PUBLIC_B))).containsExactly(1, packet.length, 0, 0);
    }

    @Test
    void whatOneWorkerSendsTheOtherWritesToItsTunUnchanged() {
        byte[] packet = echo(POD_A, POD_B, 100);
        a.tun.arrive(packet);
        a.worker.drainTun();
        b.receive(PUBLIC_A, a.sender.sent.get(0).payload());

        assertThat(b.tun.written).containsExactly(packet);
        assertThat(b.tun.flushes).as("the receive batch ended").isEqualTo(1);
        assertThat(b.counters.peers().snapshot().get(v4(PUBLIC_A))).containsExactly(0, 0, 1, packet.length);
        for (Counter c : Counter.values()) {
            if (c.name().startsWith("DROP_")) {
                assertThat(b.count(c)).as(c.key()).isZero();
            }
        }
    }

    @Test
    void manyPacketsInOneWakeupAreFlushedOnce() {
        for (int i = 0; i < 3; i++) {
            a.tun.arrive(echo(POD_A, POD_B + i, 8));
        }
        a.worker.drainTun();
        assertThat(a.sender.sent).hasSize(3);
        assertThat(a.sender.flushes).isEqualTo(1);
        assertThat(a.count(Counter.TX_PACKETS)).isEqualTo(3);
    }

    @Test
    void aTunPacketThatCannotLeaveIsCountedByWhyAndNotSent() {
        a.tun.arrive(echo(POD_A, Ipv4.parse("10.99.0.1"), 8));
        byte[] notIp = echo(POD_A, POD_B, 8);
        notIp[0] = 0x15;
        a.tun.arrive(notIp);
        a.worker.drainTun();
        a.sender.writable = false;
        a.tun.arrive(echo(POD_A, POD_B, 8));
        a.worker.drainTun();

        assertThat(a.sender.sent).isEmpty();
        assertThat(a.sender.flushes).isZero();
        assertThat(a.tun.notTaken).isEqualTo(3);
        assertThat(a.count(Counter.DROP_NO_ROUTE)).isEqualTo(1);
        assertThat(a.count(Counter.DROP_NOT_IP)).isEqualTo(1);
        assertThat(a.count(Counter.DROP_SOCKET_FULL)).isEqualTo(1);
        assertThat(a.count(Counter.TX_PACKETS)).isZero();
    }

    @Test
    void aReceivedFrameThatIsNotForUsIsCountedByWhyAndNeverReachesTheTun() {
        byte[] packet = echo(POD_A, POD_B, 8);
        b.receive(PUBLIC_A, vxlanFrame(2, MAC_B, MAC_A, packet));
        b.receive("192.168.64.99", vxlanFrame(VNI, MAC_B, MAC_A, packet));
        b.receive(PUBLIC_A, vxlanFrame(VNI, MAC_B, MAC_A, echo(POD_A, Ipv4.parse("10.244.3.1"), 8)));
        b.receive(PUBLIC_A, vxlanFrame(VNI, MAC_B, MAC_B, packet));
        b.receive(PUBLIC_A, vxlanFrame(VNI, MAC_A, MAC_A, packet));
        b.receive(PUBLIC_A, new byte[10]);

        assertThat(b.tun.written).isEmpty();
        assertThat(Map.of(
                Counter.DROP_WRONG_VNI, b.count(Counter.DROP_WRONG_VNI),
                Counter.DROP_UNKNOWN_SENDER, b.count(Counter.DROP_UNKNOWN_SENDER),
                Counter.DROP_NOT_LOCAL, b.count(Counter.DROP_NOT_LOCAL),
                Counter.DROP_LOOP, b.count(Counter.DROP_LOOP),
                Counter.DROP_NOT_OUR_MAC, b.count(Counter.DROP_NOT_OUR_MAC),
                Counter.DROP_SHORT, b.count(Counter.DROP_SHORT)))
                .allSatisfy((counter, value) -> assertThat(value).as(counter.key()).isEqualTo(1));
    }

    @Test
    void theSegmentsOfASuperPacketAreHeadedAndLeaveAsOneBatch() {
        byte[] first = echo(POD_A, POD_B, 72);
        byte[] last = echo(POD_A, POD_B, 20);
        int stride = VxlanEncap.OVERHEAD + first.length;
        ByteBuf segments = Unpooled.directBuffer(2 * stride);
        segments.setBytes(VxlanEncap.OVERHEAD, first);
        segments.setBytes(stride + VxlanEncap.OVERHEAD, last);
        segments.writerIndex(stride + VxlanEncap.OVERHEAD + last.length);

        assertThat(a.worker.encapsulator().segments(segments, 2, stride)).isTrue();

        assertThat(a.sender.sent).extracting(FakeSender.Sent::payload)
                .containsExactly(vxlanFrame(VNI, MAC_B, MAC_A, first), vxlanFrame(VNI, MAC_B, MAC_A, last));
        assertThat(a.sender.sent).allSatisfy(s -> assertThat(s.gsoStride()).isEqualTo(stride));
        assertThat(a.count(Counter.TX_SUPER_PACKETS)).isEqualTo(1);
        assertThat(a.count(Counter.TX_PACKETS)).isEqualTo(2);
        assertThat(a.count(Counter.TX_BYTES)).isEqualTo(first.length + last.length);
    }

    @Test
    void anArpRequestForOurVtepAddressIsAnsweredToTheAskingPeer() {
        int ourVtep = SUBNET_B.v4Address();
        ByteBuf f = Unpooled.buffer(VxlanEncap.OVERHEAD + Arp.LENGTH);
        Vxlan.write(f, 0, VNI);
        Ethernet.write(f, Vxlan.HEADER_LENGTH, MacAddress.BROADCAST.bits(), MAC_A.bits(), Ethernet.TYPE_ARP);
        Arp.write(f, VxlanEncap.OVERHEAD, Arp.OP_REQUEST, MAC_A.bits(), SUBNET_A.v4Address(), 0, ourVtep);
        b.receive(PUBLIC_A, ByteBufUtil.getBytes(f, 0, VxlanEncap.OVERHEAD + Arp.LENGTH));

        assertThat(b.sender.sent).hasSize(1);
        FakeSender.Sent reply = b.sender.sent.get(0);
        assertThat(reply.to()).isEqualTo(new InetSocketAddress(Subnet.parseAddress(PUBLIC_A), PORT));
        ByteBuf r = Unpooled.wrappedBuffer(reply.payload());
        int arp = VxlanEncap.OVERHEAD;
        assertThat(Vxlan.vni(r, 0)).isEqualTo(VNI);
        assertThat(Ethernet.dstMac(r, Vxlan.HEADER_LENGTH)).isEqualTo(MAC_A.bits());
        assertThat(Arp.operation(r, arp)).isEqualTo(Arp.OP_REPLY);
        assertThat(Arp.senderMac(r, arp)).isEqualTo(MAC_B.bits());
        assertThat(Arp.senderIp(r, arp)).isEqualTo(ourVtep);
        assertThat(b.count(Counter.ARP_REPLIES)).isEqualTo(1);
        assertThat(b.tun.written).isEmpty();
    }

    @Test
    void aProbeIsSentLikeATunPacket() {
        byte[] probe = echo(SUBNET_A.v4Address(), POD_B, 8);
        a.worker.injectInner(probe);
        assertThat(a.sender.sent).extracting(FakeSender.Sent::payload)
                .containsExactly(vxlanFrame(VNI, MAC_B, MAC_A, probe));
        assertThat(a.sender.flushes).isEqualTo(1);
    }
}
