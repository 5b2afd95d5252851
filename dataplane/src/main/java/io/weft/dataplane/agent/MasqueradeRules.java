package io.weft.dataplane.agent;

import io.weft.fdb.Subnet;

import java.util.ArrayList;
import java.util.List;

/**
 * flannel's iptables rules (reference §4), built as argument lists: {@code FLANNEL-POSTRTG} in nat for
 * {@code -ip-masq}, {@code FLANNEL-FWD} in filter for {@code -iptables-forward-rules}. Same chains, same order,
 * same comments as flanneld, so a host moved from flanneld to weft keeps one set of rules, not two.
 */
public final class MasqueradeRules {
    public static final String MASQ_CHAIN = "FLANNEL-POSTRTG";
    public static final String FORWARD_CHAIN = "FLANNEL-FWD";
    static final String MASQ_COMMENT = "flanneld masq";
    static final String FORWARD_COMMENT = "flanneld forward";
    /** kube-proxy marks packets it will masquerade itself; flannel returns them to avoid double NAT. */
    static final String KUBE_PROXY_MARK = "0x4000/0x4000";

    /** One rule: table, chain, and the match/target arguments after {@code -A chain}. */
    public record Rule(String table, String chain, List<String> spec) {
        public List<String> appendArgs() {
            return args("-A");
        }

        public List<String> checkArgs() {
            return args("-C");
        }

        public List<String> deleteArgs() {
            return args("-D");
        }

        private List<String> args(String op) {
            List<String> a = new ArrayList<>(List.of("-w", "5", "-t", table, op, chain));
            a.addAll(spec);
            return a;
        }
    }

    private MasqueradeRules() {
    }

    /** The jump from POSTROUTING into {@link #MASQ_CHAIN}. */
    public static Rule masqJump() {
        return new Rule("nat", "POSTROUTING", List.of("-m", "comment", "--comment", MASQ_COMMENT, "-j", MASQ_CHAIN));
    }

    /**
     * The rules of {@link #MASQ_CHAIN}, in flannel's order. An IPv6 network gives flannel's ip6tables rules
     * ({@code masqIP6Rules}): the same chain and rules with the IPv6 multicast range; they go to {@code ip6tables}.
     */
    public static List<Rule> masqRules(Subnet network, Subnet podSubnet, boolean randomFully) {
        String net = network.toString();
        String pod = podSubnet.toString();
        List<String> fully = randomFully ? List.of("--random-fully") : List.of();
        List<Rule> rules = new ArrayList<>();
        rules.add(masq(List.of("-m", "mark", "--mark", KUBE_PROXY_MARK), "RETURN", List.of()));
        rules.add(masq(List.of("-s", pod, "-d", net), "RETURN", List.of()));
        rules.add(masq(List.of("-s", net, "-d", pod), "RETURN", List.of()));
        rules.add(masq(List.of("!", "-s", net, "-d", pod), "RETURN", List.of()));
        rules.add(masq(List.of("-s", net, "!", "-d", multicast(network)), "MASQUERADE", fully));
        rules.add(masq(List.of("!", "-s", net, "-d", net), "MASQUERADE", fully));
        return rules;
    }

    /** What flannel leaves unmasqueraded as multicast: {@code 224.0.0.0/4}, or {@code ff00::/8} for IPv6. */
    static String multicast(Subnet network) {
        return network.isIpv6() ? "ff00::/8" : "224.0.0.0/4";
    }

    /** The jump from FORWARD into {@link #FORWARD_CHAIN}. */
    public static Rule forwardJump() {
        return new Rule("filter", "FORWARD", List.of("-m", "comment", "--comment", FORWARD_COMMENT, "-j", FORWARD_CHAIN));
    }

    /** The rules of {@link #FORWARD_CHAIN}; for an IPv6 network the same two rules go to {@code ip6tables}. */
    public static List<Rule> forwardRules(Subnet network) {
        String net = network.toString();
        return List.of(
                new Rule("filter", FORWARD_CHAIN, List.of("-s", net, "-m", "comment", "--comment", FORWARD_COMMENT, "-j", "ACCEPT")),
                new Rule("filter", FORWARD_CHAIN, List.of("-d", net, "-m", "comment", "--comment", FORWARD_COMMENT, "-j", "ACCEPT")));
    }

    private static Rule masq(List<String> match, String target, List<String> targetArgs) {
        List<String> spec = new ArrayList<>(match);
        spec.addAll(List.of("-m", "comment", "--comment", MASQ_COMMENT, "-j", target));
        spec.addAll(targetArgs);
        return new Rule("nat", MASQ_CHAIN, spec);
    }
}
