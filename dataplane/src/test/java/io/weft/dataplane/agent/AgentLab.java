package io.weft.dataplane.agent;

import io.weft.dataplane.netns.Cmd;
import io.weft.dataplane.netns.Netns;
import io.weft.fdb.testkit.SystemTests;

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
    static final String ETCD_IP = "10.98.0.254";
    static final int ETCD_PORT = 2379;
    static final String ETCD_URL = "http://" + ETCD_IP + ":" + ETCD_PORT;
    static final Path JAR = Path.of("target", "weft.jar").toAbsolutePath();
    static final Path MINI_FLANNELD = Path.of("..", "scripts", "lab", "mini-flanneld").toAbsolutePath().normalize();

    final String prefix;
    final Path dir;
    final Netns sw;
    private final Map<String, Netns> namespaces = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private Process etcd;

    AgentLab(String prefix) throws IOException {
        SystemTests.requireRoot();
        SystemTests.requireBinary("etcd", "etcd-server");
        SystemTests.requireBinary("etcdctl", "etcd-client");
        SystemTests.require(Files.isRegularFile(JAR), JAR + " is not built (run mvn verify, which packages it first)");
        this.prefix = prefix;
        Netns.deleteLeftovers(prefix);
        this.dir = Files.createTempDirectory("weft-lab-");
        this.sw = Netns.create(prefix + "sw");
        sw.ip("link", "add", "br0", "type", "bridge");
        sw.ip("addr", "add", ETCD_IP + "/24", "dev", "br0");
        sw.ip("link", "set", "br0", "up");
    }

    /** Starts etcd in the switch namespace and waits until it answers (bounded). */
    void startEtcd() throws IOException, InterruptedException {
        Path data = dir.resolve("etcd");
        Files.createDirectories(data);
        etcd = new ProcessBuilder(sw.wrap(List.of("etcd", "--name", "lab", "--data-dir", data.toString(),
                "--listen-client-urls", ETCD_URL, "--advertise-client-urls", ETCD_URL,
                "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", "lab=http://127.0.0.1:2380")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        processes.add(etcd);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (etcdctl("endpoint", "health").ok()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("etcd did not come up: " + Files.readString(dir.resolve("etcd.log")));
    }

    Cmd.Result etcdctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "ETCDCTL_API=3", "etcdctl", "--endpoints", ETCD_URL));
        cmd.addAll(List.of(args));
        return Cmd.run(20, sw.wrap(cmd));
    }

    void putConfig(String json) {
        etcdctl("put", "/coreos.com/network/config", json).requireOk();
    }

    /** A host on the bridge: namespace {@code <prefix><name>} with {@code eth0} at {@code 10.98.0.<n>}. */
    Netns addHost(String name, int n) {
        Netns ns = Netns.create(prefix + name);
        namespaces.put(name, ns);
        String inside = prefix + name + "i";
        String outside = prefix + name + "o";
        Cmd.run(20, "ip", "link", "add", inside, "netns", ns.name(), "type", "veth", "peer", "name", outside,
                "netns", sw.name()).requireOk();
        ns.ip("link", "set", inside, "name", "eth0");
        ns.ip("addr", "add", "10.98.0." + n + "/24", "dev", "eth0");
        ns.ip("link", "set", "eth0", "up");
        sw.ip("link", "set", outside, "master", "br0");
        sw.ip("link", "set", outside, "up");
        // A veth never fills in checksums; a real NIC does. Without this a kernel vxlan sender would hand weft
        // inner TCP segments holding only the pseudo-header sum.
        ns.exec(20, "ethtool", "-K", "eth0", "tx", "off").requireOk();
        ns.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();
        return ns;
    }

    /** Takes a namespace built elsewhere (e.g. a host behind a NAT gateway) as host {@code name}, closed with the lab. */
    Netns adopt(String name, Netns ns) {
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
        Path d = hostDir(host);
        List<String> args = new ArrayList<>(List.of("run", "-etcd-endpoints", ETCD_URL, "-iface", "eth0",
                "-subnet-file", d.resolve("subnet.env").toString(), "--run-dir", d.resolve("run").toString(), "--workers", "1"));
        args.addAll(List.of(extra));
        AgentProcess p = AgentProcess.start(namespaces.get(host), d.resolve("weft.log"), args.toArray(new String[0]));
        processes.add(p.process);
        return p;
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

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Netns ns : namespaces.values()) {
            ns.close();
        }
        sw.close();
        Netns.deleteLeftovers(prefix);
        Cmd.run(20, "rm", "-rf", dir.toString());
    }
}
