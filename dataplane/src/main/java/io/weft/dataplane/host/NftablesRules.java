package io.weft.dataplane.host;

import io.weft.fdb.Subnet;

import java.util.ArrayList;
import java.util.List;

/**
 * flannel's nftables rule set ({@code pkg/trafficmngr/nftables}, used when the network config sets
 * {@code EnableNFTables}) as an {@code nft -f} script: table {@code flannel-ipv4} with the chain {@code postrtg}
 * (nat, postrouting, srcnat) for {@code -ip-masq} and {@code forward} (filter, forward, filter) for
 * {@code -iptables-forward-rules}, with flannel's table and chain comments, its rule order and its matches. Each chain
 * is added and flushed and then filled in one transaction, so applying the script again replaces the rules atomically.
 *
 * <p>Two matches differ from the iptables mode, and are kept because a host moved from flanneld must end up with the
 * same rule set: the kube-proxy mark is matched as the whole value {@code meta mark 0x4000} (iptables masks it with
 * {@code 0x4000/0x4000}), and the fourth masquerade rule returns traffic not from this node's pods to the cluster
 * network ({@code ip saddr != <pod subnet> ip daddr <Network>}, where iptables has {@code ! -s <Network> -d <pod subnet>}).
 */
public final class NftablesRules {
    public static final String FAMILY = "ip";
    public static final String TABLE = "flannel-ipv4";
    /** flannel's IPv6 table, deleted with the IPv4 one (weft does not create it until IPv6 lands). */
    public static final String TABLE_V6 = "flannel-ipv6";
    static final String POSTRTG = "postrtg";
    static final String FORWARD = "forward";
    static final String MULTICAST = "224.0.0.0/4";

    private NftablesRules() {
    }

    /** The table with its comment. */
    static List<String> table() {
        return List.of("add table " + FAMILY + " " + TABLE + " { comment \"rules for " + TABLE + "\" ; }");
    }

    /** The masquerade chain and rules for {@code -ip-masq}; {@code fullyRandom} as flanneld decides it. */
    static List<String> masquerade(Subnet network, Subnet podSubnet, boolean fullyRandom) {
        String net = network.toString();
        String pod = podSubnet.toString();
        String masq = fullyRandom ? "masquerade fully-random" : "masquerade";
        List<String> out = new ArrayList<>(chain(POSTRTG, "nat", "postrouting", "srcnat",
                "chain to manage traffic masquerading by flannel"));
        out.add(rule(POSTRTG, "meta mark 0x4000 return"));
        out.add(rule(POSTRTG, "ip saddr " + pod + " ip daddr " + net + " return"));
        out.add(rule(POSTRTG, "ip saddr " + net + " ip daddr " + pod + " return"));
        out.add(rule(POSTRTG, "ip saddr != " + pod + " ip daddr " + net + " return"));
        out.add(rule(POSTRTG, "ip saddr " + net + " ip daddr != " + MULTICAST + " " + masq));
        out.add(rule(POSTRTG, "ip saddr != " + net + " ip daddr " + net + " " + masq));
        return out;
    }

    /** The accept chain for {@code -iptables-forward-rules}. */
    static List<String> forward(Subnet network) {
        List<String> out = new ArrayList<>(chain(FORWARD, "filter", "forward", "filter", "chain to accept flannel traffic"));
        out.add(rule(FORWARD, "ip saddr " + network + " accept"));
        out.add(rule(FORWARD, "ip daddr " + network + " accept"));
        return out;
    }

    /** flanneld's probe for {@code fully-random}: a chain it only checks ({@code nft --check}), never creates. */
    static List<String> fullyRandomProbe() {
        List<String> out = new ArrayList<>(table());
        out.addAll(chain("masqueradeTest", "nat", "postrouting", "srcnat",
                "chain to test if masquerade random fully is supported"));
        out.add(rule("masqueradeTest", "ip saddr != 127.0.0.1 masquerade fully-random"));
        return out;
    }

    private static List<String> chain(String name, String type, String hook, String priority, String comment) {
        String c = FAMILY + " " + TABLE + " " + name;
        return List.of("add chain " + c + " { type " + type + " hook " + hook + " priority " + priority
                + " ; comment \"" + comment + "\" ; }", "flush chain " + c);
    }

    private static String rule(String chain, String rule) {
        return "add rule " + FAMILY + " " + TABLE + " " + chain + " " + rule;
    }
}
