package io.weft.dataplane.host;

import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Gives the TUN device what flanneld gives {@code flannel.1}, with one difference: instead of a route per peer,
 * one route for the whole Network through the device (weft forwards per peer in its own table).
 *
 * <ul>
 *   <li>MTU = underlay MTU − 50 (or Backend.MTU − 50), txqueuelen 1000;</li>
 *   <li>address {@code <local subnet>.0/32}, so host-originated traffic has an overlay source address;</li>
 *   <li>{@code ip route replace <Network> dev <tun> src <local subnet>.0}.</li>
 * </ul>
 * The local pod subnet's own route (cni0) is more specific, so local traffic never enters the TUN.
 *
 * <p>The device is persistent and keeps all of this across a restart; applying it again to what the previous run left
 * changes nothing when the subnet and network are the same, and otherwise removes the previous run's address and
 * routes (one log line) before adding these.
 */
public final class TunLinkSetup {
    private static final Logger log = LoggerFactory.getLogger(TunLinkSetup.class);
    /** Outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
    public static final int ENCAP_OVERHEAD = 50;
    public static final int DEFAULT_TXQUEUELEN = 1000;

    private final String device;
    private final int mtu;
    private final Subnet localSubnet;
    private final Subnet network;

    /**
     * @param device      the TUN device name
     * @param mtu         the device MTU (already reduced by {@link #ENCAP_OVERHEAD})
     * @param localSubnet this host's lease subnet; its network address becomes the device address
     * @param network     the whole overlay Network, routed through the device
     */
    public TunLinkSetup(String device, int mtu, Subnet localSubnet, Subnet network) {
        if (mtu < 576 - ENCAP_OVERHEAD || mtu > 65535) {
            throw new IllegalArgumentException("TUN MTU " + mtu + " is out of range; check the underlay MTU or Backend.MTU");
        }
        if (!network.contains(localSubnet)) {
            throw new IllegalArgumentException("local subnet " + localSubnet + " is not inside the Network " + network);
        }
        this.device = device;
        this.mtu = mtu;
        this.localSubnet = localSubnet;
        this.network = network;
    }

    /** The device MTU for an underlay MTU (flannel's rule). */
    public static int deviceMtu(int underlayMtu) {
        return underlayMtu - ENCAP_OVERHEAD;
    }

    public void apply() {
        List<String> stale = removeStale();
        if (!stale.isEmpty()) {
            log.info("{}: reprogrammed for subnet {} in network {}; removed what an earlier run left: {}", device,
                    localSubnet, network, String.join(", ", stale));
        }
        IpCommand.run("link", "set", "dev", device, "mtu", Integer.toString(mtu), "txqueuelen", Integer.toString(DEFAULT_TXQUEUELEN));
        IpCommand.run("addr", "replace", vtepAddress() + "/32", "dev", device);
        IpCommand.run("link", "set", "dev", device, "up");
        IpCommand.run("route", "replace", network.toString(), "dev", device, "src", vtepAddress());
    }

    /** Deletes the device's IPv4 addresses other than ours and its main-table routes other than the Network's. */
    private List<String> removeStale() {
        List<String> removed = new ArrayList<>();
        String ours = vtepAddress() + "/32";
        for (String line : IpCommand.run("-o", "-4", "addr", "show", "dev", device).split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet") && !f[i + 1].equals(ours) && IpCommand.tryRun("addr", "del", f[i + 1], "dev", device)) {
                    removed.add("address " + f[i + 1]);
                }
            }
        }
        for (String line : IpCommand.run("-4", "route", "show", "dev", device).split("\n")) {
            String prefix = line.trim().split("\\s+")[0];
            if (!prefix.isEmpty() && !prefix.equals(network.toString())
                    && IpCommand.tryRun("route", "del", prefix, "dev", device)) {
                removed.add("route " + prefix);
            }
        }
        return removed;
    }

    /**
     * Removes the route and address and takes the device down (the lab's static data plane, whose device is not
     * persistent and goes away when its fds close). The agent never calls it: its setup stays across a restart.
     */
    public void undo() {
        IpCommand.tryRun("route", "del", network.toString(), "dev", device);
        IpCommand.tryRun("addr", "del", vtepAddress() + "/32", "dev", device);
        IpCommand.tryRun("link", "set", "dev", device, "down");
    }

    public String vtepAddress() {
        return localSubnet.addressText();
    }

    public int mtu() {
        return mtu;
    }
}
