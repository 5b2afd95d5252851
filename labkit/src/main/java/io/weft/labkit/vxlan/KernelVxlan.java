package io.weft.labkit.vxlan;

import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

/**
 * A kernel vxlan device programmed exactly as flanneld programs {@code flannel.<VNI>} (flannel-compat.md §2.2,
 * §2.6): {@code nolearning}, MAC = VtepMAC, address {@code <subnet>.0/32}, and per remote lease a permanent neighbour
 * entry, a permanent self FDB entry and an onlink route, in that order. (The shell labs' copy is
 * {@code scripts/lab/lib/rig.sh}, {@code wlab_kvx}.) {@link #createV6} is {@code flannel-v6.<VNI>}: the same with
 * the PublicIPv6 as {@code local}, the IPv6 VtepMAC, {@code <IPv6 subnet>::/128} and IPv6 peer entries.
 */
public final class KernelVxlan {
    private final Netns ns;
    private final String device;

    private KernelVxlan(Netns ns, String device) {
        this.ns = ns;
        this.device = device;
    }

    public static KernelVxlan create(Netns ns, String device, int vni, int port, OverlayHost self, String underlayDev, int mtu) {
        ns.ip("link", "add", device, "address", self.mac(), "mtu", Integer.toString(mtu), "type", "vxlan",
                "id", Integer.toString(vni), "local", self.underlayIp(), "dev", underlayDev,
                "dstport", Integer.toString(port), "nolearning");
        ns.ip("addr", "add", self.vtepIp() + "/32", "dev", device);
        ns.ip("link", "set", device, "up");
        return new KernelVxlan(ns, device);
    }

    /**
     * The {@code flannel-v6.<VNI>} device: {@code local} is the host's PublicIPv6 (already on {@code underlayDev}),
     * MTU the IPv6 underlay's − 70 as flanneld computes it.
     */
    public static KernelVxlan createV6(Netns ns, String device, int vni, int port, OverlayHost6 self, String underlayDev,
                                       int mtu) {
        ns.ip("link", "add", device, "address", self.mac(), "mtu", Integer.toString(mtu), "type", "vxlan",
                "id", Integer.toString(vni), "local", self.underlayIp(), "dev", underlayDev,
                "dstport", Integer.toString(port), "nolearning");
        ns.ip("-6", "addr", "add", self.vtepIp() + "/128", "dev", device);
        ns.ip("link", "set", device, "up");
        return new KernelVxlan(ns, device);
    }

    /** A remote lease's IPv6 half, as flanneld programs it on {@code flannel-v6.<VNI>}. */
    public void addPeerV6(OverlayHost6 peer) {
        ns.ip("-6", "neigh", "replace", peer.vtepIp(), "lladdr", peer.mac(), "dev", device, "nud", "permanent");
        ns.exec(20, "bridge", "fdb", "replace", peer.mac(), "dev", device, "dst", peer.underlayIp(), "self", "permanent")
                .requireOk();
        ns.ip("-6", "route", "replace", peer.subnet(), "via", peer.vtepIp(), "dev", device, "onlink");
    }

    public void addPeer(OverlayHost peer) {
        ns.ip("neigh", "replace", peer.vtepIp(), "lladdr", peer.mac(), "dev", device, "nud", "permanent");
        ns.exec(20, "bridge", "fdb", "replace", peer.mac(), "dev", device, "dst", peer.underlayIp(), "self", "permanent")
                .requireOk();
        ns.ip("route", "replace", peer.subnet(), "via", peer.vtepIp(), "dev", device, "onlink");
    }

    public String device() {
        return device;
    }

    /** Deletes the device (its neighbour, FDB entries and routes go with it). */
    public void delete() {
        Cmd.run(20, "ip", "-n", ns.name(), "link", "del", device);
    }
}
