package io.weft.dataplane.netns;

/**
 * Two namespaces joined by a veth pair on 10.99.0.0/24: the "physical" network between two hosts.
 *
 * <p>TX checksum offload is turned off on both veth ends. A veth never computes a checksum (the packet
 * stays CHECKSUM_PARTIAL end to end), so a kernel vxlan peer would deliver inner TCP segments with only the
 * pseudo-header sum in them; a real NIC (or the kernel in software, when it has no NIC offload) fills them in
 * before the wire. With offload off the kernel does it, as a real underlay would.
 */
public final class Underlay implements AutoCloseable {
    public final Netns a;
    public final Netns b;
    public final String vethA;
    public final String vethB;

    public Underlay(String prefix, String ipA, String ipB) {
        Netns.deleteLeftovers(prefix);
        a = Netns.create(prefix + "a");
        Netns nb = null;
        try {
            nb = Netns.create(prefix + "b");
            vethA = prefix + "va";
            vethB = prefix + "vb";
            Cmd.run(20, "ip", "link", "add", vethA, "netns", a.name(), "type", "veth", "peer", "name", vethB, "netns", nb.name())
                    .requireOk();
            a.ip("addr", "add", ipA + "/24", "dev", vethA);
            nb.ip("addr", "add", ipB + "/24", "dev", vethB);
            a.ip("link", "set", vethA, "up");
            nb.ip("link", "set", vethB, "up");
            a.exec(20, "ethtool", "-K", vethA, "tx", "off").requireOk();
            nb.exec(20, "ethtool", "-K", vethB, "tx", "off").requireOk();
        } catch (RuntimeException e) {
            a.close();
            if (nb != null) {
                nb.close();
            }
            throw e;
        }
        b = nb;
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
