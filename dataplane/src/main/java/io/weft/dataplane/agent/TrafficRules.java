package io.weft.dataplane.agent;

import io.weft.dataplane.host.BlackholeRoute;
import io.weft.dataplane.os.HostCommand;
import io.weft.dataplane.host.Nftables;
import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * flanneld's traffic manager ({@code main.go}, {@code pkg/trafficmngr}): the masquerade and forward rules in iptables,
 * or in nftables when the network config sets {@code EnableNFTables}, after removing what the other mode left
 * behind; and the {@code -ip-blackhole-route}. What keeps them goes on {@code undo} as soon as it exists; undoing
 * stops the re-checking and leaves the rules, as flanneld leaves them across a restart.
 */
final class TrafficRules {
    private static final Logger log = LoggerFactory.getLogger(TrafficRules.class);

    private TrafficRules() {
    }

    /**
     * @param subnet  our IPv4 subnet, or null on an IPv6-only host (then no IPv4 rules, as flanneld skips an empty
     *                Network)
     * @param subnet6 our IPv6 subnet, or null without IPv6 (then no ip6tables rules, and in nftables mode the
     *                {@code flannel-ipv6} table without chains, as flanneld leaves it)
     */
    static void start(AgentSettings settings, NetworkConfig config, Subnet subnet, Subnet subnet6,
                      Deque<AutoCloseable> undo) {
        long resync = settings.iptablesResync().toSeconds();
        if (config.enableNFTables()) {
            removeIptablesLeftovers();
            if (settings.ipMasq() || settings.iptablesForwardRules()) {
                Nftables nft = Nftables.forFlags(subnet == null ? null : config.network(), subnet,
                        subnet6 == null ? null : config.ipv6Network(), subnet6, settings.ipMasq(),
                        settings.ipMasqRandomFullyDisable(), settings.iptablesForwardRules());
                undo.push(nft);
                nft.start(resync);
            }
        } else {
            Nftables.deleteLeftovers();
            if (subnet != null) {
                start(iptables(Iptables.IPV4, settings, config.network(), subnet), resync, undo);
            }
            if (subnet6 != null) {
                start(iptables(Iptables.IPV6, settings, config.ipv6Network(), subnet6), resync, undo);
            }
        }
        // flanneld (main.go) keeps one for each family's lease subnet
        for (Subnet s : new Subnet[] {subnet, subnet6}) {
            if (settings.blackholeRoute() && s != null) {
                BlackholeRoute route = new BlackholeRoute(s);
                undo.push(route);
                route.start(resync);
            }
        }
    }

    private static void start(Iptables iptables, long resync, Deque<AutoCloseable> undo) {
        if (iptables != null) {
            undo.push(iptables);
            iptables.start(resync);
        }
    }

    /**
     * flannel's FLANNEL-POSTRTG (with -ip-masq) and FLANNEL-FWD (with -iptables-forward-rules) for one family's
     * network and pod subnet, in {@code binary} (iptables, or ip6tables for the IPv6 network); null for none.
     */
    private static Iptables iptables(String binary, AgentSettings settings, Subnet network, Subnet subnet) {
        List<Iptables.OwnedChain> chains = new ArrayList<>();
        if (settings.ipMasq()) {
            boolean fully = !settings.ipMasqRandomFullyDisable() && Iptables.supportsRandomFully(binary);
            chains.add(masqChain(MasqueradeRules.masqRules(network, subnet, fully)));
        }
        if (settings.iptablesForwardRules()) {
            chains.add(forwardChain(MasqueradeRules.forwardRules(network)));
        }
        return chains.isEmpty() ? null : new Iptables(binary, chains);
    }

    /**
     * In nftables mode flanneld deletes its iptables chains, but gives up (and exits) when there is no iptables
     * binary, which is every host that has only nftables; it also looks for FLANNEL-FWD in the nat table, where it
     * never is, and leaves the jumps that keep the chains from being deleted. weft skips a host without iptables and
     * removes the jumps and both chains from their real tables.
     */
    private static void removeIptablesLeftovers() {
        if (!Iptables.installed(Iptables.IPV4)) {
            log.info("no iptables on this host: nothing of flannel's iptables mode to remove");
            return;
        }
        removeIptables(true, true);
    }

    /**
     * Removes flannel's iptables chains weft installs ({@code masquerade}: FLANNEL-POSTRTG, {@code forward}:
     * FLANNEL-FWD) with their jumps; returns the chains that were there. Without iptables, nothing.
     */
    static List<String> removeIptables(boolean masquerade, boolean forward) {
        List<Iptables.OwnedChain> chains = new ArrayList<>();
        if (masquerade) {
            chains.add(masqChain(List.of()));
        }
        if (forward) {
            chains.add(forwardChain(List.of()));
        }
        List<String> removed = new ArrayList<>();
        // both families: the IPv6 chains of a dual-stack run go with the IPv4 ones
        for (String binary : List.of(Iptables.IPV4, Iptables.IPV6)) {
            if (Iptables.installed(binary)) {
                removed.addAll(new Iptables(binary, chains).remove());
            }
        }
        return removed;
    }

    private static Iptables.OwnedChain masqChain(List<MasqueradeRules.Rule> rules) {
        return new Iptables.OwnedChain("nat", MasqueradeRules.MASQ_CHAIN, MasqueradeRules.masqJump(), rules);
    }

    private static Iptables.OwnedChain forwardChain(List<MasqueradeRules.Rule> rules) {
        return new Iptables.OwnedChain("filter", MasqueradeRules.FORWARD_CHAIN, MasqueradeRules.forwardJump(), rules);
    }
}
