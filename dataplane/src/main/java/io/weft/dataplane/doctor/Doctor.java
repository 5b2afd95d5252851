package io.weft.dataplane.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.dataplane.agent.AgentSettings;
import io.weft.dataplane.agent.ExternalInterface;
import io.weft.dataplane.control.ControlClient;
import io.weft.dataplane.os.HostCommand;
import io.weft.dataplane.socket.UdpPortHolder;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.EtcdOptions;
import io.weft.vtep.Vxlan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code weft doctor}: checks this host and the cluster, in the order a failure would bite: the running agent, the
 * underlay interface, etcd and our lease, the leases as routes (refused and overlapping ones), the VXLAN port, a
 * leftover flannel device, CNI configs, sysctls, the kernel's UDP checksum drops, the MTU, then a live probe to every
 * peer through the agent.
 * The underlay interface is chosen as the agent chooses it: by IPv6 on an IPv6-only network ({@link Underlay}), which
 * the network config says, so that choice waits for etcd's answer. Reads only; changes nothing.
 *
 * @param settings  the same flags as {@code weft run} (etcd, -iface, -public-ip, -public-ipv6, --run-dir, --device)
 * @param cniDir    where CNI configs live ({@code /etc/cni/net.d})
 * @param procRoot  {@code /proc} (its {@code sys} subtree for the sysctls)
 * @param probeWait how long the live probe waits for answers
 */
public record Doctor(AgentSettings settings, Path cniDir, Path procRoot, Duration probeWait) {

    public DoctorReport run() throws InterruptedException {
        List<Finding> findings = new ArrayList<>();
        ControlClient control = new ControlClient(settings.runDir());
        JsonNode agent = null;
        try {
            agent = control.call(control.request("stats"));
            findings.add(Finding.ok("agent", agentLine(agent)));
        } catch (ControlClient.ControlException e) {
            findings.add(Finding.info("agent", "no weft agent answers at " + settings.runDir() + " (" + e.getMessage()
                    + "); checking the host as it is before 'weft run'"));
        }

        // the underlay's findings go here, before etcd's, though the choice is made once etcd gave the config
        int underlayAt = findings.size();
        AtomicReference<Underlay> chosen = new AtomicReference<>(); // set by EtcdChecks once it has read the config
        JsonNode stats = agent;
        NetworkConfig config = null;
        if (settings.kube() == null) {
            EtcdChecks.Result etcd = EtcdChecks.check(etcdOptions(), cfg -> {
                Underlay u = choose(cfg, stats);
                chosen.set(u);
                return u.owner();
            }, agent != null);
            findings.addAll(etcd.findings());
            config = etcd.config();
            if (config != null) {
                Subnet ourSubnet = agent != null ? subnet(agent, "subnet") : etcd.ourSubnet();
                Subnet ourIpv6Subnet = agent != null ? subnet(agent, "ipv6Subnet") : etcd.ourIpv6Subnet();
                findings.addAll(LeaseChecks.check(config, etcd.leases(), ourSubnet, ourIpv6Subnet));
            }
        } else {
            findings.add(Finding.info("registry", "-kube-subnet-mgr: leases are node annotations, read by the agent"
                    + " (etcd is not checked)"));
        }
        Underlay underlay = chosen.get() != null ? chosen.get() : choose(config, agent);
        findings.addAll(underlayAt, underlay.findings());
        ExternalInterface ext = underlay.ext();
        if (agent != null) {
            findings.addAll(nodeIpDnat(control));
        }
        int port = config != null ? config.backend().effectivePort() : agent != null ? agent.path("port").asInt() : Vxlan.LINUX_DEFAULT_PORT;
        int vni = config != null ? config.backend().vni() : agent != null ? agent.path("vni").asInt(1) : 1;
        String device = agent != null ? agent.path("device").asText() : settings.device() != null ? settings.device() : "weft." + vni;

        findings.add(HostChecks.vxlanPort(port, UdpPortHolder::describe, agent != null ? agent.path("port").asInt(-1) : -1));
        String links = HostCommand.run(List.of("ip", "-d", "-j", "link", "show")).stdout();
        findings.add(HostChecks.leftoverFlannelDevice(vni, links, HostChecks.flanneldRunning(procRoot)));
        findings.addAll(HostChecks.cniConfigs(cniDir));
        Path sys = procRoot.resolve("sys");
        boolean ipv4 = config != null ? config.enableIpv4() : agent == null || agent.hasNonNull("subnet");
        boolean ipv6 = config != null ? config.enableIpv6() : agent != null && agent.hasNonNull("ipv6Subnet");
        findings.add(HostChecks.ipForward(sys, ipv4, ipv6));
        findings.add(HostChecks.rpFilter(sys, device));
        findings.add(HostChecks.bridgeNfCallIptables(sys));
        findings.add(HostChecks.udpChecksumErrors(procRoot, vni));
        if (ext != null) {
            findings.add(HostChecks.mtu(ext.name(), ext.mtu(), config != null ? config.backend().mtu() : 0, device,
                    tunMtu(device), underlay.family().overhead));
        }

        if (agent == null) {
            findings.add(Finding.info("peers", "the live reachability test needs a running agent; start weft and run"
                    + " 'weft doctor' again"));
        } else {
            try {
                ObjectNode req = control.request("probe");
                req.put("waitMillis", probeWait.toMillis());
                findings.addAll(PeerChecks.fromProbeReply(control.call(req)));
            } catch (ControlClient.ControlException e) {
                findings.add(Finding.warn("peers", "the live reachability test failed: " + e.getMessage(),
                        "update weft on this host"));
            }
        }
        return new DoctorReport(findings);
    }

    /** {@code --node-ip-dnat}: a shared InternalIP maps none of its nodes; say which, and how to fix it. */
    private static List<Finding> nodeIpDnat(ControlClient control) {
        List<Finding> out = new ArrayList<>();
        try {
            JsonNode dnat = control.call(control.request("routes")).path("nodeIpDnat");
            if (dnat.isMissingNode()) {
                return out;
            }
            for (JsonNode c : dnat.path("conflicts")) {
                out.add(Finding.warn("node-ip-dnat", c.asText(), "give each node its own InternalIP (kubelet --node-ip)"));
            }
            if (out.isEmpty()) {
                out.add(Finding.ok("node-ip-dnat", dnat.path("mappings").size() + " peer InternalIP(s) mapped to their public IP"));
            }
        } catch (ControlClient.ControlException e) {
            out.add(Finding.warn("node-ip-dnat", "cannot read the mappings: " + e.getMessage(), "update weft on this host"));
        }
        return out;
    }

    private Underlay choose(NetworkConfig config, JsonNode agent) throws InterruptedException {
        return Underlay.choose(settings, config, agent);
    }

    /**
     * The agent's line: its subnets, device, advertised addresses and peers; an IPv6-only agent's by its IPv6 half
     * (its lease's IPv4 half is flannel's placeholder 0.0.0.0).
     */
    static String agentLine(JsonNode agent) {
        boolean v4 = agent.hasNonNull("subnet");
        boolean v6 = agent.hasNonNull("ipv6Subnet");
        String subnet = "subnet " + agent.path("subnet").asText();
        String subnet6 = "IPv6 subnet " + agent.path("ipv6Subnet").asText();
        String publicIp = "PublicIP " + agent.path("publicIp").asText();
        String publicIpv6 = "PublicIPv6 " + agent.path("publicIpv6").asText();
        String subnets = v4 && v6 ? subnet + " and " + subnet6 : v6 ? subnet6 : subnet;
        String addresses = v4 && v6 ? publicIp + ", " + publicIpv6 : v6 ? publicIpv6 : publicIp;
        return "weft runs: " + subnets + " on " + agent.path("device").asText() + ", " + addresses + ", "
                + agent.path("peers").asInt() + " peer(s)";
    }

    /** A subnet field of the agent's stats, or null when absent (an IPv6-only agent has no IPv4 subnet). */
    private static Subnet subnet(JsonNode agent, String field) {
        return agent.hasNonNull(field) ? Subnet.parse(agent.get(field).asText()) : null;
    }

    private EtcdOptions etcdOptions() {
        return new EtcdOptions(settings.etcdEndpoints(), settings.etcdPrefix(), settings.etcdCaFile(), settings.etcdCertFile(),
                settings.etcdKeyFile(), settings.etcdUsername(), settings.etcdPassword());
    }

    private static int tunMtu(String device) {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", device, "mtu")).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
    }
}
