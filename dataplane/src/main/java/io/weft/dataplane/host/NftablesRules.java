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
    /** flannel's IPv6 table, in the {@code ip6} family: the same chains with {@code ip6} matches. */
    public static final String TABLE_V6 = "flannel-ipv6";
    public static final String FAMILY_V6 = "ip6";
    static final String MULTICAST_V6 = "ff00::/8";
    static final String POSTRTG = "postrtg";
    static final String FORWARD = "forward";
    static final String MULTICAST = "224.0.0.0/4";

    private NftablesRules() {
    }

    /** One of flannel's two tables: the nft family (also the match keyword), the table name, the multicast range. */
    private record Table(String family, String name, String multicast) {
        static Table of(Subnet network) {
            return network.isIpv6() ? V6 : V4;
        }
    }

    private static final Table V4 = new Table(FAMILY, TABLE, MULTICAST);
    private static final Table V6 = new Table(FAMILY_V6, TABLE_V6, MULTICAST_V6);

    /** The table with its comment. */
    static List<String> table() {
        return table(V4);
    }

    /**
     * flannel's IPv6 table with its comment. flanneld's nftables mode creates it at start-up whatever the config
     * says ({@code Init} sets up both tables); the chains are added only when IPv6 is enabled.
     */
    static List<String> tableV6() {
        return table(V6);
    }

    private static List<String> table(Table t) {
        return List.of("add table " + t.family() + " " + t.name() + " { comment \"rules for " + t.name() + "\" ; }");
    }

    /**
     * The masquerade chain and rules for {@code -ip-masq}; {@code fullyRandom} as flanneld decides it. An IPv6
     * network gives the chain of table {@link #TABLE_V6}, as flannel's {@code addMasqRules} does for the IPv6 family.
     */
    static List<String> masquerade(Subnet network, Subnet podSubnet, boolean fullyRandom) {
        Table t = Table.of(network);
        String f = t.family();
        String net = network.toString();
        String pod = podSubnet.toString();
        String masq = fullyRandom ? "masquerade fully-random" : "masquerade";
        List<String> out = new ArrayList<>(chain(t, POSTRTG, "nat", "postrouting", "srcnat",
                "chain to manage traffic masquerading by flannel"));
        out.add(rule(t, POSTRTG, "meta mark 0x4000 return"));
        out.add(rule(t, POSTRTG, f + " saddr " + pod + " " + f + " daddr " + net + " return"));
        out.add(rule(t, POSTRTG, f + " saddr " + net + " " + f + " daddr " + pod + " return"));
        out.add(rule(t, POSTRTG, f + " saddr != " + pod + " " + f + " daddr " + net + " return"));
        out.add(rule(t, POSTRTG, f + " saddr " + net + " " + f + " daddr != " + t.multicast() + " " + masq));
        out.add(rule(t, POSTRTG, f + " saddr != " + net + " " + f + " daddr " + net + " " + masq));
        return out;
    }

    /** The accept chain for {@code -iptables-forward-rules}, in the table of the network's family. */
    static List<String> forward(Subnet network) {
        Table t = Table.of(network);
        List<String> out = new ArrayList<>(chain(t, FORWARD, "filter", "forward", "filter",
                "chain to accept flannel traffic"));
        out.add(rule(t, FORWARD, t.family() + " saddr " + network + " accept"));
        out.add(rule(t, FORWARD, t.family() + " daddr " + network + " accept"));
        return out;
    }

    /** flanneld's probe for {@code fully-random}: a chain it only checks ({@code nft --check}), never creates. */
    static List<String> fullyRandomProbe() {
        List<String> out = new ArrayList<>(table());
        out.addAll(chain(V4, "masqueradeTest", "nat", "postrouting", "srcnat",
                "chain to test if masquerade random fully is supported"));
        out.add(rule(V4, "masqueradeTest", "ip saddr != 127.0.0.1 masquerade fully-random"));
        return out;
    }

    private static List<String> chain(Table t, String name, String type, String hook, String priority, String comment) {
        String c = t.family() + " " + t.name() + " " + name;
        return List.of("add chain " + c + " { type " + type + " hook " + hook + " priority " + priority
                + " ; comment \"" + comment + "\" ; }", "flush chain " + c);
    }

    private static String rule(Table t, String chain, String rule) {
        return "add rule " + t.family() + " " + t.name() + " " + chain + " " + rule;
    }
}
