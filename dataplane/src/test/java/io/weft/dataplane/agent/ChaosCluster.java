package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;
import io.weft.labkit.vxlan.KernelVxlan;
import io.weft.labkit.vxlan.OverlayHost;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chaos suite's cluster ({@link AgentLab}, namespaces {@code wdp-cx-*}): etcd on the switch, two weft hosts
 * {@code h1} and {@code h2} (the real {@code weft.jar}, one worker each) with a pod behind each, and {@code k3}, a
 * kernel-VXLAN host programmed as flanneld programs {@code flannel.1}, whose lease the trials write and delete to
 * see when weft starts forwarding to a new peer. {@code h1} runs with native memory tracking, for the soak.
 */
final class ChaosCluster implements AutoCloseable {
    static final String PREFIX = "wdp-cx-";
    /** A /9, so that 10,000 /24 leases fit. */
    static final String CONFIG = "{\"Network\":\"10.128.0.0/9\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"vxlan\"}}";
    static final String NETWORK = "10.128.0.0/9";
    static final String SUBNETS = "/coreos.com/network/subnets/";
    static final int METRICS_PORT = 8471;
    /** The kernel peer: on the bridge at .3, with a subnet the weft hosts will not pick (they pick from the start). */
    static final OverlayHost K3 = new OverlayHost("10.98.0.3", "10.255.254.0/24", "0e:2a:00:00:03:03");
    private static final ObjectMapper JSON = new ObjectMapper();

    final AgentLab lab;
    final String[] hosts = {"h1", "h2"};
    final AgentProcess[] agents = new AgentProcess[2];
    /** FLANNEL_SUBNET of each weft host, e.g. {@code 10.128.3.1/24}. */
    final String[] flannelSubnets = new String[2];
    final String[] podIps = new String[2];
    final String[] vtepMacs = new String[2];
    private final int[] starts = new int[2];

    private ChaosCluster(AgentLab lab) {
        this.lab = lab;
    }

    static ChaosCluster start() throws Exception {
        ChaosCluster c = new ChaosCluster(new AgentLab(PREFIX));
        try {
            c.build();
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void build() throws Exception {
        lab.startEtcd();
        lab.putConfig(CONFIG);
        lab.addHost("h1", 1);
        lab.addHost("h2", 2);
        Netns k3 = lab.addHost("k3", 3);
        for (int i = 0; i < 2; i++) {
            startAgent(i);
        }
        for (int i = 0; i < 2; i++) {
            awaitUp(i);
            Path env = lab.hostDir(hosts[i]).resolve("subnet.env");
            AgentLab.awaitFile(env, 30);
            flannelSubnets[i] = AgentLab.subnetEnvValue(env, "FLANNEL_SUBNET");
            podIps[i] = lab.addPod(hosts[i], flannelSubnets[i]);
            JsonNode lease = JSON.readTree(lab.etcdctl("get", SUBNETS + subnetKey(i), "--print-value-only").requireOk().output());
            vtepMacs[i] = lease.path("BackendData").path("VtepMAC").asText();
        }
        KernelVxlan k3vx = KernelVxlan.create(k3, "flannel.1", 1, 8472, K3, "eth0", 1450);
        for (int i = 0; i < 2; i++) {
            k3vx.addPeer(new OverlayHost("10.98.0." + (i + 1), subnet(i), vtepMacs[i]));
        }
        awaitTrue("h1 and h2 reach each other's pods", 30,
                () -> pod(0).exec(10, "ping", "-c", "1", "-W", "1", podIps[1]).ok());
    }

    /** Starts weft on host {@code i} (again, after a kill: same run directory, so a stale control socket may be there). */
    AgentProcess startAgent(int i) throws IOException {
        Path d = lab.hostDir(hosts[i]);
        Map<String, String> env = i == 0 ? Map.of("JAVA_TOOL_OPTIONS", "-XX:NativeMemoryTracking=summary") : Map.of();
        AgentProcess p = AgentProcess.start(lab.host(hosts[i]), d.resolve("weft-" + (++starts[i]) + ".log"), env, List.of(),
                "run", "-etcd-endpoints", AgentLab.ETCD_URL, "-iface", "eth0", "-subnet-file", d.resolve("subnet.env").toString(),
                "--run-dir", d.resolve("run").toString(), "--workers", "1", "--metrics-port", Integer.toString(METRICS_PORT),
                "-ip-masq");
        lab.track(p.process);
        agents[i] = p;
        return p;
    }

    void awaitUp(int i) throws InterruptedException {
        agents[i].awaitOutput("weft is up", 120);
    }

    Netns host(int i) {
        return lab.host(hosts[i]);
    }

    Netns pod(int i) {
        return lab.pod(hosts[i]);
    }

    Path runDir(int i) throws IOException {
        return lab.hostDir(hosts[i]).resolve("run");
    }

    /** The lease subnet of host {@code i}, e.g. {@code 10.128.3.0/24}. */
    String subnet(int i) {
        return flannelSubnets[i].replace(".1/", ".0/");
    }

    String subnetKey(int i) {
        return subnet(i).replace('/', '-');
    }

    /** Host {@code i}'s log of its current run. */
    String log(int i) {
        return agents[i].output();
    }

    /** {@code weft <args>} against host {@code i}'s control socket. */
    Cmd.Result weft(int i, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", AgentLab.JAR.toString()));
        cmd.addAll(List.of(args));
        return Cmd.run(60, host(i).wrap(cmd));
    }

    /** {@code java -cp <this JVM's classpath> <main> <args>}: a helper program to run in one of the namespaces. */
    static List<String> javaMain(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Host {@code i}'s Prometheus metrics. */
    String metrics(int i) {
        return host(i).exec(20, "curl", "-s", "--max-time", "10", "http://127.0.0.1:" + METRICS_PORT + "/metrics").output();
    }

    /** One metric's value ({@code name} with its labels, as printed), or -1 when it is not there. */
    static double metric(String metrics, String nameAndLabels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** {@code weft_drops_total} by reason. */
    static Map<String, Long> drops(String metrics) {
        Map<String, Long> out = new java.util.TreeMap<>();
        Matcher m = Pattern.compile("(?m)^weft_drops_total\\{reason=\"([a-z_]+)\"} (\\S+)$").matcher(metrics);
        while (m.find()) {
            out.merge(m.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
        }
        return out;
    }

    /** The peer subnets host {@code i} routes to, from {@code weft routes} ({@code <subnet> via ...}). */
    TreeSet<String> routedPeers(int i) throws IOException {
        String out = weft(i, "routes", "--run-dir", runDir(i).toString()).requireOk().output();
        TreeSet<String> peers = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^(\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+) via ").matcher(out);
        while (m.find()) {
            peers.add(m.group(1));
        }
        return peers;
    }

    /** The lease subnets in etcd other than host {@code i}'s own. */
    TreeSet<String> leasesBut(int i) {
        String out = lab.etcdctl("get", SUBNETS, "--prefix", "--keys-only").requireOk().output();
        TreeSet<String> subnets = new TreeSet<>();
        for (String line : out.split("\n")) {
            if (line.startsWith(SUBNETS)) {
                subnets.add(line.substring(SUBNETS.length()).replace('-', '/'));
            }
        }
        subnets.remove(subnet(i));
        return subnets;
    }

    /** A flanneld lease value for a peer at {@code publicIp} with {@code mac}. */
    static String leaseValue(String publicIp, String mac) {
        return "{\"PublicIP\":\"" + publicIp + "\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\",\"BackendData\":"
                + "{\"VNI\":1,\"VtepMAC\":\"" + mac + "\"}}";
    }

    void putK3Lease() {
        lab.etcdctl("put", SUBNETS + K3.subnet().replace('/', '-'), leaseValue(K3.underlayIp(), K3.mac())).requireOk();
    }

    void deleteK3Lease() {
        lab.etcdctl("del", SUBNETS + K3.subnet().replace('/', '-')).requireOk();
    }

    /** The java process of host {@code i}'s current weft. */
    long pid(int i) {
        return agents[i].process.pid();
    }

    static void awaitTrue(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": not within " + seconds + " s");
            }
            Thread.sleep(200);
        }
    }

    static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        lab.close();
    }
}
