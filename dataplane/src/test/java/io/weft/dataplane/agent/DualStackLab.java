package io.weft.dataplane.agent;

import io.weft.dataplane.netns.Traffic;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the dual-stack and IPv6-only cluster tests add to an {@link AgentLab}: an IPv6 underlay address on each host's
 * eth0 ({@code fd98::<n>/64} beside {@code 10.98.0.<n>}), IPv6 forwarding on the host as a Kubernetes node has it, and
 * a pod address from {@code FLANNEL_IPV6_SUBNET} as the CNI plugin would give it.
 */
final class DualStackLab {
    static final String UNDERLAY6 = "fd98::";

    private DualStackLab() {
    }

    /** Gives host {@code n}'s eth0 the IPv6 underlay address {@code fd98::<n>} and turns on IPv6 forwarding. */
    static void addUnderlay6(Netns host, int n) {
        host.ip("-6", "addr", "add", UNDERLAY6 + n + "/64", "dev", "eth0", "nodad");
        host.exec(20, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1").requireOk();
    }

    /**
     * Makes host {@code n}'s underlay IPv6 only, as on a cloud whose path between hosts is IPv6: its bridge port
     * becomes {@code mgmt0} (it keeps {@code 10.98.0.<n>}, the way to etcd and the API server, and gets the IPv4
     * default route, so that a choice by IPv4 would take it; an IPv6 address it had goes), and a second port to the same bridge becomes {@code eth0} with
     * {@code fd98::<n>/64} alone and the IPv6 default route. Then {@link #startWeftChoosingTheInterface}.
     */
    static void makeUnderlayIpv6Only(AgentLab lab, String name, int n) {
        Netns host = lab.host(name);
        host.ip("link", "set", "eth0", "down");
        host.ip("link", "set", "eth0", "name", "mgmt0");
        host.ip("link", "set", "mgmt0", "up");
        host.ip("-6", "addr", "flush", "dev", "mgmt0", "scope", "global"); // fd98::<n> moves to the new eth0
        host.ip("route", "add", "default", "via", AgentLab.ETCD_IP, "dev", "mgmt0");
        String port = lab.prefix + name + "u6";
        Cmd.run(20, "ip", "link", "add", port + "i", "netns", host.name(), "type", "veth", "peer", "name", port + "o",
                "netns", lab.sw.name()).requireOk();
        lab.sw.ip("link", "set", port + "o", "master", "br0");
        lab.sw.ip("link", "set", port + "o", "up");
        host.ip("link", "set", port + "i", "name", "eth0");
        host.ip("link", "set", "eth0", "up");
        addUnderlay6(host, n);
        host.ip("-6", "route", "add", "default", "dev", "eth0");
    }

    /**
     * Starts {@code weft run} in {@code host} as {@link AgentLab#startWeft} does, but without {@code -iface}: the agent
     * chooses the underlay interface itself (by the default route).
     */
    static AgentProcess startWeftChoosingTheInterface(AgentLab lab, String host, String... extra) throws IOException {
        Path d = lab.hostDir(host);
        List<String> args = new java.util.ArrayList<>(List.of("run", "-etcd-endpoints", AgentLab.ETCD_URL,
                "-subnet-file", d.resolve("subnet.env").toString(), "--run-dir", d.resolve("run").toString(),
                "--workers", "1"));
        args.addAll(List.of(extra));
        AgentProcess p = AgentProcess.start(lab.host(host), d.resolve("weft.log"), java.util.Map.of(), List.of(),
                args.toArray(new String[0]));
        lab.track(p.process);
        return p;
    }

    /**
     * Gives the pod behind {@code host} (made by {@link AgentLab#addPod}, or {@link #addV6OnlyPod}) the address
     * {@code <subnet>::2} from subnet.env's {@code FLANNEL_IPV6_SUBNET} ({@code <subnet>::1/64} on the host end) and
     * an IPv6 default route; returns the pod's IPv6 address.
     */
    static String addPodV6(AgentLab lab, String host) throws IOException, InterruptedException {
        Path env = lab.hostDir(host).resolve("subnet.env");
        AgentLab.awaitFile(env, 30);
        String[] f = AgentLab.subnetEnvValue(env, "FLANNEL_IPV6_SUBNET").split("/");
        String gw = f[0];
        String pod = gw.substring(0, gw.length() - 1) + "2";
        Netns h = lab.host(host);
        String hostEnd = lab.prefix + host + "c";
        h.ip("-6", "addr", "add", gw + "/" + f[1], "dev", hostEnd, "nodad");
        Netns p = lab.pod(host);
        p.ip("-6", "addr", "add", pod + "/" + f[1], "dev", "eth0", "nodad");
        p.ip("-6", "route", "add", "default", "via", gw);
        return pod;
    }

    /** A pod with no IPv4 address behind {@code host}, for an IPv6-only cluster; then {@link #addPodV6}. */
    static void addV6OnlyPod(AgentLab lab, String host) {
        lab.addPod(host, "169.254.77.1/30"); // the veth pair; its link-local IPv4 stays inside the host
    }

    /**
     * What the weft hosts among {@code hosts} count and route, for a failure message: {@code weft stats} (drops by
     * reason) and the IPv6 routes.
     */
    static String diagnostics(AgentLab lab, String... hosts) {
        StringBuilder sb = new StringBuilder();
        for (String h : hosts) {
            sb.append("\n--- ").append(h).append(": ip -6 route\n").append(lab.host(h).exec(10, "ip", "-6", "route").output());
            if (h.startsWith("k")) {
                continue;
            }
            try {
                sb.append("--- weft stats\n").append(lab.weftCli(h, "stats", "--run-dir",
                        lab.hostDir(h).resolve("run").toString()).output());
            } catch (IOException | RuntimeException e) {
                sb.append("(no weft stats: ").append(e.getMessage()).append(")\n");
            }
        }
        return sb.toString();
    }

    /** Ping (a few tries: the first packets may meet a peer not programmed yet) and a byte-exact TCP transfer. */
    static void assertPingAndTcp(Netns from, Netns to, String toIp, int port, String what,
                                 java.util.function.Supplier<String> diagnostics) throws IOException, InterruptedException {
        Cmd.Result r = null;
        for (int i = 0; i < 5; i++) {
            r = from.exec(20, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", toIp);
            if (r.ok()) {
                break;
            }
            Thread.sleep(1000);
        }
        if (!r.ok()) {
            throw new AssertionError("ping " + what + ":\n" + r.output() + diagnostics.get());
        }
        byte[] data = Traffic.randomBytes(64 * 1024, port);
        assertThat(Traffic.sha256(Traffic.tcpTransfer(from, to, toIp, port, data))).as("TCP " + what)
                .isEqualTo(Traffic.sha256(data));
    }

    /**
     * Ping and TCP from the pod of every host in {@code hosts} to the pod of every other, to each address family's
     * address of it ({@code addresses[family][host]}: IPv4 and IPv6, or IPv6 alone), with each TCP transfer on its own
     * port from {@code firstPort} on; a failure carries {@link #diagnostics}.
     */
    static void assertEveryPodPair(AgentLab lab, String[] hosts, int firstPort, String[]... addresses)
            throws IOException, InterruptedException {
        int port = firstPort;
        for (int from = 0; from < hosts.length; from++) {
            for (int to = 0; to < hosts.length; to++) {
                if (from == to) {
                    continue;
                }
                for (String[] family : addresses) {
                    String what = "from the pod on " + hosts[from] + " to the pod on " + hosts[to] + " ("
                            + (family[to].contains(":") ? "IPv6" : "IPv4") + ")";
                    assertPingAndTcp(lab.pod(hosts[from]), lab.pod(hosts[to]), family[to], port++, what,
                            () -> diagnostics(lab, hosts));
                }
            }
        }
    }

    /** The lease keys under the lab's etcd. */
    static List<String> leaseKeys(AgentLab lab) {
        return lab.etcdctl("get", "--prefix", "/coreos.com/network/subnets", "--keys-only").requireOk().output()
                .lines().filter(l -> !l.isBlank()).toList();
    }

    /**
     * {@code weft peers --json} on {@code host} once each of its {@code peers} peers has {@code "reachable"} in every
     * one of {@code fields} and answered probes (at most 40 s); the peers array as last read.
     */
    static com.fasterxml.jackson.databind.JsonNode awaitProbesAnswered(AgentLab lab, String host, int peers,
            String... fields) throws IOException, InterruptedException {
        String run = lab.hostDir(host).resolve("run").toString();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(40);
        com.fasterxml.jackson.databind.JsonNode all;
        while (true) {
            all = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    lab.weftCli(host, "peers", "--json", "--run-dir", run).stdout()).path("peers");
            boolean answered = all.size() == peers;
            for (com.fasterxml.jackson.databind.JsonNode p : all) {
                for (String f : fields) {
                    answered &= p.path(f).asText().equals("reachable");
                }
                answered &= p.path("probesAnswered").asLong() > 0;
            }
            if (answered || System.nanoTime() > deadline) {
                return all;
            }
            Thread.sleep(1000);
        }
    }
}
