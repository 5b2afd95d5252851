package io.weft.dataplane.agent;

import io.weft.dataplane.netns.Cmd;
import io.weft.dataplane.netns.Netns;

/**
 * A host behind its own 1:1 NAT, as a cloud VM is: a gateway namespace {@code <prefix>g<n>} on the lab's switch with
 * the public address {@code 10.98.0.<10+n>}, and behind it the host {@code <prefix><name>} that knows only its private
 * address {@code 10.0.0.2/24} (the same on every host, as in VPCs built from one template). The gateway DNATs
 * everything sent to the public address to the host and SNATs what the host sends out, so hosts reach each other
 * only through public addresses.
 */
final class NatGateway {
    static final String PRIVATE_IP = "10.0.0.2";
    static final String GATEWAY_PRIVATE_IP = "10.0.0.1";

    final Netns gateway;
    final Netns host;
    final String publicIp;

    private NatGateway(Netns gateway, Netns host, String publicIp) {
        this.gateway = gateway;
        this.host = host;
        this.publicIp = publicIp;
    }

    static String publicIp(int n) {
        return "10.98.0." + (10 + n);
    }

    /** Builds gateway {@code n} and the host {@code name} behind it; both are closed with the lab. */
    static NatGateway add(AgentLab lab, String name, int n) {
        String p = lab.prefix;
        String pub = publicIp(n);
        Netns gw = lab.adopt("gw" + n, Netns.create(p + "g" + n));
        Netns host = lab.adopt(name, Netns.create(p + name));
        // public side: gateway eth0 on the switch's bridge
        Cmd.run(20, "ip", "link", "add", p + "g" + n + "i", "netns", gw.name(), "type", "veth", "peer", "name",
                p + "g" + n + "o", "netns", lab.sw.name()).requireOk();
        gw.ip("link", "set", p + "g" + n + "i", "name", "eth0");
        gw.ip("addr", "add", pub + "/24", "dev", "eth0");
        gw.ip("link", "set", "eth0", "up");
        lab.sw.ip("link", "set", p + "g" + n + "o", "master", "br0");
        lab.sw.ip("link", "set", p + "g" + n + "o", "up");
        // private side: gateway eth1 <-> host eth0
        Cmd.run(20, "ip", "link", "add", p + "g" + n + "p", "netns", gw.name(), "type", "veth", "peer", "name",
                p + name + "i", "netns", host.name()).requireOk();
        gw.ip("link", "set", p + "g" + n + "p", "name", "eth1");
        gw.ip("addr", "add", GATEWAY_PRIVATE_IP + "/24", "dev", "eth1");
        gw.ip("link", "set", "eth1", "up");
        host.ip("link", "set", p + name + "i", "name", "eth0");
        host.ip("addr", "add", PRIVATE_IP + "/24", "dev", "eth0");
        host.ip("link", "set", "eth0", "up");
        host.ip("route", "add", "default", "via", GATEWAY_PRIVATE_IP);
        // a veth never fills in checksums; a real NIC does (see AgentLab.addHost)
        for (String[] dev : new String[][] {{"host", "eth0"}, {"gw", "eth0"}, {"gw", "eth1"}}) {
            (dev[0].equals("host") ? host : gw).exec(20, "ethtool", "-K", dev[1], "tx", "off").requireOk();
        }
        host.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();
        gw.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();
        gw.exec(20, "iptables", "-t", "nat", "-A", "PREROUTING", "-i", "eth0", "-d", pub, "-j", "DNAT",
                "--to-destination", PRIVATE_IP).requireOk();
        gw.exec(20, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "eth0", "-s", PRIVATE_IP, "-j", "SNAT",
                "--to-source", pub).requireOk();
        return new NatGateway(gw, host, pub);
    }

    /** Packets the gateway has DNATed to its host (from the rule's counter). */
    long dnatPackets() {
        String out = gateway.exec(20, "iptables", "-t", "nat", "-L", "PREROUTING", "-v", "-n", "-x").requireOk().output();
        for (String line : out.split("\n")) {
            if (line.contains("DNAT") && line.contains(publicIp)) {
                return Long.parseLong(line.trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no DNAT rule for " + publicIp + " in:\n" + out);
    }
}
