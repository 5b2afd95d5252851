package io.weft.dataplane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.dataplane.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Commands that read a running agent through its control socket. Each prints what the matching Linux tool
 * prints for {@code flannel.1}, or the agent's JSON with {@code --json}.
 */
final class ShowCommands {
    private ShowCommands() {
    }

    abstract static class Base implements Callable<Integer> {
        @Option(names = {"--run-dir", "-run-dir"}, descriptionKey = "weft", defaultValue = "/run/weft",
                description = "the agent's run dir (default: ${DEFAULT-VALUE})")
        Path runDir;

        @Option(names = "--json", description = "print the agent's JSON")
        boolean json;

        abstract String command();

        abstract void render(JsonNode reply, StringBuilder out);

        @Override
        public Integer call() throws Exception {
            ControlClient client = new ControlClient(runDir);
            JsonNode reply;
            try {
                reply = client.call(client.request(command()));
            } catch (ControlClient.ControlException e) {
                System.err.println("weft: " + e.getMessage());
                return 1;
            }
            if (json) {
                System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(reply));
            } else {
                StringBuilder out = new StringBuilder();
                render(reply, out);
                System.out.print(out);
            }
            return 0;
        }
    }

    /** A verb-taking command: {@code weft fdb show}; "show" is the only verb, and the default. */
    abstract static class ShowVerb extends Base {
        @Parameters(arity = "0..1", paramLabel = "show", description = "show (the default)")
        String verb;

        @Override
        public Integer call() throws Exception {
            if (verb != null && !verb.equals("show")) {
                System.err.println("weft: unknown verb \"" + verb + "\"; only 'show' exists");
                return 2;
            }
            return super.call();
        }
    }

    @Command(name = "fdb", description = "The forwarding database, like 'bridge fdb show dev flannel.1'.")
    static final class Fdb extends ShowVerb {
        @Override
        String command() {
            return "fdb";
        }

        @Override
        void render(JsonNode r, StringBuilder out) {
            for (JsonNode e : r.path("entries")) {
                out.append(e.path("mac").asText()).append(" dev ").append(r.path("device").asText())
                        .append(" dst ").append(e.path("dst").asText())
                        .append(" port ").append(e.path("port").asInt())
                        .append(" self ").append(e.path("state").asText("permanent")).append('\n');
            }
        }
    }

    @Command(name = "neigh", description = "The neighbour table, like 'ip neigh show dev flannel.1'.")
    static final class Neigh extends ShowVerb {
        @Override
        String command() {
            return "neigh";
        }

        @Override
        void render(JsonNode r, StringBuilder out) {
            for (JsonNode e : r.path("entries")) {
                out.append(e.path("address").asText()).append(" dev ").append(r.path("device").asText())
                        .append(" lladdr ").append(e.path("lladdr").asText())
                        .append(' ').append(e.path("state").asText("PERMANENT")).append('\n');
            }
        }
    }

    @Command(name = "routes", description = "The kernel route through the TUN, weft's per-peer routes, and the"
            + " direct kernel routes of DirectRouting.")
    static final class Routes extends Base {
        @Override
        String command() {
            return "routes";
        }

        @Override
        void render(JsonNode r, StringBuilder out) {
            for (JsonNode e : r.path("routes")) {
                out.append(e.path("dst").asText());
                if (e.hasNonNull("via")) {
                    out.append(" via ").append(e.path("via").asText());
                }
                out.append(" dev ").append(e.hasNonNull("dev") ? e.path("dev").asText() : r.path("device").asText());
                if (e.hasNonNull("src")) {
                    out.append(" src ").append(e.path("src").asText());
                }
                if (e.hasNonNull("peer")) {
                    out.append(" onlink peer ").append(e.path("peer").asText());
                }
                if (e.hasNonNull("mtu")) {
                    out.append(" mtu ").append(e.path("mtu").asText());
                }
                out.append("  (").append(e.path("kind").asText()).append(")\n");
            }
            JsonNode dnat = r.path("nodeIpDnat");
            for (JsonNode m : dnat.path("mappings")) {
                out.append(m.path("internalIp").asText()).append(" -> ").append(m.path("publicIp").asText())
                        .append("  (node-ip-dnat, node ").append(m.path("node").asText()).append(")\n");
            }
            for (JsonNode c : dnat.path("conflicts")) {
                out.append("not mapped: ").append(c.asText()).append('\n');
            }
        }
    }

    @Command(name = "peers", description = "Per-peer counters and when a packet was last seen.")
    static final class Peers extends Base {
        @Override
        String command() {
            return "peers";
        }

        @Override
        void render(JsonNode r, StringBuilder out) {
            String fmt = "%-18s %-16s %-7s %-21s %-17s %-11s %8s %5s %10s %12s %10s %12s  %s%n";
            out.append(String.format(fmt, "SUBNET", "PUBLIC-IP", "PATH", "ENDPOINT", "VTEP-MAC", "REACH", "RTT", "LOSS",
                    "TX-PKTS", "TX-BYTES", "RX-PKTS", "RX-BYTES", "LAST-RX"));
            for (JsonNode p : r.path("peers")) {
                JsonNode ago = p.path("lastRxAgoSeconds");
                JsonNode rtt = p.path("rttMs");
                JsonNode loss = p.path("probeLossPercent");
                out.append(String.format(fmt, p.path("subnet").asText(), p.path("publicIp").asText(),
                        p.path("path").asText("-"), p.path("endpoint").asText("-"), p.path("vtepMac").asText(), p.path("reachability").asText("unknown"),
                        rtt.isNumber() ? String.format("%.1fms", rtt.asDouble()) : "-",
                        loss.isNumber() ? loss.asInt() + "%" : "-",
                        p.path("txPackets").asLong(), p.path("txBytes").asLong(),
                        p.path("rxPackets").asLong(), p.path("rxBytes").asLong(),
                        ago.isMissingNode() || ago.isNull() ? "never" : ago.asLong() + "s ago"));
                if (p.hasNonNull("ipv6Subnet")) {
                    // a dual-stack or IPv6-only peer: its IPv6 VTEP, as flannel-v6.<VNI> knows it
                    JsonNode rtt6 = p.path("ipv6RttMs");
                    out.append(String.format("  %-16s %-40s %-17s %-11s %8s  %s%n", p.path("ipv6Subnet").asText(),
                            p.path("publicIpv6").asText("-"), p.path("v6VtepMac").asText("-"),
                            p.path("ipv6Reachability").asText("unknown"),
                            rtt6.isNumber() ? String.format("%.1fms", rtt6.asDouble()) : "-",
                            p.hasNonNull("ipv6Unusable") ? "not routed: " + p.path("ipv6Unusable").asText() : "routed"));
                }
            }
        }
    }

    @Command(name = "stats", description = "Packet counters and drops by reason.")
    static final class Stats extends Base {
        @Override
        String command() {
            return "stats";
        }

        @Override
        void render(JsonNode r, StringBuilder out) {
            renderObject(r, "", out);
        }

        private static void renderObject(JsonNode node, String indent, StringBuilder out) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isObject()) {
                    out.append(indent).append(e.getKey()).append(":\n");
                    renderObject(e.getValue(), indent + "  ", out);
                } else {
                    out.append(String.format("%s%-24s %s%n", indent, e.getKey(), e.getValue().asText()));
                }
            }
        }
    }
}
