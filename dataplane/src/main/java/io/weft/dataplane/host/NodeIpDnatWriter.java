package io.weft.dataplane.host;

import io.weft.fdb.kube.NodeIpMappings;

import java.util.List;

/**
 * Where {@code --node-ip-dnat} keeps its nat rules: {@link IptablesNodeIpDnat} (weft's own iptables chains) or
 * {@link NftablesNodeIpDnat} (weft's own nftables table, when the network config sets {@code EnableNFTables}). Each
 * writes a whole plan in one transaction, so a node that comes or goes never leaves half the rules in place.
 */
public interface NodeIpDnatWriter {
    /** Replaces the rules with {@code plan}'s, atomically. */
    void write(NodeIpMappings plan);

    /** Whether the rules are still those of {@code plan} (another tool may flush nat chains or the whole rule set). */
    boolean inPlace(NodeIpMappings plan);

    /**
     * Removes the rules and everything that leads to them; quiet when there is nothing to remove. Returns what was
     * there, e.g. {@code "nat WEFT-NODE-DNAT"} (empty: nothing was).
     */
    List<String> remove();

    /** What the rules live in, for the log: "the iptables chain WEFT-NODE-DNAT". */
    String where();

    /** The writer for the traffic manager's mode; the other mode's leftovers are removed (as flanneld does its own). */
    static NodeIpDnatWriter forMode(boolean nftables) {
        NodeIpDnatWriter mine = nftables ? new NftablesNodeIpDnat() : new IptablesNodeIpDnat();
        NodeIpDnatWriter other = nftables ? new IptablesNodeIpDnat() : new NftablesNodeIpDnat();
        other.remove();
        return mine;
    }

    /** The iptables chains' writer, for removing them ({@code weft cleanup}, a restart with the flag turned off). */
    static NodeIpDnatWriter iptables() {
        return new IptablesNodeIpDnat();
    }
}
