package io.weft.labkit.netns;

import io.weft.labkit.process.Cmd;

/**
 * A switch for hosts on one /24: namespace {@code <prefix>sw} with the bridge {@code br0}, which itself holds
 * {@code <net>.254} (where a lab's etcd listens). Each host is cabled to it with {@link #attach}. With
 * {@link #routedSegment} the switch namespace also becomes a router to a second /24 on a bridge of its own, so that
 * hosts of the two segments reach each other only through a gateway (as two racks, or two subnets of a VPC).
 */
public final class Switch implements AutoCloseable {
    /** The switch's own host number on its /24. */
    public static final int SELF = 254;

    private final String prefix;
    private final String net;
    private final Netns ns;
    private final String bridge;
    /** False for a routed segment, whose namespace belongs to the switch it was made from. */
    private final boolean ownsNamespace;

    private Switch(String prefix, String net, Netns ns, String bridge, boolean ownsNamespace) {
        this.prefix = prefix;
        this.net = net;
        this.ns = ns;
        this.bridge = bridge;
        this.ownsNamespace = ownsNamespace;
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
        return new Switch(prefix, net, ns, "br0", true);
    }

    /**
     * A second segment {@code net} (three octets) on the bridge {@code bridge} in this switch's namespace, which holds
     * {@code <net>.254} there and routes between the segments. Hosts attached with {@link #attachRouted} (on either
     * segment) reach the other one through that address. Closed with this switch.
     */
    public Switch routedSegment(String net, String bridge) {
        ns.ip("link", "add", bridge, "type", "bridge");
        ns.ip("addr", "add", net + "." + SELF + "/24", "dev", bridge);
        ns.ip("link", "set", bridge, "up");
        ns.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();
        return new Switch(prefix, net, ns, bridge, false);
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
        ns.ip("link", "set", port + "o", "master", bridge);
        ns.ip("link", "set", port + "o", "up");
        host.exec(20, "sysctl", "-qw", "net.ipv4.ip_forward=1").requireOk();
    }

    /** {@link #attach}, with the default route through this segment's {@code <net>.254}, the router. */
    public void attachRouted(Netns host, String port, String ip) {
        attach(host, port, ip);
        host.ip("route", "add", "default", "via", ip(SELF));
    }

    @Override
    public void close() {
        if (ownsNamespace) {
            ns.close();
        }
    }
}
