package io.weft.dataplane.agent;

import io.weft.dataplane.control.ControlServer;
import io.weft.dataplane.host.BlackholeRoute;
import io.weft.dataplane.host.DirectRoutes;
import io.weft.dataplane.host.IpCommand;
import io.weft.dataplane.host.Nftables;
import io.weft.dataplane.host.NftablesRules;
import io.weft.fdb.Subnet;
import io.weft.fdb.registry.SubnetEnv;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code weft cleanup}: removes everything an agent sets up and a stop leaves in place for the next run. That is the
 * persistent TUN device (its address and route go with it), the blackhole route, flannel's iptables chains
 * (FLANNEL-POSTRTG, FLANNEL-FWD) and weft's {@code --node-ip-dnat} chains with their jumps, flannel's nftables tables
 * and every nftables table whose name starts with {@code weft}, and the run dir (state, control socket). Each removal
 * is one line of the result; running it again finds nothing.
 *
 * @param runDir     the agent's run dir
 * @param device     a TUN name given with {@code --device}, or null (the run dir's state and every {@code weft.*} TUN)
 * @param subnetFile subnet.env, whose subnet names the blackhole route when the state is gone
 */
public record HostCleanup(Path runDir, String device, Path subnetFile) {
    static final String TUN_PREFIX = "weft.";
    static final String NFT_TABLE_PREFIX = "weft";

    /** True if an agent answers on the run dir's control socket (a socket left by a killed agent does not). */
    public boolean agentRunning() {
        Path socket = runDir.resolve(ControlServer.SOCKET_NAME);
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes what is there; returns one line per thing removed (empty: nothing was there). */
    public List<String> run() {
        List<String> removed = new ArrayList<>();
        RunState state = RunState.read(runDir);
        for (String d : devices(state)) {
            if (IpCommand.tryRun("link", "delete", d)) {
                removed.add("TUN device " + d + " (with its address and routes)");
            }
        }
        for (String subnet : blackholes(state)) {
            if (BlackholeRoute.remove(subnet)) {
                removed.add("blackhole route " + subnet);
            }
        }
        for (DirectRoutes.Route r : DirectRoutes.removeAll()) {
            removed.add("direct route " + r.subnet() + " via " + r.via().getHostAddress() + " dev " + r.device());
        }
        for (String chain : TrafficRules.removeIptables(true, true)) {
            removed.add("iptables chain " + chain + " and its jump");
        }
        for (String chain : NodeIpDnat.remove()) {
            removed.add("iptables chain " + chain + " and its jump");
        }
        for (String table : Nftables.tables()) {
            String[] f = table.split("\\s+");
            boolean flannels = f.length == 2 && (f[1].equals(NftablesRules.TABLE) || f[1].equals(NftablesRules.TABLE_V6));
            if (f.length == 2 && (flannels || f[1].startsWith(NFT_TABLE_PREFIX)) && Nftables.deleteTable(f[0], f[1])) {
                removed.add("nftables table " + table);
            }
        }
        if (Files.exists(runDir)) {
            try (Stream<Path> all = Files.walk(runDir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                removed.add("run dir " + runDir + " (state, control socket)");
            } catch (IOException e) {
                throw new IllegalStateException("cannot remove the run dir " + runDir + ": " + e.getMessage(), e);
            }
        }
        return removed;
    }

    /** The state's device, {@code --device}, and every TUN device named {@code weft.*}. */
    private Set<String> devices(RunState state) {
        Set<String> names = new LinkedHashSet<>();
        if (device != null) {
            names.add(device);
        }
        if (state != null) {
            names.add(state.dataPlane().device());
        }
        try (DirectoryStream<Path> links = Files.newDirectoryStream(Path.of("/sys/class/net"))) {
            for (Path l : links) {
                String name = l.getFileName().toString();
                if (name.startsWith(TUN_PREFIX) && Files.exists(l.resolve("tun_flags"))) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            // no sysfs: only the named devices
        }
        names.removeIf(n -> !Files.exists(Path.of("/sys/class/net", n, "tun_flags")));
        return names;
    }

    /** The state's blackhole subnets (IPv4 and IPv6), or subnet.env's subnets when there is no state. */
    private Set<String> blackholes(RunState state) {
        Set<String> subnets = new LinkedHashSet<>();
        if (state != null && state.setup() != null) {
            for (String s : new String[] {state.setup().blackhole(), state.setup().blackholeV6()}) {
                if (s != null) {
                    subnets.add(s);
                }
            }
        }
        if (state == null && subnetFile != null) {
            try {
                SubnetEnv env = SubnetEnv.read(subnetFile);
                for (Subnet s : new Subnet[] {env.subnet(), env.ipv6Subnet()}) {
                    if (s != null) {
                        subnets.add(s.toString());
                    }
                }
            } catch (IOException e) {
                // unreadable: no subnet to look for
            }
        }
        subnets.removeIf(s -> !BlackholeRoute.present(s));
        return subnets;
    }
}
