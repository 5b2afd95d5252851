package io.weft.dataplane.agent;

import io.weft.dataplane.doctor.HostChecks;
import io.weft.dataplane.host.FlannelLeftovers;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code --replace-flannel}: moving a host from flanneld to weft in one step. flanneld must be stopped (its netlink
 * watcher would recreate the device at once); then its {@code flannel.<VNI>} device goes, with its neighbour and FDB
 * entries and routes, and so do its DirectRouting routes ({@link FlannelLeftovers}). The rest needs nothing special:
 * weft takes the lease flanneld held (same PublicIP, else the subnet in subnet.env), so the pods keep their
 * addresses, and its iptables chains are flanneld's, so the rules found are kept, not doubled. Harmless on a host
 * without flanneld's state, so the flag may stay in a unit file.
 */
final class ReplaceFlannel {
    private static final Logger log = LoggerFactory.getLogger(ReplaceFlannel.class);

    private ReplaceFlannel() {
    }

    static void apply(int vni, int port, Subnet network, String tunDevice) throws AgentException {
        if (HostChecks.flanneldRunning(Path.of("/proc"))) {
            throw new AgentException("--replace-flannel: flanneld is still running; stop and disable it first"
                    + " (systemctl disable --now flanneld), then start weft again");
        }
        List<String> removed;
        try {
            removed = FlannelLeftovers.remove(vni, port, network, tunDevice);
        } catch (IllegalStateException e) {
            throw new AgentException(e.getMessage());
        }
        if (removed.isEmpty()) {
            log.info("--replace-flannel: no state of flanneld's on this host; nothing to replace");
        }
        removed.forEach(r -> log.info("--replace-flannel: removed {}", r));
    }
}
