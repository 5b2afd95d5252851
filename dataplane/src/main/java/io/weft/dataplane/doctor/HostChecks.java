package io.weft.dataplane.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.dataplane.agent.UdpChecksumErrors;
import io.weft.dataplane.socket.UdpPortHolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * The checks of this host's own state, each a pure function of what it reads (paths are parameters, so tests point
 * them at namespaces or temporary directories).
 */
public final class HostChecks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HostChecks() {
    }

    /**
     * Whether the VXLAN port is free, or what holds it.
     *
     * @param holder       {@link UdpPortHolder#describe} or a fake
     * @param agentPort    the port the running weft agent serves, or -1 if no agent runs
     */
    public static Finding vxlanPort(int port, IntFunction<Optional<String>> holder, int agentPort) {
        Optional<String> held = holder.apply(port);
        if (held.isEmpty()) {
            return agentPort == port
                    ? Finding.warn("vxlan-port", "UDP " + port + " is free, but the weft agent says it serves it", "restart weft")
                    : Finding.ok("vxlan-port", "UDP " + port + " is free");
        }
        String h = held.get();
        if (agentPort == port && !h.contains("vxlan device")) {
            return Finding.ok("vxlan-port", "UDP " + port + " is served by the running weft agent");
        }
        return Finding.fail("vxlan-port", "UDP " + port + " is held by " + h,
                "free it (stop that process or delete that device), or move every node to another port with"
                        + " \"Port\" in the Backend section of the network config");
    }

    /**
     * A kernel {@code flannel.<VNI>} device left by flanneld: it holds the port and its routes compete with weft's.
     *
     * @param linkJson       {@code ip -d -j link show} output
     * @param flanneldRunning whether a flanneld process runs
     */
    public static Finding leftoverFlannelDevice(int vni, String linkJson, boolean flanneldRunning) {
        String name = "flannel." + vni;
        boolean present = false;
        try {
            for (JsonNode link : JSON.readTree(linkJson.isBlank() ? "[]" : linkJson)) {
                if (name.equals(link.path("ifname").asText())) {
                    present = true;
                }
            }
        } catch (IOException e) {
            return Finding.info("flannel-device", "cannot read the link list: " + e.getMessage());
        }
        if (!present) {
            return Finding.ok("flannel-device", "no kernel " + name + " device");
        }
        if (flanneldRunning) {
            return Finding.fail("flannel-device", "flanneld is running and owns " + name + "; weft replaces it",
                    "stop and disable flanneld (systemctl disable --now flanneld), then: ip link delete " + name);
        }
        return Finding.fail("flannel-device", "a kernel " + name + " device is left over from flanneld",
                "ip link delete " + name);
    }

    /**
     * CNI configs: the kubelet (libcni) uses the first {@code .conf}/{@code .conflist}/{@code .json} file in name order,
     * so a config left by an earlier plugin that sorts before flannel's silently wins.
     */
    public static List<Finding> cniConfigs(Path dir) {
        List<Finding> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            out.add(Finding.info("cni-config", dir + " does not exist (not a Kubernetes node, or no CNI plugin installed yet)"));
            return out;
        }
        List<Path> configs;
        try (Stream<Path> s = Files.list(dir)) {
            configs = s.filter(p -> {
                String n = p.getFileName().toString();
                return Files.isRegularFile(p) && (n.endsWith(".conf") || n.endsWith(".conflist") || n.endsWith(".json"));
            }).sorted().toList();
        } catch (IOException e) {
            out.add(Finding.warn("cni-config", "cannot list " + dir + ": " + e.getMessage(), "check its permissions"));
            return out;
        }
        if (configs.isEmpty()) {
            out.add(Finding.warn("cni-config", "no CNI config in " + dir, "install flannel's CNI config (10-flannel.conflist)"));
            return out;
        }
        Path flannel = null;
        for (Path p : configs) {
            if (pluginTypes(p).contains("flannel")) {
                flannel = p;
                break;
            }
        }
        boolean first = true;
        for (Path p : configs) {
            List<String> types = pluginTypes(p);
            if (types.contains("flannel")) {
                if (first) {
                    out.add(Finding.ok("cni-config", p.getFileName() + " (flannel) is the first CNI config; the kubelet uses it"));
                }
            } else {
                String what = p.getFileName() + " (" + (types.isEmpty() ? "unreadable" : String.join(", ", types)) + ")";
                if (first) {
                    out.add(Finding.fail("cni-config", what + " sorts first in " + dir + ", so the kubelet uses it"
                                    + (flannel == null ? " and there is no flannel config" : " instead of " + flannel.getFileName()),
                            "move it away (mv " + p + " /root/), then restart the pods that got addresses from it"));
                } else {
                    out.add(Finding.warn("cni-config", what + " is left in " + dir + "; it is not used while "
                            + (flannel == null ? configs.get(0).getFileName() : flannel.getFileName()) + " sorts first",
                            "remove it (mv " + p + " /root/) so that it cannot take over"));
                }
            }
            first = false;
        }
        if (flannel == null) {
            out.add(Finding.warn("cni-config", "no flannel CNI config in " + dir, "install flannel's CNI config (10-flannel.conflist)"));
        }
        return out;
    }

    /** The plugin types a CNI config names ({@code type}, or every {@code plugins[].type}). */
    static List<String> pluginTypes(Path config) {
        List<String> types = new ArrayList<>();
        try {
            JsonNode n = JSON.readTree(Files.readString(config));
            if (n.hasNonNull("type")) {
                types.add(n.get("type").asText());
            }
            for (JsonNode p : n.path("plugins")) {
                if (p.hasNonNull("type")) {
                    types.add(p.get("type").asText());
                }
            }
        } catch (IOException e) {
            // reported as "unreadable" by the caller
        }
        return types;
    }

    /** {@code net.ipv4.ip_forward}: without it no pod traffic leaves the host (an IPv4 network). */
    public static Finding ipForward(Path procSys) {
        return ipForward(procSys, true, false);
    }

    /**
     * Forwarding for each family the network carries: the kernel forwards every decapsulated packet from the TUN to a
     * pod, and a pod's packets to the TUN, only with {@code net.ipv4.ip_forward} (IPv4) and
     * {@code net.ipv6.conf.all.forwarding} (IPv6) on.
     */
    public static Finding ipForward(Path procSys, boolean ipv4, boolean ipv6) {
        List<String> on = new ArrayList<>();
        List<String> off = new ArrayList<>();
        if (ipv4) {
            String v = read(procSys.resolve("net/ipv4/ip_forward"));
            ("1".equals(v) ? on : off).add("net.ipv4.ip_forward = " + v);
        }
        if (ipv6) {
            String v = read(procSys.resolve("net/ipv6/conf/all/forwarding"));
            ("1".equals(v) ? on : off).add("net.ipv6.conf.all.forwarding = " + v);
        }
        if (off.isEmpty()) {
            return Finding.ok("ip-forward", String.join(", ", on));
        }
        String family = off.size() == 2 ? "" : off.get(0).startsWith("net.ipv6") ? "IPv6 " : "IPv4 ";
        String fix = String.join(" ", off.stream().map(o -> o.substring(0, o.indexOf(' ')) + "=1").toList());
        return Finding.fail("ip-forward", String.join(", ", off) + ": this host does not forward " + family + "pod traffic",
                "sysctl -w " + fix + ", and set it in /etc/sysctl.d/ to keep it");
    }

    /**
     * rp_filter on the TUN (the kernel uses the larger of {@code all} and the device's): strict mode drops decapsulated
     * packets whose source is routed elsewhere, such as node-port traffic from outside clients forwarded by a peer.
     */
    public static Finding rpFilter(Path procSys, String device) {
        String all = read(procSys.resolve("net/ipv4/conf/all/rp_filter"));
        Path dev = procSys.resolve("net/ipv4/conf").resolve(device).resolve("rp_filter");
        boolean present = Files.exists(dev);
        String own = read(present ? dev : procSys.resolve("net/ipv4/conf/default/rp_filter"));
        int effective = Math.max(parse(all), parse(own));
        String where = present ? device : "default (" + device + " does not exist yet)";
        if (effective == 1) {
            return Finding.warn("rp-filter", "strict rp_filter on " + where + " (all=" + all + ", " + (present ? device : "default")
                            + "=" + own + "): packets from sources outside the cluster network that peers forward"
                            + " (node ports, external traffic) are dropped",
                    "use loose mode: sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf." + (present ? device : "default")
                            + ".rp_filter=2");
        }
        return Finding.ok("rp-filter", "rp_filter on " + where + " is " + (effective == 2 ? "loose" : "off") + " (" + effective + ")");
    }

    /**
     * UDP datagrams the kernel dropped for a bad checksum ({@link UdpChecksumErrors}), from {@code <procRoot>/net/snmp}:
     * they never reach weft, and a kernel flannel peer behind NAT is their usual source.
     */
    public static Finding udpChecksumErrors(Path procRoot, int vni) {
        OptionalLong n = UdpChecksumErrors.read(procRoot.resolve("net/snmp"));
        if (n.isEmpty()) {
            return Finding.info("udp-checksum", "cannot read Udp InCsumErrors from " + procRoot.resolve("net/snmp"));
        }
        if (n.getAsLong() == 0) {
            return Finding.ok("udp-checksum", "the kernel dropped no UDP datagram for a bad checksum");
        }
        return Finding.warn("udp-checksum", "the kernel dropped " + n.getAsLong() + " UDP datagram(s) with a bad checksum"
                + " (Udp InCsumErrors, counted since boot or since the network namespace was made), before weft could see them; "
                + UdpChecksumErrors.meaning(), UdpChecksumErrors.fix(vni));
    }

    /** {@code net.bridge.bridge-nf-call-iptables}: kube-proxy's rules see bridged pod traffic only with it. */
    public static Finding bridgeNfCallIptables(Path procSys) {
        Path p = procSys.resolve("net/bridge/bridge-nf-call-iptables");
        if (!Files.exists(p)) {
            return Finding.warn("bridge-nf", "net.bridge.bridge-nf-call-iptables does not exist: br_netfilter is not loaded,"
                    + " so kube-proxy's rules miss traffic between pods on this host's bridge (flanneld refuses to start)",
                    "modprobe br_netfilter, and add it to /etc/modules-load.d/");
        }
        String v = read(p);
        if ("1".equals(v)) {
            return Finding.ok("bridge-nf", "net.bridge.bridge-nf-call-iptables = 1");
        }
        return Finding.warn("bridge-nf", "net.bridge.bridge-nf-call-iptables = " + v
                        + ": Service traffic between pods on the same host bypasses kube-proxy's rules",
                "sysctl -w net.bridge.bridge-nf-call-iptables=1");
    }

    /**
     * The MTU: VXLAN adds {@code overhead} bytes (50 over an IPv4 underlay, 70 over IPv6), so the TUN (and the pods'
     * FLANNEL_MTU) must be at least that much below the underlay.
     *
     * @param backendMtu Backend.MTU from the network config, or 0
     * @param tunMtu     the TUN's MTU if it exists, or -1
     * @param overhead   VXLAN's bytes over the underlay's family: 50 (IPv4) or 70 (IPv6, an IPv6-only network)
     */
    public static Finding mtu(String underlay, int underlayMtu, int backendMtu, String tun, int tunMtu, int overhead) {
        String overIpv6 = overhead > 50 ? " over IPv6" : "";
        if (backendMtu > underlayMtu) {
            return Finding.fail("mtu", "Backend.MTU " + backendMtu + " is larger than the MTU " + underlayMtu + " of " + underlay
                            + ": full-size packets will be dropped or fragmented on the way",
                    "set Backend.MTU to at most " + underlayMtu + " (or remove it) and restart weft on every node");
        }
        if (tunMtu > 0 && tunMtu + overhead > underlayMtu) {
            return Finding.fail("mtu", tun + " has MTU " + tunMtu + ", but VXLAN" + overIpv6 + " needs " + overhead
                    + " bytes more than the underlay " + underlay + " (MTU " + underlayMtu + ") carries",
                    "restart weft so that it sizes " + tun + " to " + (underlayMtu - overhead) + ", and recreate pods (their MTU came from FLANNEL_MTU)");
        }
        int effective = tunMtu > 0 ? tunMtu : (backendMtu > 0 ? backendMtu : underlayMtu) - overhead;
        return Finding.ok("mtu", "overlay MTU " + effective + " + " + overhead + " bytes of VXLAN" + overIpv6 + " fits "
                + underlay + " (MTU " + underlayMtu + ")");
    }

    /** Whether a process named flanneld runs (from /proc/[pid]/comm). */
    public static boolean flanneldRunning(Path proc) {
        try (Stream<Path> s = Files.list(proc)) {
            return s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .anyMatch(p -> "flanneld".equals(read(p.resolve("comm"))));
        } catch (IOException e) {
            return false;
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static int parse(String v) {
        try {
            return Integer.parseInt(v.trim().toLowerCase(Locale.ROOT));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
