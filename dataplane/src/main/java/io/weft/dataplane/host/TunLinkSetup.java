package io.weft.dataplane.host;

import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives the TUN device what flanneld gives {@code flannel.1} (and {@code flannel-v6.1}), with one difference: instead
 * of a route per peer, one route per Network through the device (weft forwards per peer in its own table).
 *
 * <ul>
 *   <li>MTU = underlay MTU − 50 (or Backend.MTU − 50), txqueuelen 1000;</li>
 *   <li>address {@code <local subnet>.0/32}, so host-originated traffic has an overlay source address;</li>
 *   <li>{@code ip route replace <Network> dev <tun> src <local subnet>.0};</li>
 *   <li>with IPv6 (the same device carries both families): address {@code <IPv6 subnet>::/128}, as flanneld puts on
 *       {@code flannel-v6.<VNI>}, and {@code ip -6 route replace <IPv6Network> dev <tun> src <IPv6 subnet>:: mtu
 *       <IPv6 underlay MTU − 70>}: the outer IPv6 header is 20 bytes longer than the IPv4 one, and the route MTU
 *       keeps IPv6 packets within what one IPv6 VXLAN frame carries while the link keeps the IPv4 size.</li>
 * </ul>
 * The local pod subnet's own route (cni0) is more specific, so local traffic never enters the TUN. An IPv6-only host
 * ({@code EnableIPv4: false}) has no IPv4 half: no IPv4 address and no IPv4 route.
 *
 * <p>The device is persistent and keeps all of this across a restart; applying it again to what the previous run left
 * changes nothing when the subnets and networks are the same, and otherwise removes the previous run's addresses and
 * routes (one log line) before adding these.
 */
public final class TunLinkSetup {
    private static final Logger log = LoggerFactory.getLogger(TunLinkSetup.class);
    /** Outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
    public static final int ENCAP_OVERHEAD = 50;
    public static final int DEFAULT_TXQUEUELEN = 1000;
    /** The link-local prefix the kernel may route on any IPv6-capable device; never ours to remove. */
    private static final String LINK_LOCAL = "fe80::/64";

    private final String device;
    private final int mtu;
    private final Subnet localSubnet;
    private final Subnet network;
    private final Ipv6Route ipv6;

    /**
     * The IPv6 half: our IPv6 subnet (its first address goes on the device), the IPv6Network routed through the
     * device, and that route's MTU.
     */
    public record Ipv6Route(Subnet localSubnet, Subnet network, int mtu) {
        public Ipv6Route {
            if (localSubnet == null || network == null || !localSubnet.isIpv6() || !network.contains(localSubnet)) {
                throw new IllegalArgumentException("IPv6 subnet " + localSubnet + " is not inside the IPv6Network " + network);
            }
        }

        String address() {
            return localSubnet.addressText();
        }
    }

    /**
     * @param device      the TUN device name
     * @param mtu         the device MTU (already reduced by {@link #ENCAP_OVERHEAD})
     * @param localSubnet this host's lease subnet; its network address becomes the device address
     * @param network     the whole overlay Network, routed through the device
     */
    public TunLinkSetup(String device, int mtu, Subnet localSubnet, Subnet network) {
        this(device, mtu, localSubnet, network, null);
    }

    /**
     * As {@link #TunLinkSetup(String, int, Subnet, Subnet)} with an IPv6 half (or null); {@code localSubnet} and
     * {@code network} are both null on an IPv6-only host.
     */
    public TunLinkSetup(String device, int mtu, Subnet localSubnet, Subnet network, Ipv6Route ipv6) {
        if (mtu < 576 - ENCAP_OVERHEAD || mtu > 65535) {
            throw new IllegalArgumentException("TUN MTU " + mtu + " is out of range; check the underlay MTU or Backend.MTU");
        }
        if (localSubnet == null && network == null && ipv6 == null) {
            throw new IllegalArgumentException("the TUN needs an IPv4 or an IPv6 subnet");
        }
        if ((localSubnet != null || network != null) && (localSubnet == null || network == null || !network.contains(localSubnet))) {
            throw new IllegalArgumentException("local subnet " + localSubnet + " is not inside the Network " + network);
        }
        this.device = device;
        this.mtu = mtu;
        this.localSubnet = localSubnet;
        this.network = network;
        this.ipv6 = ipv6;
    }

    /** What the data plane of {@code c} needs on its device. */
    public static TunLinkSetup of(io.weft.dataplane.DataPlaneConfig c) {
        io.weft.dataplane.Ipv6Overlay v6 = c.ipv6();
        return new TunLinkSetup(c.device(), c.mtu(), c.localSubnet(), c.network(),
                v6 == null ? null : new Ipv6Route(v6.localSubnet(), v6.network(), v6.mtu()));
    }

    /** The device MTU for an underlay MTU (flannel's rule). */
    public static int deviceMtu(int underlayMtu) {
        return underlayMtu - ENCAP_OVERHEAD;
    }

    public void apply() {
        List<String> stale = removeStale();
        if (!stale.isEmpty()) {
            log.info("{}: reprogrammed for subnet {} in network {}{}; removed what an earlier run left: {}", device,
                    localSubnet, network, ipv6 == null ? "" : " and " + ipv6.localSubnet() + " in " + ipv6.network(),
                    String.join(", ", stale));
        }
        IpCommand.run("link", "set", "dev", device, "mtu", Integer.toString(mtu), "txqueuelen", Integer.toString(DEFAULT_TXQUEUELEN));
        if (localSubnet != null) {
            IpCommand.run("addr", "replace", vtepAddress() + "/32", "dev", device);
        }
        if (ipv6 != null) {
            // nodad: the address is ours alone (the subnet is our lease), and a TUN answers no neighbour solicitations
            IpCommand.run("-6", "addr", "replace", ipv6.address() + "/128", "dev", device, "nodad");
        }
        IpCommand.run("link", "set", "dev", device, "up");
        if (localSubnet != null) {
            IpCommand.run("route", "replace", network.toString(), "dev", device, "src", vtepAddress());
        }
        if (ipv6 != null) {
            IpCommand.run("-6", "route", "replace", ipv6.network().toString(), "dev", device, "src", ipv6.address(),
                    "mtu", Integer.toString(ipv6.mtu()));
        }
    }

    /** Deletes the device's addresses other than ours and its main-table routes other than the Networks'. */
    private List<String> removeStale() {
        List<String> removed = new ArrayList<>();
        removeStaleAddresses("-4", "inet", localSubnet == null ? null : vtepAddress() + "/32", removed);
        removeStaleAddresses("-6", "inet6", ipv6 == null ? null : ipv6.address() + "/128", removed);
        removeStaleRoutes("-4", network == null ? null : network.toString(), removed);
        removeStaleRoutes("-6", ipv6 == null ? null : ipv6.network().toString(), removed);
        return removed;
    }

    private void removeStaleAddresses(String family, String keyword, String ours, List<String> removed) {
        for (String line : IpCommand.run("-o", family, "addr", "show", "dev", device).split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals(keyword) && !f[i + 1].equals(ours)
                        && !(family.equals("-6") && line.contains(" scope link"))
                        && IpCommand.tryRun(family, "addr", "del", f[i + 1], "dev", device)) {
                    removed.add("address " + f[i + 1]);
                }
            }
        }
    }

    private void removeStaleRoutes(String family, String ours, List<String> removed) {
        for (String line : IpCommand.run(family, "route", "show", "dev", device).split("\n")) {
            String prefix = line.trim().split("\\s+")[0];
            if (!prefix.isEmpty() && !prefix.equals(ours) && !prefix.equals(LINK_LOCAL)
                    && IpCommand.tryRun(family, "route", "del", prefix, "dev", device)) {
                removed.add("route " + prefix);
            }
        }
    }

    /**
     * Removes the routes and addresses and takes the device down (the lab's static data plane, whose device is not
     * persistent and goes away when its fds close). The agent never calls it: its setup stays across a restart.
     */
    public void undo() {
        if (ipv6 != null) {
            IpCommand.tryRun("-6", "route", "del", ipv6.network().toString(), "dev", device);
            IpCommand.tryRun("-6", "addr", "del", ipv6.address() + "/128", "dev", device);
        }
        if (localSubnet != null) {
            IpCommand.tryRun("route", "del", network.toString(), "dev", device);
            IpCommand.tryRun("addr", "del", vtepAddress() + "/32", "dev", device);
        }
        IpCommand.tryRun("link", "set", "dev", device, "down");
    }

    /** Our IPv4 VTEP address, or null on an IPv6-only host. */
    public String vtepAddress() {
        return localSubnet == null ? null : localSubnet.addressText();
    }

    /** Our IPv6 VTEP address ({@code <IPv6 subnet>::}), or null without IPv6. */
    public String vtepAddressV6() {
        return ipv6 == null ? null : ipv6.address();
    }

    public int mtu() {
        return mtu;
    }
}
