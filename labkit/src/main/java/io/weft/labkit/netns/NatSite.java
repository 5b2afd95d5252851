package io.weft.labkit.netns;

import io.weft.labkit.process.Cmd;

import java.util.ArrayList;
import java.util.List;

/**
 * Several hosts in one VPC: a gateway namespace {@code <prefix>s<n>} on the switch, and behind it one private network
 * (the bridge {@code br1} in the gateway, {@code 10.0.0.1/24}) with hosts at {@code 10.0.0.2}, {@code 10.0.0.3}, ...
 * Each host gets its own public address ({@code <net>.<100+10n+i>}) by 1:1 NAT on the gateway, as cloud VMs with
 * elastic addresses do. The gateway does no hairpin NAT: a host sending to a neighbour's public address reaches the
 * gateway itself, not the neighbour, as in clouds without hairpin support, so neighbours reach each other only
 * at their private addresses. Every veth keeps its default offloads.
 *
 * @param gateway    the gateway's namespace
 * @param hosts      the hosts' namespaces, in the order named
 * @param privateIps each host's private address
 * @param publicIps  each host's public (NAT) address
 */
public record NatSite(Netns gateway, List<Netns> hosts, List<String> privateIps, List<String> publicIps) {
    public static final String GATEWAY_PRIVATE_IP = "10.0.0.1";

    /** Builds site {@code n} on {@code sw} with hosts {@code <prefix><name>}; the caller closes every namespace. */
    public static NatSite add(Switch sw, int n, List<String> names) {
        String p = sw.prefix();
        Netns gw = Netns.create(p + "s" + n);
        List<Netns> hosts = new ArrayList<>();
        List<String> privates = new ArrayList<>();
        List<String> publics = new ArrayList<>();
        try {
            for (int i = 0; i < names.size(); i++) {
                publics.add(sw.ip(100 + 10 * n + i));
            }
            sw.attach(gw, p + "s" + n, publics.get(0));
            for (int i = 1; i < publics.size(); i++) {
                gw.ip("addr", "add", publics.get(i) + "/24", "dev", "eth0");
            }
            gw.ip("link", "add", "br1", "type", "bridge");
            gw.ip("addr", "add", GATEWAY_PRIVATE_IP + "/24", "dev", "br1");
            gw.ip("link", "set", "br1", "up");
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                String priv = "10.0.0." + (2 + i);
                Netns host = Netns.create(p + name);
                hosts.add(host);
                privates.add(priv);
                String port = p + "s" + n + "h" + i;
                Cmd.run(20, "ip", "link", "add", port, "netns", gw.name(), "type", "veth", "peer", "name",
                        p + name + "i", "netns", host.name()).requireOk();
                gw.ip("link", "set", port, "master", "br1");
                gw.ip("link", "set", port, "up");
                host.ip("link", "set", p + name + "i", "name", "eth0");
                host.ip("addr", "add", priv + "/24", "dev", "eth0");
                host.ip("link", "set", "eth0", "up");
                host.ip("route", "add", "default", "via", GATEWAY_PRIVATE_IP);
                host.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();
                gw.exec(20, "iptables", "-t", "nat", "-A", "PREROUTING", "-i", "eth0", "-d", publics.get(i), "-j", "DNAT",
                        "--to-destination", priv).requireOk();
                gw.exec(20, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "eth0", "-s", priv, "-j", "SNAT",
                        "--to-source", publics.get(i)).requireOk();
            }
        } catch (RuntimeException e) {
            hosts.forEach(Netns::close);
            gw.close();
            throw e;
        }
        return new NatSite(gw, List.copyOf(hosts), List.copyOf(privates), List.copyOf(publics));
    }
}
