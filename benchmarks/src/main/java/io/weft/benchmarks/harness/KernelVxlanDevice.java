package io.weft.benchmarks.harness;

/**
 * A kernel vxlan device set up exactly as flanneld sets up {@code flannel.1} (flannel-compat.md §2.2, §2.6):
 * {@code nolearning}, MAC = VtepMAC, address {@code <subnet>.0/32}, and per remote lease a permanent neighbour
 * entry, a permanent self FDB entry and an onlink route, in that order.
 */
final class KernelVxlanDevice {
    private final Netns ns;
    private final String device;

    private KernelVxlanDevice(Netns ns, String device) {
        this.ns = ns;
        this.device = device;
    }

    static KernelVxlanDevice create(Rig rig, OverlayHost self, String device) {
        Netns ns = rig.ns(self.side());
        ns.ip("link", "add", device, "address", self.mac(), "mtu", Integer.toString(OverlayHost.MTU), "type", "vxlan",
                "id", Integer.toString(OverlayHost.VNI), "local", self.underlayIp(), "dev", rig.veth(self.side()),
                "dstport", Integer.toString(OverlayHost.PORT), "nolearning");
        ns.ip("addr", "add", self.vtepIp() + "/32", "dev", device);
        ns.ip("link", "set", device, "up");
        return new KernelVxlanDevice(ns, device);
    }

    void addPeer(OverlayHost peer) {
        ns.ip("neigh", "replace", peer.vtepIp(), "lladdr", peer.mac(), "dev", device, "nud", "permanent");
        ns.exec(20, "bridge", "fdb", "replace", peer.mac(), "dev", device, "dst", peer.underlayIp(), "self", "permanent")
                .requireOk();
        ns.ip("route", "replace", peer.subnet(), "via", peer.vtepIp(), "dev", device, "onlink");
    }

    /** Deletes the device (its neighbour, FDB entries and routes go with it). */
    void delete() {
        Cmd.run(20, "ip", "-n", ns.name(), "link", "del", device);
    }
}
