package io.weft.dataplane.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.dataplane.os.HostCommand;
import io.weft.fdb.Subnet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a stopped flanneld leaves in the kernel, and its removal for {@code --replace-flannel}: the {@code flannel.<VNI>}
 * vxlan device, which holds the VXLAN port and whose per-peer {@code /24} routes would win over weft's one Network
 * route (deleting the device takes its neighbour entries, FDB entries and routes with it), and flanneld's
 * DirectRouting routes ({@code <subnet> via <PublicIP>} on the underlay, no protocol of weft's). flanneld's iptables
 * rules are not touched: weft installs the same chains with the same rules and keeps those it finds.
 */
public final class FlannelLeftovers {
    private static final Logger log = LoggerFactory.getLogger(FlannelLeftovers.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FLANNEL_DEVICE = Pattern.compile("flannel\\.\\d+");

    private FlannelLeftovers() {
    }

    /** A kernel vxlan device of flanneld's. */
    public record Device(String name, int vni, int port, String local) {
        @Override
        public String toString() {
            return name + " (VNI " + vni + ", local " + local + ", port " + port + ")";
        }
    }

    /** One route flanneld's DirectRouting installed: a subnet inside the Network via a gateway. */
    public record DirectRoute(String dst, String gateway, String device) {
        @Override
        public String toString() {
            return dst + " via " + gateway + (device.isEmpty() ? "" : " dev " + device);
        }
    }

    /**
     * flanneld's devices in {@code ip -d -j link show type vxlan} output: those named {@code flannel.<N>} for our VNI
     * or holding our port (another VNI's device on our port would still keep weft from binding it).
     */
    public static List<Device> devices(String linkJson, int vni, int port) {
        List<Device> out = new ArrayList<>();
        for (JsonNode link : readArray(linkJson)) {
            String name = link.path("ifname").asText();
            JsonNode data = link.path("linkinfo").path("info_data");
            int id = data.path("id").asInt(-1);
            int dstport = data.path("port").asInt(8472);
            if (FLANNEL_DEVICE.matcher(name).matches() && (id == vni || dstport == port)) {
                out.add(new Device(name, id, dstport, data.path("local").asText("?")));
            }
        }
        return out;
    }

    /**
     * Routes in {@code ip -j -4 route show table main} output that flanneld's DirectRouting would have made: a
     * destination strictly inside {@code network}, through a gateway, not on weft's TUN and not weft's own
     * ({@code proto 87}).
     */
    public static List<DirectRoute> directRoutes(String routeJson, Subnet network, String tunDevice) {
        List<DirectRoute> out = new ArrayList<>();
        for (JsonNode r : readArray(routeJson)) {
            String dst = r.path("dst").asText();
            String gw = r.path("gateway").asText("");
            String dev = r.path("dev").asText("");
            String proto = r.path("protocol").asText("");
            if (gw.isEmpty() || dev.equals(tunDevice) || proto.equals(Integer.toString(DirectRoutes.PROTOCOL))
                    || !dst.contains("/")) {
                continue;
            }
            Subnet s;
            try {
                s = Subnet.parse(dst);
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!s.isIpv6() && network.contains(s) && s.prefixLength() > network.prefixLength()) {
                out.add(new DirectRoute(dst, gw, dev));
            }
        }
        return out;
    }

    /**
     * Removes flanneld's devices for {@code vni}/{@code port} and its direct routes inside {@code network}; returns one
     * line per thing removed (empty when flanneld left nothing).
     *
     * @throws IllegalStateException naming the device when it cannot be deleted
     */
    public static List<String> remove(int vni, int port, Subnet network, String tunDevice) {
        List<String> done = new ArrayList<>();
        for (Device d : devices(ip("-d", "-j", "link", "show", "type", "vxlan"), vni, port)) {
            int neigh = lines(ip("-4", "neigh", "show", "dev", d.name()));
            int fdb = lines(run(List.of("bridge", "fdb", "show", "dev", d.name())));
            int routes = lines(ip("-4", "route", "show", "dev", d.name()));
            HostCommand.Result r = HostCommand.run(List.of("ip", "link", "delete", d.name()));
            if (!r.ok()) {
                throw new IllegalStateException("--replace-flannel: cannot delete flanneld's " + d.name() + ": "
                        + r.stderr().trim());
            }
            done.add("flanneld's device " + d + " with its " + neigh + " neighbour entr" + (neigh == 1 ? "y" : "ies")
                    + ", " + fdb + " FDB entr" + (fdb == 1 ? "y" : "ies") + " and " + routes + " route(s)");
        }
        for (DirectRoute r : directRoutes(ip("-j", "-4", "route", "show", "table", "main"), network, tunDevice)) {
            if (HostCommand.run(List.of("ip", "route", "del", r.dst(), "via", r.gateway())).ok()) {
                done.add("flanneld's direct route " + r);
            } else {
                log.warn("--replace-flannel: could not delete the route {}", r);
            }
        }
        return done;
    }

    private static List<JsonNode> readArray(String json) {
        List<JsonNode> out = new ArrayList<>();
        try {
            JSON.readTree(json == null || json.isBlank() ? "[]" : json).forEach(out::add);
        } catch (IOException e) {
            log.warn("cannot read ip's JSON output: {}", e.getMessage());
        }
        return out;
    }

    private static int lines(String text) {
        return (int) text.lines().filter(l -> !l.isBlank()).count();
    }

    private static String ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static String run(List<String> cmd) {
        HostCommand.Result r = HostCommand.run(cmd);
        return r.ok() ? r.stdout() : "";
    }
}
