package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.EventExecutor;
import io.weft.dataplane.worker.Counter;
import io.weft.dataplane.worker.WorkerCounters;
import io.weft.fdb.BackendData;
import io.weft.fdb.ForwardingTable;
import io.weft.fdb.Lease;
import io.weft.fdb.Peer;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.fdb.TableScope;
import io.weft.fdb.path.WeftAdvert;
import io.weft.vtep.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Files;
import java.nio.file.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two TCP fallback transports on loopback (host A at 127.0.0.1, host B at 127.0.0.2, each the other's weft peer):
 * one connection between them, dialled by the lower address; frames sent through a worker's {@link TcpSender} arrive
 * whole at the other side's sink with the peer's address as the sender; a connection from an address in no lease is
 * closed at once, delivers nothing and is counted. No root: loopback only.
 */
class TcpTransportTest {
    private static final Subnet NETWORK = Subnet.parse("10.244.0.0/16");
    private final List<AutoCloseable> open = new ArrayList<>();

    /** One host: its transport, the frames its sink got, and a worker's sender. */
    private record Host(TcpTransport transport, BlockingQueue<Received> received, TcpSender sender, WorkerCounters counters,
                        EventLoop loop, PublishedTable table) {
    }

    private record Received(byte[] frame, int sender) {
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        }
    }

    private static Lease lease(String subnet, String publicIp, String mac) {
        return new Lease(Subnet.parse(subnet), (Inet4Address) Subnet.parseAddress(publicIp), null, null, Lease.VXLAN,
                new BackendData(1, MacAddress.parse(mac)), null, null);
    }

    private Host host(String address, int port, String subnet, Lease peer, int peerTcpPort) {
        return host(address, port, subnet, Map.of(peer, peerTcpPort), null);
    }

    /** @param peers each peer's lease and the TCP port it advertises */
    private Host host(String address, int port, String subnet, Map<Lease, Integer> peers, TcpTls tls) {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        open.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS));
        EventLoop loop = (EventLoop) group.iterator().next();
        PublishedTable table = new PublishedTable();
        Map<String, WeftAdvert> adverts = new java.util.HashMap<>();
        peers.forEach((l, p) -> adverts.put(l.key(), WeftAdvert.of(null, p)));
        table.publish(ForwardingTable.of(TableScope.localOnly(Subnet.parse(subnet), null), peers.keySet(), adverts, null,
                8472));
        BlockingQueue<Received> got = new LinkedBlockingQueue<>();
        DatagramSink sink = new DatagramSink() {
            @Override
            public void datagram(ByteBuf buf, int at, int length, int sender, int senderPort) {
                byte[] b = new byte[length];
                buf.getBytes(at, b);
                got.add(new Received(b, sender));
            }

            @Override
            public void endOfBatch() {
            }
        };
        TcpLinks links = new TcpLinks();
        Inet4Address self = (Inet4Address) Subnet.parseAddress(address);
        TcpTransport t = new TcpTransport(port, self, Subnet.bytesToInt(self.getAddress(), 0),
                Subnet.parse(subnet).v4Address(), group, table, Map.of(loop, new TcpTransport.LoopSide(sink, new TcpReplies())),
                links, 1, tls);
        t.start();
        open.add(t);
        WorkerCounters counters = new WorkerCounters();
        TcpSender sender = new TcpSender(0, counters, ByteBufAllocator.DEFAULT);
        sender.use(links);
        return new Host(t, got, sender, counters, loop, table);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("within 10 s: " + what).isNegative();
            Thread.sleep(20);
        }
    }

    @Test
    void framesCrossTheOneConnectionBetweenTwoHostsBothWays() throws Exception {
        assumeTrue(Epoll.isAvailable(), "no native epoll");
        int portA = freePort("127.0.0.1");
        int portB = freePort("127.0.0.2");
        Lease leaseA = lease("10.244.1.0/24", "127.0.0.1", "0e:2a:00:00:00:01");
        Lease leaseB = lease("10.244.2.0/24", "127.0.0.2", "0e:2a:00:00:00:02");
        Host a = host("127.0.0.1", portA, "10.244.1.0/24", leaseB, portB);
        Host b = host("127.0.0.2", portB, "10.244.2.0/24", leaseA, portA);
        int ipA = Subnet.bytesToInt(new byte[] {127, 0, 0, 1}, 0);
        int ipB = Subnet.bytesToInt(new byte[] {127, 0, 0, 2}, 0);
        await(() -> a.transport().connected(ipB) && b.transport().connected(ipA), "both ends connected");
        assertThat(a.transport().connects()).isEqualTo(1);
        assertThat(b.transport().connects()).as("one connection per pair: A (the lower address) dialled").isEqualTo(1);

        Peer peerB = a.table().current().peers().get(0);
        Peer peerA = b.table().current().peers().get(0);
        List<byte[]> sent = new ArrayList<>();
        a.loop().submit(() -> {
            for (int i = 0; i < 100; i++) {
                byte[] frame = new byte[50 + i * 13];
                java.util.Arrays.fill(frame, (byte) i);
                sent.add(frame);
                ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(frame.length);
                buf.writeBytes(frame);
                a.sender().send(buf, peerB);
                if (i % 10 == 9) {
                    a.sender().flush();
                }
            }
        }).sync();
        for (int i = 0; i < sent.size(); i++) {
            Received r = b.received().poll(10, TimeUnit.SECONDS);
            assertThat(r).as("frame " + i).isNotNull();
            assertThat(r.frame()).isEqualTo(sent.get(i));
            assertThat(r.sender()).isEqualTo(ipA);
        }
        // and back, from the side that accepted
        b.loop().submit(() -> {
            ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(3);
            buf.writeBytes(new byte[] {7, 8, 9});
            b.sender().send(buf, peerA);
            b.sender().flush();
        }).sync();
        Received back = a.received().poll(10, TimeUnit.SECONDS);
        assertThat(back).isNotNull();
        assertThat(back.frame()).containsExactly(7, 8, 9);
        assertThat(back.sender()).isEqualTo(ipB);
        assertThat(a.counters().get(Counter.DROP_TCP_DOWN)).isZero();
    }

    @Test
    void aConnectionFromAnAddressInNoLeaseIsClosedDeliversNothingAndIsCounted() throws Exception {
        assumeTrue(Epoll.isAvailable(), "no native epoll");
        int portB = freePort("127.0.0.2");
        Lease leaseA = lease("10.244.1.0/24", "127.0.0.1", "0e:2a:00:00:00:01");
        Host b = host("127.0.0.2", portB, "10.244.2.0/24", leaseA, 0); // A advertises no TCP port: not a TCP peer either
        for (String from : List.of("127.0.0.3", "127.0.0.1")) {
            try (Socket s = new Socket()) {
                s.bind(new InetSocketAddress(from, 0));
                s.connect(new InetSocketAddress("127.0.0.2", portB), 5000);
                OutputStream out = s.getOutputStream();
                out.write(new byte[] {0, 3, 1, 2, 3});
                out.flush();
                s.setSoTimeout(5000);
                assertThat(s.getInputStream().read()).as("closed by weft").isEqualTo(-1);
            } catch (java.net.SocketException reset) {
                // closed by weft before our write: as good
            }
        }
        await(() -> b.transport().refused() == 2, "two refused connections");
        assertThat(b.received()).isEmpty();
    }

    // ---------------------------------------------------------------- mutual TLS

    private static Path openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("openssl " + cmd + ": " + out).isTrue();
        return dir;
    }

    /** A CA ({@code <name>-ca.pem}, its key {@code <name>-ca.key}). */
    private static void ca(Path dir, String name) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + "-ca.key", "-out", name + "-ca.pem",
                "-days", "2", "-subj", "/CN=" + name + " CA");
    }

    /** A certificate {@code <host>.pem} from CA {@code ca} for the key in {@code <host>.key}. */
    private static void sign(Path dir, String ca, String host) throws Exception {
        openssl(dir, "req", "-new", "-key", host + ".key", "-out", host + ".csr", "-subj", "/CN=" + host);
        openssl(dir, "x509", "-req", "-in", host + ".csr", "-CA", ca + "-ca.pem", "-CAkey", ca + "-ca.key",
                "-CAcreateserial", "-out", host + ".pem", "-days", "2");
    }

    private static boolean hasOpenssl() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void withMutualTlsPeersOfOneCaTalkAndAPeerWithACertificateFromAnotherCaIsRefused(@TempDir Path dir) throws Exception {
        assumeTrue(Epoll.isAvailable(), "no native epoll");
        assumeTrue(hasOpenssl(), "no openssl binary");
        ca(dir, "cluster");
        ca(dir, "other");
        // the key forms tools hand out: PKCS#8 (openssl genpkey), PKCS#1 RSA (kubeadm), SEC1 EC (cfssl, ecparam)
        openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "a.key");
        openssl(dir, "genrsa", "-traditional", "-out", "b.key", "2048");
        openssl(dir, "ecparam", "-genkey", "-name", "prime256v1", "-out", "c.key");
        sign(dir, "cluster", "a");
        sign(dir, "cluster", "b");
        sign(dir, "other", "c");
        assertThat(Files.readString(dir.resolve("a.key"))).contains("BEGIN PRIVATE KEY");
        assertThat(Files.readString(dir.resolve("b.key"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(Files.readString(dir.resolve("c.key"))).contains("BEGIN EC PARAMETERS").contains("BEGIN EC PRIVATE KEY");
        TcpTls tlsA = TcpTls.load(dir.resolve("cluster-ca.pem"), dir.resolve("a.pem"), dir.resolve("a.key"));
        TcpTls tlsB = TcpTls.load(dir.resolve("cluster-ca.pem"), dir.resolve("b.pem"), dir.resolve("b.key"));
        TcpTls tlsC = TcpTls.load(dir.resolve("cluster-ca.pem"), dir.resolve("c.pem"), dir.resolve("c.key"));

        int portA = freePort("127.0.0.1");
        int portB = freePort("127.0.0.2");
        int portC = freePort("127.0.0.3");
        Lease leaseA = lease("10.244.1.0/24", "127.0.0.1", "0e:2a:00:00:00:01");
        Lease leaseB = lease("10.244.2.0/24", "127.0.0.2", "0e:2a:00:00:00:02");
        Lease leaseC = lease("10.244.3.0/24", "127.0.0.3", "0e:2a:00:00:00:03");
        Host a = host("127.0.0.1", portA, "10.244.1.0/24", Map.of(leaseB, portB), tlsA);
        Host b = host("127.0.0.2", portB, "10.244.2.0/24", Map.of(leaseA, portA, leaseC, portC), tlsB);
        // C is in B's leases (so its address may connect) but its certificate is from another CA: B (the lower
        // address) dials it, and the handshake fails at both ends.
        Host c = host("127.0.0.3", portC, "10.244.3.0/24", Map.of(leaseB, portB), tlsC);
        int ipA = Subnet.bytesToInt(new byte[] {127, 0, 0, 1}, 0);
        await(() -> a.transport().connected(Subnet.bytesToInt(new byte[] {127, 0, 0, 2}, 0)), "A connected to B");
        Peer peerB = a.table().current().peers().get(0);
        a.loop().submit(() -> {
            ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(4).writeBytes(new byte[] {1, 2, 3, 4});
            a.sender().send(buf, peerB);
            a.sender().flush();
        }).sync();
        Received r = b.received().poll(10, TimeUnit.SECONDS);
        assertThat(r).as("a frame over TLS").isNotNull();
        assertThat(r.frame()).containsExactly(1, 2, 3, 4);
        assertThat(r.sender()).isEqualTo(ipA);

        await(() -> b.transport().tlsRefused() + c.transport().tlsRefused() >= 2, "C's handshakes with B refused");
        Peer peerBatC = c.table().current().peers().get(0);
        c.loop().submit(() -> {
            ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(4).writeBytes(new byte[] {6, 6, 6, 6});
            c.sender().send(buf, peerBatC);
            c.sender().flush();
        }).sync();
        Thread.sleep(500);
        assertThat(b.received()).as("nothing from C reached B").isEmpty();
    }

    @Test
    void eachBadTlsFileGetsOneLineNamingIt(@TempDir Path dir) throws Exception {
        assumeTrue(hasOpenssl(), "no openssl binary");
        ca(dir, "cluster");
        openssl(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "a.key");
        sign(dir, "cluster", "a");
        openssl(dir, "genrsa", "-aes128", "-passout", "pass:secret", "-out", "enc.key", "2048");
        Path ca = dir.resolve("cluster-ca.pem");
        Path cert = dir.resolve("a.pem");
        Path key = dir.resolve("a.key");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TcpTls.load(dir.resolve("nope.pem"), cert, key)))
                .hasMessage("--tcp-tls-ca " + dir.resolve("nope.pem") + " cannot be read (no such file, or no permission)");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TcpTls.load(ca, key, key)))
                .hasMessageStartingWith("--tcp-tls-cert " + key).hasMessageNotContaining("\n");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TcpTls.load(ca, cert, cert)))
                .hasMessageStartingWith("--tcp-tls-key " + cert + " holds no private key");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TcpTls.load(ca, cert, dir.resolve("enc.key"))))
                .hasMessageStartingWith("--tcp-tls-key " + dir.resolve("enc.key") + " is encrypted");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TcpTls.load(ca, cert, dir.resolve("cluster-ca.key"))))
                .hasMessageContaining("--tcp-tls-key " + dir.resolve("cluster-ca.key") + " is a RSA key but the certificate");
    }

    @Test
    void aFrameForAPeerWithNoConnectionIsDroppedAndCounted() {
        WorkerCounters counters = new WorkerCounters();
        TcpSender sender = new TcpSender(0, counters, ByteBufAllocator.DEFAULT);
        sender.use(new TcpLinks());
        Lease leaseA = lease("10.244.1.0/24", "127.0.0.1", "0e:2a:00:00:00:01");
        Peer peer = ForwardingTable.of(TableScope.localOnly(Subnet.parse("10.244.2.0/24"), null), List.of(leaseA),
                Map.of(leaseA.key(), WeftAdvert.of(null, 8472)), null, 8472).peers().get(0);
        ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(10).writeZero(10);
        sender.send(buf, peer);
        sender.flush();
        assertThat(buf.refCnt()).isZero();
        assertThat(counters.get(Counter.DROP_TCP_DOWN)).isEqualTo(1);
    }
}
