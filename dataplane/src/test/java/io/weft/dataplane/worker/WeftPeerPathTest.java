package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.probe.EchoPackets;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.TableScope;
import io.weft.fdb.path.PathKind;
import io.weft.fdb.path.PeerPath;
import io.weft.fdb.path.PeerPaths;
import io.weft.fdb.path.WeftAdvert;
import io.weft.vtep.Ethernet;
import io.weft.vtep.Icmp;
import io.weft.vtep.Ipv4;
import io.weft.vtep.VxlanEncap;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.util.List;
import java.util.Map;

import static io.weft.dataplane.worker.TwoHosts.MAC_A;
import static io.weft.dataplane.worker.TwoHosts.MAC_B;
import static io.weft.dataplane.worker.TwoHosts.NETWORK;
import static io.weft.dataplane.worker.TwoHosts.PORT;
import static io.weft.dataplane.worker.TwoHosts.POD_A;
import static io.weft.dataplane.worker.TwoHosts.POD_B;
import static io.weft.dataplane.worker.TwoHosts.PUBLIC_A;
import static io.weft.dataplane.worker.TwoHosts.SUBNET_A;
import static io.weft.dataplane.worker.TwoHosts.SUBNET_B;
import static io.weft.dataplane.worker.TwoHosts.VNI;
import static io.weft.dataplane.worker.TwoHosts.echo;
import static io.weft.dataplane.worker.TwoHosts.lease;
import static io.weft.dataplane.worker.TwoHosts.v4;
import static io.weft.dataplane.worker.TwoHosts.vxlanFrame;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Host B with a weft peer A that advertises the private address 10.0.1.5: A's frames are taken from that address as
 * from its PublicIP and from no other; B sends to the path the prober chose; and B's data plane answers A's path
 * probes back to the address and port they came from.
 */
class WeftPeerPathTest {
    private static final String PRIVATE_A = "10.0.1.5";
    private final FakeTunQueue tun = new FakeTunQueue();
    private final WorkerCounters counters = new WorkerCounters();
    private final FakeSender sender = new FakeSender(counters);
    private final PublishedTable table = new PublishedTable();
    private final Worker worker;
    private final Lease a = lease(SUBNET_A, PUBLIC_A, MAC_A);

    WeftPeerPathTest() {
        DataPlaneConfig config = new DataPlaneConfig("weft.1", 1450, VNI, PORT, MAC_B, SUBNET_B, NETWORK, 1, false,
                false, false);
        table.publish(ForwardingTable.of(TableScope.localOnly(SUBNET_B, null), List.of(a),
                Map.of(a.key(), WeftAdvert.of((Inet4Address) Subnet.parseAddress(PRIVATE_A), 0)), new PeerPaths(), PORT));
        worker = new Worker(new io.weft.dataplane.worker.WorkerResources(0, config, table, null, tun, counters,
                new DataPlaneHooks(), PooledByteBufAllocator.DEFAULT, false, false), sender, null);
    }

    private void receive(String from, int fromPort, byte[] packet) {
        byte[] payload = vxlanFrame(VNI, MAC_B, MAC_A, packet);
        ByteBuf c = Unpooled.directBuffer(64 * 1024);
        c.setBytes(0, payload);
        worker.decapsulator().datagram(c, 0, payload.length, v4(from), fromPort);
        worker.decapsulator().endOfBatch();
        c.release();
    }

    @Test
    void aWeftPeersFramesAreTakenFromItsPrivateAddressAndItsPublicIpAndNoOther() {
        receive(PRIVATE_A, PORT, echo(POD_A, POD_B, 8));
        receive(PUBLIC_A, PORT, echo(POD_A, POD_B, 8));
        assertThat(tun.written).hasSize(2);
        receive("10.0.1.99", PORT, echo(POD_A, POD_B, 8));
        assertThat(tun.written).hasSize(2);
        assertThat(counters.get(Counter.DROP_UNKNOWN_SENDER)).isEqualTo(1);
        // Per-peer counters are the peer's, whichever of its addresses the frames came from.
        assertThat(counters.peers().snapshot().get(v4(PUBLIC_A))[2]).isEqualTo(2);
    }

    @Test
    void packetsGoToThePathTheProberChose() {
        PeerPath path = table.current().peers().get(0).path();
        sendFromPod();
        path.use(path.candidates().stream().filter(c -> c.kind() == PathKind.PRIVATE).findFirst().orElseThrow());
        sendFromPod();
        assertThat(sender.sent).extracting(s -> s.to().getAddress().getHostAddress()).containsExactly(PUBLIC_A, PRIVATE_A);
        assertThat(sender.sent.get(1).to().getPort()).isEqualTo(PORT);
    }

    private void sendFromPod() {
        byte[] p = echo(POD_B, POD_A, 8);
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(VxlanEncap.HEADROOM + p.length);
        buf.setBytes(VxlanEncap.HEADROOM, p);
        buf.writerIndex(VxlanEncap.HEADROOM + p.length);
        assertThat(worker.encapsulator().packet(buf, VxlanEncap.HEADROOM, p.length)).isTrue();
    }

    @Test
    void aPathProbeIsAnsweredBackTheWayItCameNotByTheChosenPath() {
        byte[] probe = EchoPackets.pathRequest(SUBNET_A.v4Address(), SUBNET_B.v4Address(), 0x4242, 77);
        receive(PRIVATE_A, 40000, probe);
        assertThat(tun.written).isEmpty();
        assertThat(counters.get(Counter.PATH_ECHO_REPLIES)).isEqualTo(1);
        assertThat(sender.sent).hasSize(1);
        FakeSender.Sent reply = sender.sent.get(0);
        assertThat(reply.to().getAddress().getHostAddress()).isEqualTo(PRIVATE_A);
        assertThat(reply.to().getPort()).isEqualTo(40000);
        ByteBuf r = Unpooled.wrappedBuffer(reply.payload());
        assertThat(Ethernet.dstMac(r, 8)).isEqualTo(MAC_A.bits());
        int ip = VxlanEncap.OVERHEAD;
        assertThat(Ipv4.src(r, ip)).isEqualTo(SUBNET_B.v4Address());
        assertThat(Ipv4.dst(r, ip)).isEqualTo(SUBNET_A.v4Address());
        assertThat(Ipv4.verifyHeaderChecksum(r, ip)).isTrue();
        assertThat(io.weft.vtep.Checksum.verifyL4(r, ip)).isTrue();
        assertThat(Icmp.type(r, ip + 20)).isEqualTo(Icmp.TYPE_ECHO_REPLY);
        assertThat(EchoPackets.isProbeReply(r, ip, reply.payload().length - ip, SUBNET_A.v4Address(), 0x4242)).isTrue();
        assertThat(EchoPackets.sequence(r, ip)).isEqualTo(77);
    }

    @Test
    void whenTwoSitesShareAPrivateAddressTheInnerSourceSaysWhichPeerSentIt() {
        io.weft.vtep.MacAddress macC = io.weft.vtep.MacAddress.parse("02:00:00:00:00:cc");
        Subnet subnetC = Subnet.parse("10.244.3.0/24");
        Lease c = lease(subnetC, "192.168.64.4", macC);
        WeftAdvert same = WeftAdvert.of((Inet4Address) Subnet.parseAddress(PRIVATE_A), 0);
        // Whichever of the two the underlay index holds for the shared address, each probe is answered to its sender.
        for (List<Lease> order : List.of(List.of(a, c), List.of(c, a))) {
            sender.sent.clear();
            table.publish(ForwardingTable.of(TableScope.localOnly(SUBNET_B, null), order,
                    Map.of(a.key(), same, c.key(), same), new PeerPaths(), PORT));
            receive(PRIVATE_A, PORT, EchoPackets.pathRequest(SUBNET_A.v4Address(), SUBNET_B.v4Address(), 0x4242, 79));
            receive(PRIVATE_A, PORT, EchoPackets.pathRequest(subnetC.v4Address(), SUBNET_B.v4Address(), 0x4343, 80));
            assertThat(sender.sent).hasSize(2);
            assertThat(Ethernet.dstMac(Unpooled.wrappedBuffer(sender.sent.get(0).payload()), 8)).isEqualTo(MAC_A.bits());
            assertThat(Ethernet.dstMac(Unpooled.wrappedBuffer(sender.sent.get(1).payload()), 8)).isEqualTo(macC.bits());
        }
    }

    @Test
    void anOrdinaryEchoToOurVtepStillGoesToTheKernel() {
        receive(PRIVATE_A, PORT, EchoPackets.request(SUBNET_A.v4Address(), SUBNET_B.v4Address(), 0x4242, 78));
        assertThat(tun.written).hasSize(1);
        assertThat(sender.sent).isEmpty();
    }
}
