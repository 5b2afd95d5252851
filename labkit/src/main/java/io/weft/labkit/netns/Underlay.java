package io.weft.labkit.netns;

import io.weft.labkit.process.Cmd;

import java.util.ArrayList;
import java.util.List;

/**
 * The "physical" network between two hosts: namespaces {@code <prefix>a} and {@code <prefix>b} joined by the veth
 * pair {@code <prefix>va}/{@code <prefix>vb}, each end with an address in one /24.
 *
 * <p>By default the veths keep their own defaults, TX checksum offload on, as every container lab and VM pair has
 * them: a veth never computes a checksum (the packet stays CHECKSUM_PARTIAL end to end), so a kernel vxlan peer
 * delivers inner TCP/UDP packets holding only the pseudo-header sum, which weft must accept as the kernel does.
 * {@link Links#TX_CHECKSUM_OFF} is the other case, what a real NIC (or the kernel in software) would have sent: for
 * the tests that are about it, and say so.
 */
public final class Underlay implements AutoCloseable {
    public final Netns a;
    public final Netns b;
    public final String vethA;
    public final String vethB;

    /**
     * How the veth pair is set up.
     *
     * @param mtu       the veth MTU, or 0 for the veth default (1500)
     * @param ipv6      false to disable IPv6 in both namespaces before the links come up
     * @param txOffload true to keep the veth's TX checksum offload (and with it TSO/GSO) on
     * @param groOn     true to turn GRO on at both ends (a real NIC has it on; a veth only when asked)
     */
    public record Links(int mtu, boolean ipv6, boolean txOffload, boolean groOn) {
        /** The tests' underlay: the veth's defaults. */
        public static final Links DEFAULT = new Links(0, true, true, false);
        /** The veth's defaults but TX checksum offload off: every checksum final before the wire. */
        public static final Links TX_CHECKSUM_OFF = new Links(0, true, false, false);
    }

    /** The tests' underlay: {@code ipA/24} and {@code ipB/24}, the veth's defaults. Leftovers of {@code prefix} go first. */
    public Underlay(String prefix, String ipA, String ipB) {
        this(prefix, ipA, ipB, Links.DEFAULT);
    }

    public Underlay(String prefix, String ipA, String ipB, Links links) {
        vethA = prefix + "va";
        vethB = prefix + "vb";
        Netns.deleteLeftovers(prefix);
        a = Netns.create(prefix + "a");
        Netns nb = null;
        try {
            nb = Netns.create(prefix + "b");
            List<String> add = new ArrayList<>(List.of("ip", "link", "add", vethA));
            add.addAll(mtu(links));
            add.addAll(List.of("netns", a.name(), "type", "veth", "peer", "name", vethB));
            add.addAll(mtu(links));
            add.addAll(List.of("netns", nb.name()));
            Cmd.run(20, add).requireOk();
            a.ip("addr", "add", ipA + "/24", "dev", vethA);
            nb.ip("addr", "add", ipB + "/24", "dev", vethB);
            if (!links.ipv6()) {
                for (Netns ns : new Netns[] {a, nb}) {
                    ns.exec(20, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
                            .requireOk();
                }
            }
            a.ip("link", "set", vethA, "up");
            nb.ip("link", "set", vethB, "up");
            if (!links.txOffload()) {
                a.exec(20, "ethtool", "-K", vethA, "tx", "off").requireOk();
                nb.exec(20, "ethtool", "-K", vethB, "tx", "off").requireOk();
            }
            if (links.groOn()) {
                a.exec(20, "ethtool", "-K", vethA, "gro", "on").requireOk();
                nb.exec(20, "ethtool", "-K", vethB, "gro", "on").requireOk();
            }
        } catch (RuntimeException e) {
            a.close();
            if (nb != null) {
                nb.close();
            }
            throw e;
        }
        b = nb;
    }

    private static List<String> mtu(Links links) {
        return links.mtu() == 0 ? List.of() : List.of("mtu", Integer.toString(links.mtu()));
    }

    /** {@code ethtool -K <veth> tx on|off} on both ends (TSO and GSO of the veth follow the checksum offload). */
    public void setTxOffload(boolean on) {
        a.exec(20, "ethtool", "-K", vethA, "tx", on ? "on" : "off").requireOk();
        b.exec(20, "ethtool", "-K", vethB, "tx", on ? "on" : "off").requireOk();
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
