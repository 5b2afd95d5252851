package io.weft.dataplane.lab;

import io.weft.dataplane.Ipv6Overlay;
import io.weft.dataplane.host.IpCommand;

/**
 * The lab runner's IPv6 link setup on the one TUN device, as flanneld sets up {@code flannel-v6.<VNI>}: our IPv6
 * VTEP address {@code <IPv6 subnet>::/128}, and one route for the whole IPv6Network through the device, from that
 * address, with the IPv6 route MTU (the underlay's − 70; the device's own MTU stays the IPv4 one).
 */
final class LabIpv6Link {
    private final String device;
    private final int deviceMtu;
    private final Ipv6Overlay v6;

    LabIpv6Link(String device, int deviceMtu, Ipv6Overlay v6) {
        this.device = device;
        this.deviceMtu = deviceMtu;
        this.v6 = v6;
    }

    void apply() {
        IpCommand.run("link", "set", "dev", device, "mtu", Integer.toString(deviceMtu), "up");
        // nodad: usable at once for the route's src (a NOARP TUN skips DAD, but the address can still be tentative briefly)
        IpCommand.run("-6", "addr", "replace", vtepAddress() + "/128", "dev", device, "nodad");
        IpCommand.run("-6", "route", "replace", v6.network().toString(), "dev", device, "src", vtepAddress(), "mtu",
                Integer.toString(v6.mtu()));
    }

    void undo() {
        IpCommand.tryRun("-6", "route", "del", v6.network().toString(), "dev", device);
        IpCommand.tryRun("-6", "addr", "del", vtepAddress() + "/128", "dev", device);
    }

    private String vtepAddress() {
        return v6.localSubnet().addressText();
    }
}
