package io.weft.dataplane.agent;

import io.weft.labkit.SystemTests;
import io.weft.labkit.etcd.EtcdServer;
import io.weft.labkit.netns.NatGateway;
import io.weft.labkit.netns.NatSite;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.netns.Switch;
import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small cluster in network namespaces for end-to-end tests of the real {@code weft.jar}: a switch namespace
 * ({@code <prefix>sw}) with a bridge on 10.98.0.0/24 and a real etcd on 10.98.0.254, hosts on the bridge, and a
 * pod namespace behind each host, addressed from the host's subnet.env as the flannel CNI plugin would.
 */
final class AgentLab implements AutoCloseable {
    static final String NET = "10.98.0";
    static final String ETCD_IP = NET + "." + Switch.SELF;
    static final int ETCD_PORT = 2379;
    static final String ETCD_URL = "http://" + ETCD_IP + ":" + ETCD_PORT;
    static final Path JAR = Path.of("target", "weft.jar").toAbsolutePath();
    static final Path MINI_FLANNELD = Path.of("..", "scripts", "lab", "mini-flanneld").toAbsolutePath().normalize();
    /** flanneld's kube mode with kernel devices (scripts/lab/mini-flanneld-kube). */
    static final Path MINI_FLANNELD_KUBE = MINI_FLANNELD.resolveSibling("mini-flanneld-kube");

    final String prefix;
    final Path dir;
    final Netns sw;
    private final Switch bridge;
    private final Map<String, Netns> namespaces = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private EtcdServer etcd;

    AgentLab(String prefix) throws IOException {
        SystemTests.requireRoot();
        SystemTests.requireBinary("etcd", "etcd-server");
        SystemTests.requireBinary("etcdctl", "etcd-client");
        SystemTests.require(Files.isRegularFile(JAR), JAR + " is not built (run mvn verify, which packages it first)");
        this.prefix = prefix;
        Netns.deleteLeftovers(prefix);
        this.dir = Files.createTempDirectory("weft-lab-");
        this.bridge = Switch.create(prefix, NET);
        this.sw = bridge.ns();
    }

    /** Starts etcd in the switch namespace and waits until it answers (bounded). */
    void startEtcd() throws IOException {
        etcd = EtcdServer.startIn(sw, ETCD_IP, ETCD_PORT);
    }

    /** The lab's etcd (for trials that stop, restart or compact it). */
    EtcdServer etcd() {
        return etcd;
    }

    Cmd.Result etcdctl(String... args) {
        return etcd.tryEtcdctl(args);
    }

    void putConfig(String json) {
        etcdctl("put", "/coreos.com/network/config", json).requireOk();
    }

    /** A host on the bridge: namespace {@code <prefix><name>} with {@code eth0} at {@code 10.98.0.<n>}. */
    Netns addHost(String name, int n) {
        Netns ns = Netns.create(prefix + name);
        namespaces.put(name, ns);
        bridge.attach(ns, prefix + name, bridge.ip(n));
        return ns;
    }

    /**
     * A second /24 ({@code net}, three octets) behind the switch, which routes between it and the lab's segment; etcd
     * stays on the lab's segment. Hosts go on either with {@link #addRoutedHost}.
     */
    Switch addRoutedSegment(String net) {
        return bridge.routedSegment(net, "br1");
    }

    /** The lab's own segment, 10.98.0.0/24, where etcd is. */
    Switch segment() {
        return bridge;
    }

    /** A host on {@code segment} at {@code <net>.<n>} whose default route goes through the switch's router. */
    Netns addRoutedHost(Switch segment, String name, int n) {
        Netns ns = Netns.create(prefix + name);
        namespaces.put(name, ns);
        segment.attachRouted(ns, prefix + name, segment.ip(n));
        return ns;
    }

    /** Host {@code name} behind its own NAT gateway {@code n} on the bridge ({@link NatGateway}); both close with the lab. */
    NatGateway addHostBehindNat(String name, int n) {
        NatGateway g = NatGateway.add(bridge, name, n);
        adopt("gw" + n, g.gateway());
        adopt(name, g.host());
        return g;
    }

    /** Hosts {@code names} on one private network behind site gateway {@code n} ({@link NatSite}); all close with the lab. */
    NatSite addSite(int n, String... names) {
        NatSite site = NatSite.add(bridge, n, List.of(names));
        adopt("site" + n, site.gateway());
        for (int i = 0; i < names.length; i++) {
            adopt(names[i], site.hosts().get(i));
        }
        return site;
    }

    /** Takes a namespace built elsewhere (a NAT gateway and the host behind it) as host {@code name}, closed with the lab. */
    private Netns adopt(String name, Netns ns) {
        namespaces.put(name, ns);
        return ns;
    }

    Netns host(String name) {
        return namespaces.get(name);
    }

    Path hostDir(String name) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        return d;
    }

    /**
     * A pod behind {@code host}: a namespace {@code <prefix><host>p} whose veth gets {@code <subnet>.2} while the host
     * end gets {@code <subnet>.1} (FLANNEL_SUBNET), as the CNI bridge would; returns the pod's IP.
     */
    String addPod(String host, String flannelSubnet) {
        Netns h = namespaces.get(host);
        Netns pod = Netns.create(prefix + host + "p");
        namespaces.put(host + "-pod", pod);
        String[] f = flannelSubnet.split("/");
        String gw = f[0];
        String podIp = gw.substring(0, gw.lastIndexOf('.') + 1) + (Integer.parseInt(gw.substring(gw.lastIndexOf('.') + 1)) + 1);
        String hostEnd = prefix + host + "c";
        Cmd.run(20, "ip", "link", "add", hostEnd, "netns", h.name(), "type", "veth", "peer", "name", "eth0",
                "netns", pod.name()).requireOk();
        h.ip("addr", "add", gw + "/" + f[1], "dev", hostEnd);
        h.ip("link", "set", hostEnd, "up");
        pod.ip("addr", "add", podIp + "/" + f[1], "dev", "eth0");
        pod.ip("link", "set", "eth0", "up");
        pod.ip("route", "add", "default", "via", gw);
        return podIp;
    }

    Netns pod(String host) {
        return namespaces.get(host + "-pod");
    }

    /** Starts scripts/lab/mini-flanneld (flanneld's part, kernel vxlan) in {@code host}. */
    Process startMiniFlanneld(String host, Path subnetFile, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(MINI_FLANNELD.toString(), "--etcd", ETCD_URL, "--iface", "eth0",
                "--subnet-file", subnetFile.toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(namespaces.get(host).wrap(cmd)).redirectErrorStream(true)
                .redirectOutput(hostDir(host).resolve("mini-flanneld.log").toFile()).start();
        processes.add(p);
        return p;
    }

    void track(Process p) {
        processes.add(p);
    }

    /** Starts {@code weft run} in {@code host} with the lab's etcd, eth0, and files under the host's directory. */
    AgentProcess startWeft(String host, String... extra) throws IOException {
        return startWeft(AgentProcess.TEST_JVM, host, extra);
    }

    /** Like {@link #startWeft(String, String...)}, with {@code jvmOptions} (the unit's, say) for the agent's JVM. */
    AgentProcess startWeft(List<String> jvmOptions, String host, String... extra) throws IOException {
        Path d = hostDir(host);
        List<String> args = new ArrayList<>(List.of("run", "-etcd-endpoints", ETCD_URL, "-iface", "eth0",
                "-subnet-file", d.resolve("subnet.env").toString(), "--run-dir", d.resolve("run").toString(), "--workers", "1"));
        args.addAll(List.of(extra));
        AgentProcess p = AgentProcess.start(namespaces.get(host), d.resolve("weft.log"), Map.of(), List.of(), jvmOptions,
                args.toArray(new String[0]));
        processes.add(p.process);
        return p;
    }

    /** Runs {@code weft <args>} (a show command, say) in {@code host} with the lab's jar; fails if it fails. */
    Cmd.Result weftCli(String host, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return Cmd.run(60, namespaces.get(host).wrap(cmd)).requireOk();
    }

    /** Waits until {@code p} exists (subnet.env is written once a host is up). */
    static void awaitFile(Path p, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.exists(p)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(p + " was not written within " + seconds + " s");
            }
            Thread.sleep(200);
        }
    }

    /** One value of a subnet.env file, e.g. {@code FLANNEL_SUBNET}. */
    static String subnetEnvValue(Path env, String key) throws IOException {
        for (String line : Files.readAllLines(env)) {
            if (line.startsWith(key + "=")) {
                return line.substring(key.length() + 1);
            }
        }
        throw new AssertionError(key + " missing from " + env + ": " + Files.readString(env));
    }

    /** Adds a pod behind {@code host} in the subnet its subnet.env names (waiting for the file); returns the pod's IP. */
    String addPodFromSubnetEnv(String host) throws IOException, InterruptedException {
        Path env = hostDir(host).resolve("subnet.env");
        awaitFile(env, 30);
        return addPod(host, subnetEnvValue(env, "FLANNEL_SUBNET"));
    }

    /** Waits until {@code text} occurs {@code count} times in {@code log}; fails with the log when time runs out. */
    static void awaitCount(Path log, String text, int count, long seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String s = Files.exists(log) ? Files.readString(log) : "";
            if (s.split(java.util.regex.Pattern.quote(text), -1).length - 1 >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + text + "' not logged " + count + " time(s) within " + seconds + " s:\n" + s);
            }
            Thread.sleep(100);
        }
    }

    /** The pods reach each other (a few tries: the first packets after a restart may still be in flight). */
    static void assertReachable(Netns from, String to) throws InterruptedException {
        Cmd.Result r = null;
        for (int i = 0; i < 5; i++) {
            r = from.exec(20, "ping", "-c", "2", "-i", "0.2", "-W", "2", to);
            if (r.ok()) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("ping from " + from.name() + " to " + to + ":\n" + r.output());
    }

    /** Kills the processes it tracks (agents, mini-flanneld, etcd) before it removes the namespaces. */
    @Override
    public void close() {
        processes.forEach(Cmd::kill);
        if (etcd != null) {
            etcd.close();
        }
        for (Netns ns : namespaces.values()) {
            ns.close();
        }
        bridge.close();
        Netns.deleteLeftovers(prefix);
        Cmd.run(20, "rm", "-rf", dir.toString());
    }
}
