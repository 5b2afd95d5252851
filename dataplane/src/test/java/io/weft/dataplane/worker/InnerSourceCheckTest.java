package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.vtep.Ipv4;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.weft.dataplane.worker.TwoHosts.MAC_A;
import static io.weft.dataplane.worker.TwoHosts.MAC_B;
import static io.weft.dataplane.worker.TwoHosts.NETWORK;
import static io.weft.dataplane.worker.TwoHosts.PORT;
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
 * Host B (10.244.2.0/24) receives from its peers: a peer's packet must come from the subnet that peer holds, as the
 * table routes it (longest prefix), its VTEP address included; anything else is spoofed_source and never reaches the
 * TUN, unless --accept-any-inner-source. And a non-peer's datagram is dropped before it is parsed.
 */
class InnerSourceCheckTest {
    private static final String PUBLIC_C = "192.168.64.4";
    private static final MacAddress MAC_C = MacAddress.parse("02:00:00:00:00:cc");
    private static final Subnet SUBNET_C = Subnet.parse("10.244.3.0/24");
    private static final String PUBLIC_WIDE = "192.168.64.16";
    private static final String PUBLIC_REAL = "192.168.64.18";
    private static final int POD_B = TwoHosts.POD_B;

    /** Host B with the given peers' leases; {@code acceptAny} is --accept-any-inner-source. */
    private static final class HostB {
        final FakeTunQueue tun = new FakeTunQueue();
        final WorkerCounters counters = new WorkerCounters();
        final Worker worker;

        HostB(boolean acceptAny, Lease... peers) {
            DataPlaneConfig config = new DataPlaneConfig("weft.1", 1450, VNI, PORT, MAC_B, SUBNET_B, NETWORK, 1, false,
                    acceptAny, false);
            PublishedTable table = new PublishedTable();
            table.publish(ForwardingTable.build(SUBNET_B, List.of(peers), PORT));
            worker = new Worker(new WorkerResources(0, config, table, null, tun, counters, new DataPlaneHooks(),
                    PooledByteBufAllocator.DEFAULT, false, false), new FakeSender(counters), null);
        }

        /** One datagram from {@code from} carrying an IPv4 echo from {@code src} to a pod of ours. */
        void receive(String from, MacAddress fromMac, String src) {
            receiveRaw(from, vxlanFrame(VNI, MAC_B, fromMac, echo(Ipv4.parse(src), POD_B, 8)));
        }

        void receiveRaw(String from, byte[] payload) {
            ByteBuf c = Unpooled.directBuffer(64 * 1024);
            c.setBytes(0, payload);
            Decapsulator d = worker.decapsulator();
            d.datagram(c, 0, payload.length, v4(from), PORT);
            d.endOfBatch();
            c.release();
        }

        long count(Counter c) {
            return counters.get(c);
        }
    }

    private static Lease a() {
        return lease(SUBNET_A, PUBLIC_A, MAC_A);
    }

    private static Lease c() {
        return lease(SUBNET_C, PUBLIC_C, MAC_C);
    }

    @Test
    void aPeersPacketFromItsSubnetOrItsVtepAddressIsDelivered() {
        HostB b = new HostB(false, a(), c());
        b.receive(PUBLIC_A, MAC_A, "10.244.1.5");
        b.receive(PUBLIC_A, MAC_A, "10.244.1.0");
        b.receive(PUBLIC_A, MAC_A, "10.244.1.255");
        assertThat(b.tun.written).hasSize(3);
        assertThat(b.count(Counter.DROP_SPOOFED_SOURCE)).isZero();
    }

    @Test
    void aPeersPacketFromAnotherHostsSubnetOrFromOutsideIsSpoofed() {
        HostB b = new HostB(false, a(), c());
        b.receive(PUBLIC_A, MAC_A, "10.244.3.7");   // C's pod, sent by A
        b.receive(PUBLIC_A, MAC_A, "10.244.2.9");   // one of our own pods, sent by A
        b.receive(PUBLIC_A, MAC_A, "10.244.200.1"); // nobody's subnet
        b.receive(PUBLIC_A, MAC_A, "8.8.8.8");      // outside the Network
        assertThat(b.tun.written).isEmpty();
        assertThat(b.count(Counter.DROP_SPOOFED_SOURCE)).isEqualTo(4);
        assertThat(b.count(Counter.RX_PACKETS)).isZero();
    }

    @Test
    void insideAWiderHandWrittenLeaseTheLongestPrefixDecidesWhoMaySendFromWhere() {
        HostB b = new HostB(false, lease(Subnet.parse("10.244.16.0/22"), PUBLIC_WIDE, MAC_A),
                lease(Subnet.parse("10.244.18.0/24"), PUBLIC_REAL, MAC_C));
        b.receive(PUBLIC_REAL, MAC_C, "10.244.18.5");
        b.receive(PUBLIC_WIDE, MAC_A, "10.244.17.5");
        assertThat(b.tun.written).hasSize(2);
        b.receive(PUBLIC_WIDE, MAC_A, "10.244.18.5");
        b.receive(PUBLIC_REAL, MAC_C, "10.244.17.5");
        assertThat(b.tun.written).hasSize(2);
        assertThat(b.count(Counter.DROP_SPOOFED_SOURCE)).isEqualTo(2);
    }

    @Test
    void aHostWithAStaleLeaseBesideItsCurrentOneMaySendFromBoth() {
        HostB b = new HostB(false, a(), lease(Subnet.parse("10.244.9.0/24"), PUBLIC_A, MAC_A));
        b.receive(PUBLIC_A, MAC_A, "10.244.1.5");
        b.receive(PUBLIC_A, MAC_A, "10.244.9.5");
        assertThat(b.tun.written).hasSize(2);
    }

    @Test
    void acceptAnyInnerSourceTurnsTheCheckOff() {
        HostB b = new HostB(true, a(), c());
        b.receive(PUBLIC_A, MAC_A, "10.244.3.7");
        b.receive(PUBLIC_A, MAC_A, "8.8.8.8");
        assertThat(b.tun.written).hasSize(2);
        assertThat(b.count(Counter.DROP_SPOOFED_SOURCE)).isZero();
    }

    @Test
    void aNonPeersGarbageIsUnknownSenderBeforeItIsParsed() {
        HostB b = new HostB(false, a());
        byte[] garbage = new byte[300];
        garbage[0] = (byte) 0xA5;
        b.receiveRaw("192.168.64.99", garbage);
        b.receiveRaw("192.168.64.99", new byte[3]);
        b.receiveRaw(PUBLIC_A, garbage);
        assertThat(b.count(Counter.DROP_UNKNOWN_SENDER)).isEqualTo(2);
        assertThat(b.count(Counter.DROP_BAD_FLAGS)).as("only the peer's garbage is parsed").isEqualTo(1);
        assertThat(b.count(Counter.DROP_SHORT)).isZero();
        assertThat(b.tun.written).isEmpty();
    }
}
