package io.weft.labkit.netns;

import io.weft.labkit.process.Cmd;

/**
 * A host behind its own 1:1 NAT, as a cloud VM is: a gateway namespace {@code <prefix>g<n>} on the switch with the
 * public address {@code <net>.<10+n>}, and behind it the host {@code <prefix><name>} that knows only its private
 * address {@code 10.0.0.2/24} (the same on every host, as in VPCs built from one template). The gateway DNATs
 * everything sent to the public address to the host and SNATs what the host sends out, so hosts reach each other
 * only through public addresses.
 *
 * @param gateway  the gateway's namespace
 * @param host     the host's namespace
 * @param publicIp the address the gateway gives the host
 */
public record NatGateway(Netns gateway, Netns host, String publicIp) {
    public static final String PRIVATE_IP = "10.0.0.2";
    public static final String GATEWAY_PRIVATE_IP = "10.0.0.1";

    /** Builds gateway {@code n} on {@code sw} and the host {@code name} behind it; the caller closes both namespaces. */
    public static NatGateway add(Switch sw, String name, int n) {
        String p = sw.prefix();
        String pub = sw.ip(10 + n);
        Netns gw = Netns.create(p + "g" + n);
        Netns host = Netns.create(p + name);
        try {
            // public side: gateway eth0 on the switch's bridge
            sw.attach(gw, p + "g" + n, pub);
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
            // Both veths keep their default offloads, as a container lab's do: a kernel vxlan host behind this gateway
            // sends inner packets with partial checksums, and weft must take them (issue 20).
            host.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();
            gw.exec(20, "iptables", "-t", "nat", "-A", "PREROUTING", "-i", "eth0", "-d", pub, "-j", "DNAT",
                    "--to-destination", PRIVATE_IP).requireOk();
            gw.exec(20, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "eth0", "-s", PRIVATE_IP, "-j", "SNAT",
                    "--to-source", pub).requireOk();
        } catch (RuntimeException e) {
            gw.close();
            host.close();
            throw e;
        }
        return new NatGateway(gw, host, pub);
    }

    /** Packets the gateway has DNATed to its host (from the rule's counter). */
    public long dnatPackets() {
        String out = gateway.exec(20, "iptables", "-t", "nat", "-L", "PREROUTING", "-v", "-n", "-x").requireOk().stdout();
        for (String line : out.split("\n")) {
            if (line.contains("DNAT") && line.contains(publicIp)) {
                return Long.parseLong(line.trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no DNAT rule for " + publicIp + " in:\n" + out);
    }
}
