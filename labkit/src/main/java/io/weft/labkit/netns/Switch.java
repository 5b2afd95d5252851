package io.weft.labkit.netns;

import io.weft.labkit.process.Cmd;

/**
 * A switch for hosts on one /24: namespace {@code <prefix>sw} with the bridge {@code br0}, which itself holds
 * {@code <net>.254} (where a lab's etcd listens). Each host is cabled to it with {@link #attach}.
 */
public final class Switch implements AutoCloseable {
    /** The switch's own host number on its /24. */
    public static final int SELF = 254;

    private final String prefix;
    private final String net;
    private final Netns ns;

    private Switch(String prefix, String net, Netns ns) {
        this.prefix = prefix;
        this.net = net;
        this.ns = ns;
    }

    /** Builds the switch for {@code net} (three octets, e.g. {@code 10.98.0}). */
    public static Switch create(String prefix, String net) {
        Netns ns = Netns.create(prefix + "sw");
        try {
            ns.ip("link", "add", "br0", "type", "bridge");
            ns.ip("addr", "add", net + "." + SELF + "/24", "dev", "br0");
            ns.ip("link", "set", "br0", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return new Switch(prefix, net, ns);
    }

    /** The prefix of the lab's namespace and link names. */
    public String prefix() {
        return prefix;
    }

    public Netns ns() {
        return ns;
    }

    /** Address {@code n} on the switch's /24. */
    public String ip(int n) {
        return net + "." + n;
    }

    /**
     * Cables {@code host} to the bridge: a veth {@code <port>i}/{@code <port>o} whose host end becomes {@code eth0}
     * with {@code ip}/24, keeping the veth's default offloads (so a kernel vxlan sender hands weft inner TCP/UDP
     * packets holding only the pseudo-header sum, as in any container lab), and the host forwards, as a node does
     * for its pods.
     */
    public void attach(Netns host, String port, String ip) {
        Cmd.run(20, "ip", "link", "add", port + "i", "netns", host.name(), "type", "veth", "peer", "name", port + "o",
                "netns", ns.name()).requireOk();
        host.ip("link", "set", port + "i", "name", "eth0");
        host.ip("addr", "add", ip + "/24", "dev", "eth0");
        host.ip("link", "set", "eth0", "up");
        ns.ip("link", "set", port + "o", "master", "br0");
        ns.ip("link", "set", port + "o", "up");
        host.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();
    }

    @Override
    public void close() {
        ns.close();
    }
}
