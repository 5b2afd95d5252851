package io.weft.dataplane.agent;

import io.weft.dataplane.host.NodeIpDnatWriter;
import io.weft.fdb.kube.KubeSubnetRegistry;
import io.weft.fdb.kube.NodeAddress;
import io.weft.fdb.kube.NodeIpMappings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code --node-ip-dnat}: keeps the nat rules ({@link NodeIpDnatWriter}: iptables chains, or weft's nftables table in
 * nftables mode) current as peer nodes come, go and change their public IP, re-checks them every
 * {@code -iptables-resync} period (another tool may flush nat chains), logs each mapping made or dropped and each
 * shared InternalIP once. The rules stay when weft stops (a restart rewrites them in one transaction);
 * {@link #remove()} deletes the iptables chains for {@code weft cleanup}, which also deletes the nftables table.
 */
final class NodeIpDnat implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeIpDnat.class);

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weft-node-ip-dnat");
        t.setDaemon(true);
        return t;
    });
    private final NodeIpDnatWriter rules;
    private volatile NodeIpMappings plan = NodeIpMappings.plan(List.of());
    private Set<String> reportedConflicts = Set.of();

    private NodeIpDnat(NodeIpDnatWriter rules) {
        this.rules = rules;
    }

    /**
     * Installs the (empty) rules now, then follows the registry's peers.
     *
     * @param nftables the network config's {@code EnableNFTables}: the rules go where the traffic manager's go
     */
    static NodeIpDnat start(KubeSubnetRegistry kube, Duration resync, boolean nftables) {
        NodeIpDnat d = new NodeIpDnat(NodeIpDnatWriter.forMode(nftables));
        d.apply(d.plan);
        kube.onNodeAddresses(d::peersChanged);
        d.thread.scheduleWithFixedDelay(d::resync, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
        return d;
    }

    /** The mappings in place and the InternalIPs refused, for {@code weft routes} and {@code weft doctor}. */
    NodeIpMappings plan() {
        return plan;
    }

    private void peersChanged(List<NodeAddress> peers) {
        NodeIpMappings next = NodeIpMappings.plan(peers);
        thread.execute(() -> apply(next));
    }

    private synchronized void apply(NodeIpMappings next) {
        NodeIpMappings before = plan;
        try {
            rules.write(next);
        } catch (RuntimeException e) {
            log.warn("--node-ip-dnat: cannot install the nat rules (retrying every resync): {}", e.getMessage());
        }
        plan = next;
        logChanges(before, next);
    }

    private synchronized void resync() {
        try {
            NodeIpMappings p = plan;
            if (!rules.inPlace(p)) {
                log.info("--node-ip-dnat: {} was changed by someone else; rewriting it", rules.where());
                rules.write(p);
            }
        } catch (RuntimeException e) {
            log.warn("--node-ip-dnat resync failed: {}", e.getMessage());
        }
    }

    private void logChanges(NodeIpMappings before, NodeIpMappings next) {
        for (Map.Entry<Inet4Address, Inet4Address> m : next.mappings().entrySet()) {
            if (!m.getValue().equals(before.mappings().get(m.getKey()))) {
                log.info("--node-ip-dnat: {} (InternalIP of node {}) -> {}", m.getKey().getHostAddress(),
                        next.nodes().get(m.getKey()), m.getValue().getHostAddress());
            }
        }
        for (Inet4Address gone : before.mappings().keySet()) {
            if (!next.mappings().containsKey(gone)) {
                log.info("--node-ip-dnat: {} (node {}) no longer mapped", gone.getHostAddress(), before.nodes().get(gone));
            }
        }
        Set<String> now = new HashSet<>(next.conflicts());
        for (String c : next.conflicts()) {
            if (!reportedConflicts.contains(c)) {
                log.warn(c);
            }
        }
        reportedConflicts = now;
    }

    /** Stops following the peers; the rules stay. */
    @Override
    public synchronized void close() {
        thread.shutdownNow();
    }

    /**
     * Removes the jumps and both iptables chains: the API server's connections go to the InternalIPs again. Returns
     * the chains that were there.
     */
    static List<String> remove() {
        return NodeIpDnatWriter.iptables().remove();
    }
}
