package io.weft.dataplane.host;

import io.weft.dataplane.os.HostCommand;
import io.weft.fdb.kube.NodeIpMappings;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code --node-ip-dnat} in nftables mode: the same mappings as {@link NodeIpDnatRules}, in a table of weft's own
 * (flannel's {@code flannel-ipv4} stays exactly as flanneld writes it):
 * <pre>
 * table ip weft-node-dnat {
 *     chain output {      type nat hook output priority -100;      ip daddr 10.0.0.3 dnat to 203.0.113.3 ... }
 *     chain postrouting { type nat hook postrouting priority srcnat; ct status dnat ct original ip daddr 10.0.0.3 masquerade ... }
 * }
 * </pre>
 * The output chain takes the API server's connections to a kubelet's InternalIP to its public IP; the masquerade
 * covers a source address chosen for the private route that cannot reach the public one. Each change is one
 * {@code nft -f} transaction that flushes the table and refills it, so the rules are never half written. The
 * output hook takes priority -100 (dstnat) as a number: nft 1.0 refuses the name there.
 */
final class NftablesNodeIpDnat implements NodeIpDnatWriter {
    static final String FAMILY = "ip";
    static final String TABLE = "weft-node-dnat";
    private static final String T = FAMILY + " " + TABLE;

    private String applied;

    /** The whole table for {@code plan} as one {@code nft -f} script. */
    static List<String> script(NodeIpMappings plan) {
        List<String> s = new ArrayList<>(List.of(
                "add table " + T + " { comment \"weft --node-ip-dnat: peer nodes' InternalIPs to their public IPs\" ; }",
                "flush table " + T,
                "add chain " + T + " output { type nat hook output priority -100 ;"
                        + " comment \"connections to a node's InternalIP go to its public IP\" ; }",
                "add chain " + T + " postrouting { type nat hook postrouting priority srcnat ;"
                        + " comment \"from an address that reaches the public IP\" ; }"));
        for (Map.Entry<Inet4Address, Inet4Address> m : plan.mappings().entrySet()) {
            String internal = m.getKey().getHostAddress();
            String comment = " comment \"" + NodeIpDnatRules.COMMENT + " " + plan.nodes().get(m.getKey()) + "\"";
            s.add("add rule " + T + " output ip daddr " + internal + " dnat to " + m.getValue().getHostAddress() + comment);
            s.add("add rule " + T + " postrouting ct status dnat ct original ip daddr " + internal + " masquerade" + comment);
        }
        return s;
    }

    @Override
    public synchronized void write(NodeIpMappings plan) {
        applied = null; // until this write succeeds, the next check rewrites the table
        HostCommand.Result r = Nftables.runScript(script(plan), false);
        if (!r.ok()) {
            throw new IllegalStateException("cannot write the nftables table " + T + ": " + r.stderr().trim()
                    + (r.stderr().contains("could not be run") ? "; install nftables" : ""));
        }
        applied = listing();
    }

    /** As last written: nft lists the table exactly as it did right after the write. */
    @Override
    public synchronized boolean inPlace(NodeIpMappings plan) {
        return applied != null && applied.equals(listing());
    }

    @Override
    public synchronized List<String> remove() {
        boolean was = HostCommand.run(List.of("nft", "delete", "table", FAMILY, TABLE)).ok();
        applied = null;
        return was ? List.of(T) : List.of();
    }

    @Override
    public String where() {
        return "the nftables table " + T;
    }

    /** {@code nft list table ip weft-node-dnat}, or null when it is not there. */
    static String listing() {
        HostCommand.Result r = HostCommand.run(List.of("nft", "list", "table", FAMILY, TABLE));
        return r.ok() ? r.stdout() : null;
    }
}
