package io.weft.dataplane.lab;

import io.weft.dataplane.DataPlane;
import io.weft.dataplane.DataPlaneConfig;
import io.weft.dataplane.DataPlaneException;
import io.weft.dataplane.Ipv6Overlay;
import io.weft.dataplane.host.TunLinkSetup;
import io.weft.fdb.PublishedTable;
import io.weft.fdb.Subnet;
import io.weft.vtep.MacAddress;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A test and lab runner: the data plane with static peers and no etcd. Run it inside a network namespace (a TUN
 * device and a socket belong to the namespace of the process that creates them).
 *
 * <pre>
 * java -cp ... io.weft.dataplane.lab.StaticDataPlaneMain --device wdp-t0 --subnet 10.244.1.0/24 \
 *     --network 10.244.0.0/16 --mac 0e:2a:00:00:00:01 [--mtu 1450] [--vni 1] [--port 8472] [--workers 1] \
 *     [--accept-unknown-vteps] [--accept-any-inner-source] [--offloads on|off] [--peer 10.244.2.0/24,10.99.0.2,0e:2a:00:00:00:02[,weft]]...
 *     [--subnet6 fd44:0:0:1::/64 --network6 fd44::/48 --mac6 0e:2a:00:00:06:01 --bind6 fd77:9::1 [--mtu6 1430]]
 *     [--tcp-port 8472 --self-ip 10.99.0.1 [--tls-ca F --tls-cert F --tls-key F]] (every peer over the TCP
 *     fallback, for the bench)
 * </pre>
 * With {@code --subnet6} the host is dual-stack (IPv6-only without {@code --subnet} and {@code --network}), and a
 * {@code --peer} may have an IPv6 half: {@code <subnet>,<publicIp>,<mac>,<subnet6>,<publicIpv6>,<mac6>}, whose IPv4
 * fields are {@code -} for an IPv6-only peer.
 * Then it prints {@code ready} and reads commands, one per line, answering each with one line:
 * {@code peer add <subnet> <publicIp> <mac>} / {@code peer del <subnet>} → {@code ok} (or {@code error: ...}),
 * {@code stats} → one JSON line of counters, {@code caps} → the offloads in use ({@code mode=offloads tun_tso=on ...}),
 * {@code quit} (or end of input) → exits, undoing the link setup.
 */
public final class StaticDataPlaneMain {
    private StaticDataPlaneMain() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Map<String, String> opts = new HashMap<>();
        java.util.List<String> peers = new java.util.ArrayList<>();
        boolean acceptUnknown = false;
        boolean acceptAnySource = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--accept-unknown-vteps")) {
                acceptUnknown = true;
            } else if (a.equals("--accept-any-inner-source")) {
                acceptAnySource = true;
            } else if (a.equals("--peer") && i + 1 < args.length) {
                peers.add(args[++i]);
            } else if (a.startsWith("--") && i + 1 < args.length) {
                opts.put(a.substring(2), args[++i]);
            } else {
                System.err.println("unknown argument: " + a);
                System.exit(2);
            }
        }
        DataPlane dp = null;
        TunLinkSetup link = null;
        LabIpv6Link link6 = null;
        try {
            Ipv6Overlay v6 = ipv6(opts);
            Subnet local = v6 != null && !opts.containsKey("subnet") ? null : Subnet.parse(require(opts, "subnet"));
            Subnet network = local == null ? null : Subnet.parse(require(opts, "network"));
            int port = Integer.parseInt(opts.getOrDefault("port", Integer.toString(DataPlaneConfig.DEFAULT_PORT)));
            int vni = Integer.parseInt(opts.getOrDefault("vni", "1"));
            int mtu = Integer.parseInt(opts.getOrDefault("mtu", "1450"));
            int workers = Integer.parseInt(opts.getOrDefault("workers", Integer.toString(DataPlaneConfig.defaultWorkers())));
            String offloads = opts.getOrDefault("offloads", DataPlaneConfig.offloadsByDefault() ? "on" : "off");
            if (!offloads.equals("on") && !offloads.equals("off")) {
                throw new IllegalArgumentException("--offloads wants on or off, got " + offloads);
            }
            String mac = opts.containsKey("mac") || v6 == null ? require(opts, "mac") : v6.vtepMac().toString();
            DataPlaneConfig config = new DataPlaneConfig(opts.getOrDefault("device", "weft." + vni), mtu, vni, port,
                    MacAddress.parse(mac), local, network, workers, acceptUnknown, acceptAnySource,
                    offloads.equals("on"), null, v6);
            PublishedTable table = new PublishedTable();
            int tcpPort = Integer.parseInt(opts.getOrDefault("tcp-port", "0"));
            StaticPeers staticPeers = new StaticPeers(local, v6 == null ? null : v6.localSubnet(), port, vni, table,
                    tcpPort);
            for (String p : peers) {
                String[] f = p.split(",");
                boolean weft = f.length > 0 && f[f.length - 1].equals("weft");
                int n = weft ? f.length - 1 : f.length;
                if (n == 3) {
                    staticPeers.add(f[0], f[1], f[2], null, null, null, weft);
                } else if (n == 6) {
                    staticPeers.add(f[0], f[1], f[2], f[3], f[4], f[5], weft);
                } else {
                    throw new IllegalArgumentException("--peer wants <subnet>,<publicIp>,<mac>[,<subnet6>,<publicIpv6>,<mac6>]"
                            + "[,weft], got " + p);
                }
            }
            dp = DataPlane.start(config, table);
            if (tcpPort > 0) {
                // every peer over the TCP fallback (a bench of that path): ready once each connection is up
                java.net.Inet4Address self = (java.net.Inet4Address) Subnet.parseAddress(require(opts, "self-ip"));
                io.weft.dataplane.socket.TcpTls tls = opts.containsKey("tls-ca") ? io.weft.dataplane.socket.TcpTls.load(
                        java.nio.file.Path.of(opts.get("tls-ca")), java.nio.file.Path.of(require(opts, "tls-cert")),
                        java.nio.file.Path.of(require(opts, "tls-key"))) : null;
                io.weft.dataplane.socket.TcpTransport tcp = dp.startTcpFallback(tcpPort, self, table, tls);
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                while (!staticPeers.publicIps().stream().allMatch(tcp::connected) && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            }
            if (local != null) {
                link = new TunLinkSetup(dp.deviceName(), mtu, local, network);
                link.apply();
            }
            if (v6 != null) {
                link6 = new LabIpv6Link(dp.deviceName(), mtu, v6);
                link6.apply();
            }
            out.println("ready");
            serve(dp, staticPeers, out);
        } catch (DataPlaneException | IllegalArgumentException e) {
            System.err.println("weft: " + e.getMessage());
            System.exit(1);
        } finally {
            if (link6 != null) {
                link6.undo();
            }
            if (link != null) {
                link.undo();
            }
            if (dp != null) {
                dp.close();
            }
        }
        System.exit(0);
    }

    private static void serve(DataPlane dp, StaticPeers peers, PrintStream out) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split("\\s+");
            try {
                if (f.length == 1 && f[0].equals("quit")) {
                    out.println("bye");
                    return;
                } else if (f.length == 1 && f[0].equals("stats")) {
                    out.println(dp.stats().toJson());
                } else if (f.length == 1 && f[0].equals("caps")) {
                    out.println(dp.capabilities().summary());
                } else if (f.length == 5 && f[0].equals("peer") && f[1].equals("add")) {
                    peers.add(f[2], f[3], f[4]);
                    out.println("ok");
                } else if (f.length == 8 && f[0].equals("peer") && f[1].equals("add")) {
                    peers.add(f[2], f[3], f[4], f[5], f[6], f[7], false);
                    out.println("ok");
                } else if (f.length == 3 && f[0].equals("peer") && f[1].equals("del")) {
                    out.println(peers.remove(f[2]) ? "ok" : "error: no such peer " + f[2]);
                } else if (f.length == 1 && f[0].isEmpty()) {
                    continue;
                } else {
                    out.println("error: unknown command: " + line.trim()
                            + " (commands: peer add <subnet> <publicIp> <mac> [<subnet6> <publicIpv6> <mac6>] | peer del"
                            + " <subnet> | stats | caps | quit)");
                }
            } catch (RuntimeException e) {
                out.println("error: " + e.getMessage());
            }
        }
    }

    /** The IPv6 overlay {@code --subnet6 --network6 --mac6 [--bind6] [--mtu6]} describe, or null without them. */
    private static Ipv6Overlay ipv6(Map<String, String> opts) {
        if (!opts.containsKey("subnet6")) {
            return null;
        }
        String bind = opts.get("bind6");
        return new Ipv6Overlay(Subnet.parse(opts.get("subnet6")), Subnet.parse(require(opts, "network6")),
                MacAddress.parse(require(opts, "mac6")), bind == null ? null : (Inet6Address) Subnet.parseAddress(bind),
                Integer.parseInt(opts.getOrDefault("mtu6", "1430")));
    }

    private static String require(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
