package io.weft.dataplane.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * flanneld's command-line conventions, so that an existing flanneld unit file or environment works unchanged:
 * every flag is accepted with one or two dashes (picocli aliases), and is also read from
 * {@code FLANNELD_<FLAG>} (upper case, '-' → '_'). weft's own flags read {@code WEFT_<FLAG>}.
 *
 * <p>A flanneld flag is refused only when its value asks for something weft cannot do (none is left today); at flanneld's default it changes nothing and is accepted, so stock manifests that spell
 * out defaults start unchanged. Silently ignoring a real request would start a node that does something else than
 * its operator asked for.
 */
final class FlanneldFlags {
    /** A flanneld flag weft cannot honour at a non-default value, with why. */
    record Unsupported(boolean bool, String why) {
        /** True when {@code value} is flanneld's default (false, or empty), i.e. asks for nothing. */
        boolean harmless(String value) {
            if (bool) {
                return !Boolean.TRUE.equals(GoBool.parse(value.trim()));
            }
            return value.isEmpty();
        }
    }

    /** None today: {@code -public-ipv6}, the last one, is taken since weft carries IPv6 (issue 17). */
    static final Map<String, Unsupported> UNSUPPORTED = Map.of();

    private FlanneldFlags() {
    }

    /** {@code --etcd-endpoints} → {@code FLANNELD_ETCD_ENDPOINTS}. */
    static String envName(String prefix, String longName) {
        return prefix + longName.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /**
     * Returns the messages for every flanneld flag in {@code args} or {@code env} whose value weft cannot honour
     * (empty if none).
     */
    static List<String> refusals(String[] args, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                break;
            }
            if (!arg.startsWith("-")) {
                continue;
            }
            String name = arg.replaceFirst("^-+", "");
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Unsupported u = UNSUPPORTED.get(name);
            if (u == null) {
                continue;
            }
            if (value == null) {
                // Go's flag package: a bare boolean is true; any other flag takes the next argument.
                value = u.bool() ? "true" : (i + 1 < args.length ? args[i + 1] : "");
            }
            if (!u.harmless(value)) {
                out.add("flanneld flag -" + name + " is not supported by weft: " + u.why() + " (given: -" + name
                        + "=" + value + "); remove it");
            }
        }
        for (Map.Entry<String, Unsupported> e : UNSUPPORTED.entrySet()) {
            String var = envName("FLANNELD_", e.getKey());
            String value = env.get(var);
            if (value != null && !e.getValue().harmless(value)) {
                out.add("environment variable " + var + "=" + value + " (flanneld flag -" + e.getKey()
                        + ") is not supported by weft: " + e.getValue().why() + "; unset it");
            }
        }
        return out;
    }

    /**
     * Supplies option defaults from the environment: {@code FLANNELD_*} for flags that carry flanneld's name,
     * {@code WEFT_*} for weft's own (marked by their description key {@code weft}). A value that does not parse is
     * ignored with one warning naming the variable and the value used instead, as flanneld logs and ignores it
     * ({@code flagutil.SetFlagsFromEnv}).
     */
    static final class EnvironmentDefaults implements CommandLine.IDefaultValueProvider {
        private final Map<String, String> env;
        private final Map<String, String> warnings = new LinkedHashMap<>();

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
            String var = envName(prefix, option.longestName());
            String value = env.get(var);
            if (value == null || value.isEmpty()) {
                return option.defaultValue();
            }
            String problem = problem(option.type(), value);
            if (problem != null) {
                String used = option.defaultValue() == null ? "(none)" : option.defaultValue();
                warnings.putIfAbsent(var, "ignoring " + var + "=" + value + ": " + problem + "; using "
                        + option.shortestName() + " " + used + " instead");
                return option.defaultValue();
            }
            return value;
        }

        /** Why {@code value} cannot be a value of {@code type}, or null if it can. */
        private static String problem(Class<?> type, String value) {
            if (type == boolean.class || type == Boolean.class) {
                return GoBool.parse(value) == null ? "not a boolean (use " + GoBool.ACCEPTED + ")" : null;
            }
            if (type == int.class || type == Integer.class) {
                try {
                    Integer.parseInt(value.trim());
                    return null;
                } catch (NumberFormatException e) {
                    return "not a whole number";
                }
            }
            return null;
        }

        /** The warnings for variables that were ignored, one line each, in the order they were met. */
        List<String> warnings() {
            return List.copyOf(warnings.values());
        }
    }
}
