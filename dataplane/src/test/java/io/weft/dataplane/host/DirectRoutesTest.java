package io.weft.dataplane.host;

import io.weft.fdb.Subnet;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** DirectRouting's decisions and the ip commands they make, over a fake host that keeps a routing table. */
class DirectRoutesTest {
    /** A host whose underlay reaches 10.98.0.0/24 directly on eth0 and everything else via 10.98.0.254. */
    static final class FakeHost implements DirectRoutes.Ip {
        final Map<String, String> ours = new TreeMap<>();
        final List<List<String>> batches = new ArrayList<>();
        boolean refuseRoutes;

        @Override
        public String batch(List<String> lines) {
            batches.add(lines);
            StringBuilder out = new StringBuilder();
            for (String l : lines) {
                String[] f = l.split(" ");
                if (l.startsWith("route get ")) {
                    String a = f[2];
                    if (a.equals("10.98.0.1")) {
                        out.append("local 10.98.0.1 dev lo src 10.98.0.1 uid 0 \\    cache <local> \n");
                    } else if (a.startsWith("10.98.0.")) {
                        out.append(a).append(" dev eth0 src 10.98.0.1 uid 0 \\    cache \n");
                    } else if (a.startsWith("10.244.")) {
                        out.append(a).append(" dev weft.1 src 10.244.1.0 uid 0 \\    cache \n");
                    } else {
                        out.append(a).append(" via 10.98.0.254 dev eth0 src 10.98.0.1 uid 0 \\    cache \n");
                    }
                } else if (l.startsWith("route replace ") && !refuseRoutes) {
                    ours.put(f[2], f[2] + " via " + f[4] + " dev " + f[6] + " ");
                } else if (l.startsWith("route del ")) {
                    ours.remove(f[2]);
                }
            }
            return out.toString();
        }

        @Override
        public String listOurs() {
            return String.join("\n", ours.values());
        }
    }

    private static DirectRoutes.Peer peer(String subnet, String ip) {
        return new DirectRoutes.Peer(Subnet.parse(subnet), (Inet4Address) Subnet.parseAddress(ip));
    }

    @Test
    void onlyPeersOnTheSegmentGetARouteViaTheirPublicIp() {
        FakeHost host = new FakeHost();
        DirectRoutes routes = new DirectRoutes(host, "weft.1");
        assertThat(routes.follow(List.of(peer("10.244.2.0/24", "10.98.0.2"), peer("10.244.3.0/24", "10.97.0.2"),
                peer("10.244.4.0/24", "10.98.0.1"), peer("10.244.5.0/24", "10.244.9.9")))).isTrue();
        assertThat(host.ours.values()).containsExactly("10.244.2.0/24 via 10.98.0.2 dev eth0 ");
        assertThat(host.batches.get(1)).containsExactly("route replace 10.244.2.0/24 via 10.98.0.2 dev eth0 proto 87");
        assertThat(routes.current()).containsOnlyKeys(Subnet.parse("10.244.2.0/24"));
    }

    @Test
    void routesFollowLeaseChangesAndRemovalsAndAreAskedOncePerAddress() {
        FakeHost host = new FakeHost();
        DirectRoutes routes = new DirectRoutes(host, "weft.1");
        routes.follow(List.of(peer("10.244.2.0/24", "10.98.0.2"), peer("10.244.3.0/24", "10.98.0.3")));
        int batches = host.batches.size();
        routes.follow(List.of(peer("10.244.2.0/24", "10.98.0.2"), peer("10.244.3.0/24", "10.98.0.3")));
        assertThat(host.batches).as("nothing changed: no ip run").hasSize(batches);
        // 10.244.3.0/24 moved to another host behind the router; 10.244.2.0/24 went away; a new one came
        routes.follow(List.of(peer("10.244.3.0/24", "10.97.0.3"), peer("10.244.6.0/24", "10.98.0.6")));
        assertThat(host.ours.values()).containsExactly("10.244.6.0/24 via 10.98.0.6 dev eth0 ");
        assertThat(host.batches.get(host.batches.size() - 2)).containsExactly("route get 10.97.0.3", "route get 10.98.0.6");
        assertThat(host.batches.get(host.batches.size() - 1)).containsExactlyInAnyOrder(
                "route del 10.244.2.0/24 via 10.98.0.2 dev eth0 proto 87",
                "route del 10.244.3.0/24 via 10.98.0.3 dev eth0 proto 87",
                "route replace 10.244.6.0/24 via 10.98.0.6 dev eth0 proto 87");
    }

    @Test
    void anEarlierRunsRoutesAreAdoptedAndStaleOnesRemoved() {
        FakeHost host = new FakeHost();
        host.ours.put("10.244.2.0/24", "10.244.2.0/24 via 10.98.0.2 dev eth0 ");
        host.ours.put("10.244.9.0/24", "10.244.9.0/24 via 10.98.0.9 dev eth0 ");
        DirectRoutes routes = new DirectRoutes(host, "weft.1");
        assertThat(routes.current()).hasSize(2);
        routes.follow(List.of(peer("10.244.2.0/24", "10.98.0.2")));
        assertThat(host.batches.get(1)).containsExactly("route del 10.244.9.0/24 via 10.98.0.9 dev eth0 proto 87");
        assertThat(host.ours).containsOnlyKeys("10.244.2.0/24");
    }

    @Test
    void aRouteTheKernelRefusedIsReportedAndTriedAgain() {
        FakeHost host = new FakeHost();
        host.refuseRoutes = true;
        DirectRoutes routes = new DirectRoutes(host, "weft.1");
        assertThat(routes.follow(List.of(peer("10.244.2.0/24", "10.98.0.2")))).isFalse();
        assertThat(routes.current()).isEmpty();
        host.refuseRoutes = false;
        assertThat(routes.follow(List.of(peer("10.244.2.0/24", "10.98.0.2")))).isTrue();
        assertThat(routes.current()).containsOnlyKeys(Subnet.parse("10.244.2.0/24"));
    }

    @Test
    void removeAllTakesEveryRouteOfOurs() {
        FakeHost host = new FakeHost();
        host.ours.put("10.244.2.0/24", "10.244.2.0/24 via 10.98.0.2 dev eth0 ");
        host.ours.put("10.244.3.0/24", "10.244.3.0/24 via 10.98.0.3 dev eth1 ");
        assertThat(DirectRoutes.removeAll(host)).extracting(DirectRoutes.Route::toString)
                .containsExactly("10.244.2.0/24 via 10.98.0.2 dev eth0", "10.244.3.0/24 via 10.98.0.3 dev eth1");
        assertThat(host.ours).isEmpty();
        assertThat(DirectRoutes.removeAll(host)).isEmpty();
    }

    @Test
    void routeGetAnswersAreReadAsFlanneldReadsThem() {
        String text = String.join("\n",
                "10.98.0.2 dev eth0 src 10.98.0.1 uid 0 \\    cache ",
                "10.97.0.2 via 10.98.0.254 dev eth0 src 10.98.0.1 uid 0 \\    cache ",
                "local 10.98.0.1 dev lo src 10.98.0.1 uid 0 \\    cache <local> ",
                "broadcast 10.98.0.255 dev eth0 src 10.98.0.1 uid 0 \\    cache <local,brd> ",
                "10.244.3.3 dev weft.1 src 10.244.1.0 uid 0 \\    cache ");
        Map<Inet4Address, java.util.Optional<String>> got = DirectRoutes.parseRouteGet(text, "weft.1");
        assertThat(got).hasSize(3);
        assertThat(got.get((Inet4Address) Subnet.parseAddress("10.98.0.2"))).contains("eth0");
        assertThat(got.get((Inet4Address) Subnet.parseAddress("10.97.0.2"))).isEmpty();
        assertThat(got.get((Inet4Address) Subnet.parseAddress("10.244.3.3"))).isEmpty();
    }
}
