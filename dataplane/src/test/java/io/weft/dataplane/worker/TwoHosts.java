package io.weft.dataplane.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.capture.DataPlaneHooks;
import io.weft.dataplane.tun.TunQueue;
import io.weft.fdb.BackendData;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.vtep.Checksum;
import io.weft.vtep.Ethernet;
import io.weft.vtep.Icmp;
import io.weft.vtep.Ip;
import io.weft.vtep.Ipv4;
import io.weft.vtep.MacAddress;
import io.weft.vtep.Vxlan;
import io.weft.vtep.VxlanEncap;

import java.net.Inet4Address;
import java.util.List;
import java.util.function.Function;

/**
 * Two hosts of one flannel network, A (10.244.1.0/24) and B (10.244.2.0/24), each a worker over a TUN queue of the
 * test's choice and a {@link FakeSender}; and the frames and packets the tests send between them.
 */
final class TwoHosts {
    static final int VNI = 1;
    static final int PORT = 8472;
    static final MacAddress MAC_A = MacAddress.parse("02:00:00:00:00:aa");
    static final MacAddress MAC_B = MacAddress.parse("02:00:00:00:00:bb");
    static final String PUBLIC_A = "192.168.64.2";
    static final String PUBLIC_B = "192.168.64.3";
    static final Subnet NETWORK = Subnet.parse("10.244.0.0/16");
    static final Subnet SUBNET_A = Subnet.parse("10.244.1.0/24");
    static final Subnet SUBNET_B = Subnet.parse("10.244.2.0/24");
    static final int POD_A = Ipv4.parse("10.244.1.5");
    static final int POD_B = Ipv4.parse("10.244.2.7");

    /** One host: its worker and what surrounds it. */
    static final class Host<Q extends TunQueue> {
        final Q tun;
        final WorkerCounters counters = new WorkerCounters();
        final FakeSender sender = new FakeSender(counters);
        final PublishedTable table = new PublishedTable();
        final Worker worker;

        Host(MacAddress mac, Subnet local, Lease peer, Function<WorkerCounters, Q> queue) {
            DataPlaneConfig config = new DataPlaneConfig("weft.1", 1450, VNI, PORT, mac, local, NETWORK, 1, false, false);
            table.publish(ForwardingTable.build(local, List.of(peer), PORT));
            tun = queue.apply(counters);
            worker = new Worker(new WorkerResources(0, config, table, null, tun, counters, new DataPlaneHooks(),
                    PooledByteBufAllocator.DEFAULT, false, false), sender, null);
        }

        /** Receives the UDP payloads from {@code from} as one receive batch, as BatchReceiver lays them out. */
        void receive(String from, byte[]... payloads) {
            int slot = 64 * 1024;
            ByteBuf c = Unpooled.directBuffer(slot * payloads.length);
            Decapsulator d = worker.decapsulator();
            for (int i = 0; i < payloads.length; i++) {
                c.setBytes(i * slot, payloads[i]);
                d.datagram(c, i * slot, payloads[i].length, v4(from), PORT);
            }
            d.endOfBatch();
            c.release();
        }

        long count(Counter c) {
            return counters.get(c);
        }
    }

    static <Q extends TunQueue> Host<Q> hostA(Function<WorkerCounters, Q> queue) {
        return new Host<>(MAC_A, SUBNET_A, lease(SUBNET_B, PUBLIC_B, MAC_B), queue);
    }

    static <Q extends TunQueue> Host<Q> hostB(Function<WorkerCounters, Q> queue) {
        return new Host<>(MAC_B, SUBNET_B, lease(SUBNET_A, PUBLIC_A, MAC_A), queue);
    }

    private TwoHosts() {
    }

    static Lease lease(Subnet subnet, String publicIp, MacAddress mac) {
        return new Lease(subnet, (Inet4Address) Subnet.parseAddress(publicIp), null, null, Lease.VXLAN,
                new BackendData(1, mac), null, null);
    }

    static int v4(String address) {
        return Subnet.bytesToInt(Subnet.parseAddress(address).getAddress(), 0);
    }

    /** An IPv4 ICMP echo request of {@code 28 + data} bytes with valid checksums. */
    static byte[] echo(int src, int dst, int data) {
        int length = Ipv4.MIN_HEADER_LENGTH + Icmp.HEADER_LENGTH + data;
        ByteBuf p = Unpooled.buffer(length);
        p.setZero(0, length);
        Ipv4.write(p, 0, 0, length, 7, 0x4000, 64, Ip.PROTO_ICMP, src, dst);
        Icmp.writeEcho(p, Ipv4.MIN_HEADER_LENGTH, Icmp.TYPE_ECHO_REQUEST, 1, 1);
        for (int i = 0; i < data; i++) {
            p.setByte(28 + i, i);
        }
        Checksum.fillL4(p, 0);
        return ByteBufUtil.getBytes(p, 0, length);
    }

    /** What flannel's kernel VTEP would send for {@code packet}: VXLAN, inner Ethernet to {@code to}, the packet. */
    static byte[] vxlanFrame(int vni, MacAddress to, MacAddress from, byte[] packet) {
        ByteBuf f = Unpooled.buffer(VxlanEncap.OVERHEAD + packet.length);
        Vxlan.write(f, 0, vni);
        Ethernet.write(f, Vxlan.HEADER_LENGTH, to.bits(), from.bits(), Ethernet.TYPE_IPV4);
        f.setBytes(VxlanEncap.OVERHEAD, packet);
        return ByteBufUtil.getBytes(f, 0, VxlanEncap.OVERHEAD + packet.length);
    }
}
