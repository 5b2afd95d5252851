package io.weft.dataplane.netns;

/**
 * A kernel vxlan device programmed exactly as flanneld programs {@code flannel.<VNI>} (flannel-compat.md §2.2,
 * §2.6): {@code nolearning}, address {@code <subnet>.0/32}, and per remote lease a permanent neighbour entry,
 * a permanent self FDB entry and an onlink route, in that order.
 */
public final class KernelVxlan {
    private final Netns ns;
    private final String device;

    private KernelVxlan(Netns ns, String device) {
        this.ns = ns;
        this.device = device;
    }

    public static KernelVxlan create(Netns ns, String device, int vni, int port, HostSpec self, String underlayDev, int mtu) {
        ns.ip("link", "add", device, "address", self.mac(), "mtu", Integer.toString(mtu), "type", "vxlan",
                "id", Integer.toString(vni), "local", self.underlayIp(), "dev", underlayDev,
                "dstport", Integer.toString(port), "nolearning");
        ns.ip("addr", "add", self.vtepIp() + "/32", "dev", device);
        ns.ip("link", "set", device, "up");
        return new KernelVxlan(ns, device);
    }

    public void addPeer(HostSpec peer) {
        ns.ip("neigh", "replace", peer.vtepIp(), "lladdr", peer.mac(), "dev", device, "nud", "permanent");
        ns.exec(20, "bridge", "fdb", "replace", peer.mac(), "dev", device, "dst", peer.underlayIp(), "self", "permanent")
                .requireOk();
        ns.ip("route", "replace", peer.subnet(), "via", peer.vtepIp(), "dev", device, "onlink");
    }

    public String device() {
        return device;
    }
}
