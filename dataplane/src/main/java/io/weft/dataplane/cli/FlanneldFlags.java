package io.weft.dataplane.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * flanneld's command-line conventions, so that an existing flanneld unit file or environment works unchanged:
 * every flag is accepted with one or two dashes (picocli aliases), and is also read from
 * {@code FLANNELD_<FLAG>} (upper case, '-' → '_'). weft's own flags read {@code WEFT_<FLAG>}.
 *
 * <p>A flanneld flag that weft does not implement is refused with a message that names it, on the command line
 * and in the environment: silently ignoring, say, {@code -kube-subnet-mgr} would start a node that does
 * something else than its operator asked for.
 */
final class FlanneldFlags {
    /** flanneld flags (v0.28) that weft does not implement, with why or what to use instead. */
    static final Map<String, String> UNIMPLEMENTED = Map.ofEntries(
            Map.entry("kube-subnet-mgr", "weft uses the etcd subnet manager only"),
            Map.entry("kube-api-url", "weft uses the etcd subnet manager only"),
            Map.entry("kubeconfig-file", "weft uses the etcd subnet manager only"),
            Map.entry("kube-annotation-prefix", "weft uses the etcd subnet manager only"),
            Map.entry("net-config-path", "weft reads the network config from etcd (<etcd-prefix>/config)"),
            Map.entry("iface-can-reach", "name the interface with -iface or -iface-regex"),
            Map.entry("public-ipv6", "weft's data plane carries IPv4 underlay traffic only"),
            Map.entry("ip-blackhole-route", "not implemented"),
            Map.entry("set-node-network-unavailable", "it applies to the kube subnet manager only"),
            Map.entry("ip-masq-fully-random-disable", "not implemented; weft uses --random-fully when iptables supports it"),
            Map.entry("subnet-lease-renew-margin-v6", "not a weft flag"),
            Map.entry("etcd-srv", "not implemented"));

    /** Values under which an unimplemented boolean or string flag changes nothing, so its variable is harmless. */
    private static final Set<String> HARMLESS_VALUES = Set.of("", "false", "0");

    private FlanneldFlags() {
    }

    /** {@code --etcd-endpoints} → {@code FLANNELD_ETCD_ENDPOINTS}. */
    static String envName(String prefix, String longName) {
        return prefix + longName.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * Returns the messages for every unimplemented flanneld flag in {@code args} or {@code env} (empty if none).
     */
    static List<String> refusals(String[] args, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--")) {
                break;
            }
            if (!arg.startsWith("-")) {
                continue;
            }
            String name = arg.replaceFirst("^-+", "");
            int eq = name.indexOf('=');
            if (eq >= 0) {
                name = name.substring(0, eq);
            }
            String why = UNIMPLEMENTED.get(name);
            if (why != null) {
                out.add("flanneld flag -" + name + " is not supported by weft: " + why + "; remove it");
            }
        }
        for (Map.Entry<String, String> e : UNIMPLEMENTED.entrySet()) {
            String var = envName("FLANNELD_", e.getKey());
            String value = env.get(var);
            if (value != null && !HARMLESS_VALUES.contains(value.trim().toLowerCase(Locale.ROOT))) {
                out.add("environment variable " + var + " (flanneld flag -" + e.getKey() + ") is not supported by weft: "
                        + e.getValue() + "; unset it");
            }
        }
        return out;
    }

    /**
     * Supplies option defaults from the environment: {@code FLANNELD_*} for flags that carry flanneld's name,
     * {@code WEFT_*} for weft's own (marked by their description key {@code weft}).
     */
    static final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
        private final Map<String, String> env;

        EnvironmentDefaults(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public String defaultValue(ArgSpec argSpec) {
            if (!(argSpec instanceof OptionSpec)) {
                return null;
            }
            OptionSpec option = (OptionSpec) argSpec;
            String prefix = "weft".equals(option.descriptionKey()) ? "WEFT_" : "FLANNELD_";
            String value = env.get(envName(prefix, option.longestName()));
            if (value == null || value.isEmpty()) {
                return option.defaultValue();
            }
            return value;
        }
    }
}
