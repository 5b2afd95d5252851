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

    static void start(AgentSettings settings, NetworkConfig config, Subnet subnet, Deque<AutoCloseable> undo) {
        long resync = settings.iptablesResync().toSeconds();
        if (config.enableNFTables()) {
            removeIptablesLeftovers();
            if (settings.ipMasq() || settings.iptablesForwardRules()) {
                Nftables nft = Nftables.forFlags(config.network(), subnet, settings.ipMasq(),
                        settings.ipMasqRandomFullyDisable(), settings.iptablesForwardRules());
                undo.push(nft);
                nft.start(resync);
            }
        } else {
            Nftables.deleteLeftovers();
            Iptables iptables = iptables(settings, config, subnet);
            if (iptables != null) {
                undo.push(iptables);
                iptables.start(resync);
            }
        }
        if (settings.blackholeRoute()) {
            BlackholeRoute route = new BlackholeRoute(subnet);
            undo.push(route);
            route.start(resync);
        }
    }

    /** flannel's FLANNEL-POSTRTG (with -ip-masq) and FLANNEL-FWD (with -iptables-forward-rules), or null for none. */
    private static Iptables iptables(AgentSettings settings, NetworkConfig config, Subnet subnet) {
        List<Iptables.OwnedChain> chains = new ArrayList<>();
        if (settings.ipMasq()) {
            boolean fully = !settings.ipMasqRandomFullyDisable() && Iptables.supportsRandomFully();
            chains.add(masqChain(MasqueradeRules.masqRules(config.network(), subnet, fully)));
        }
        if (settings.iptablesForwardRules()) {
            chains.add(forwardChain(MasqueradeRules.forwardRules(config.network())));
        }
        return chains.isEmpty() ? null : new Iptables(chains);
    }

    /**
     * In nftables mode flanneld deletes its iptables chains, but gives up (and exits) when there is no iptables
     * binary, which is every host that has only nftables; it also looks for FLANNEL-FWD in the nat table, where it
     * never is, and leaves the jumps that keep the chains from being deleted. weft skips a host without iptables and
     * removes the jumps and both chains from their real tables.
     */
    private static void removeIptablesLeftovers() {
        if (!HostCommand.run(List.of("iptables", "--version")).ok()) {
            log.info("no iptables on this host: nothing of flannel's iptables mode to remove");
            return;
        }
        new Iptables(List.of(masqChain(List.of()), forwardChain(List.of()))).remove();
    }

    /**
     * Removes flannel's iptables chains weft installs ({@code masquerade}: FLANNEL-POSTRTG, {@code forward}:
     * FLANNEL-FWD) with their jumps; returns the chains that were there. Without iptables, nothing.
     */
    static List<String> removeIptables(boolean masquerade, boolean forward) {
        if (!HostCommand.run(List.of("iptables", "--version")).ok()) {
            return List.of();
        }
        List<Iptables.OwnedChain> chains = new ArrayList<>();
        if (masquerade) {
            chains.add(masqChain(List.of()));
        }
        if (forward) {
            chains.add(forwardChain(List.of()));
        }
        return new Iptables(chains).remove();
    }

    private static Iptables.OwnedChain masqChain(List<MasqueradeRules.Rule> rules) {
        return new Iptables.OwnedChain("nat", MasqueradeRules.MASQ_CHAIN, MasqueradeRules.masqJump(), rules);
    }

    private static Iptables.OwnedChain forwardChain(List<MasqueradeRules.Rule> rules) {
        return new Iptables.OwnedChain("filter", MasqueradeRules.FORWARD_CHAIN, MasqueradeRules.forwardJump(), rules);
    }
}
