package io.weft.dataplane.doctor;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The live reachability test, read from the running agent's answer to a {@code probe} request: an ICMP echo through
 * the tunnel to every peer's VTEP, with a wait for the reply (what people do with {@code nc -u} and tcpdump, built in).
 */
public final class PeerChecks {
    private PeerChecks() {
    }

    public static List<Finding> fromProbeReply(JsonNode reply) {
        List<Finding> out = new ArrayList<>();
        JsonNode peers = reply.path("peers");
        if (peers.isEmpty()) {
            out.add(Finding.info("peers", "no peers in the table yet: nothing to probe"));
            return out;
        }
        String ourPublicIp = reply.path("publicIp").asText("?");
        boolean someOnTcp = false;
        for (JsonNode p : peers) {
            someOnTcp |= p.path("answered").asBoolean() && p.path("path").asText().equals("tcp");
        }
        for (JsonNode p : peers) {
            String at = p.path("ipv6").asBoolean() ? "[" + p.path("publicIp").asText() + "]" : p.path("publicIp").asText();
            String who = "peer " + p.path("subnet").asText() + " at " + at + ":" + p.path("port").asInt();
            int port = p.path("port").asInt();
            if (p.path("answered").asBoolean() && p.path("path").asText().equals("tcp")) {
                out.add(Finding.warn("peer", who + " answers through the tunnel only over TCP (" + p.path("endpoint").asText()
                                + ", RTT " + String.format("%.1f", p.path("rttMs").asDouble()) + " ms): "
                                + p.path("why").asText("UDP " + port + " gets no answer; TCP works"),
                        "traffic to this peer flows, but over TCP (slower, and head-of-line blocking under loss): allow UDP "
                                + port + " from " + ourPublicIp + " to " + p.path("publicIp").asText() + " and back, and"
                                + " weft returns to UDP by itself"));
            } else if (p.path("answered").asBoolean()) {
                String path = p.path("path").asText("public");
                out.add(Finding.ok("peer", who + " answers through the tunnel (VTEP " + p.path("vtep").asText() + ", RTT "
                        + String.format("%.1f", p.path("rttMs").asDouble()) + " ms"
                        + (path.equals("public") ? "" : ", over the " + path + " path " + p.path("endpoint").asText()) + ")"));
            } else {
                String tcpHint = someOnTcp && !p.path("weft").asBoolean(true)
                        ? "weft peers reach this host only over their TCP fallback, so UDP " + port + " is dropped on the"
                        + " way, and this peer (flanneld, no TCP fallback) cannot reach it at all; "
                        : "";
                if (p.path("ipv6").asBoolean()) {
                    String ours = reply.path("publicIpv6").asText("our PublicIPv6");
                    out.add(Finding.fail("peer", who + ": no answer over IPv6 from its IPv6 VTEP " + p.path("vtep").asText()
                                    + " within " + reply.path("waitMillis").asLong() + " ms",
                            "the likely causes, in order: UDP " + port + " over IPv6 dropped by a security group, firewall"
                                    + " (ip6tables) or the provider (allow UDP " + port + " from " + ours + " to "
                                    + p.path("publicIp").asText() + " and back); a wrong PublicIPv6 (" + p.path("publicIp").asText()
                                    + " must be where this host reaches the peer: -public-ipv6 on the peer); no IPv6 route"
                                    + " between the hosts (IPv4 may work while IPv6 does not); or the peer is down. Run"
                                    + " 'weft doctor' on the peer too"));
                    continue;
                }
                out.add(Finding.fail("peer", who + ": no answer from its VTEP " + p.path("vtep").asText() + " within "
                                + reply.path("waitMillis").asLong() + " ms",
                        tcpHint + "the likely causes, in order: UDP " + port + " dropped by a security group, firewall or the provider"
                                + " (allow UDP " + port + " from " + ourPublicIp + " to " + p.path("publicIp").asText()
                                + " and back); a wrong PublicIP (" + p.path("publicIp").asText() + " must be where this host"
                                + " reaches the peer: -public-ip / --public-ip-from on the peer); a NAT in front of the peer"
                                + " without a mapping for UDP " + port + " (1:1 NAT or a port forward to its private address);"
                                + " or the peer is down. Run 'weft doctor' on the peer too"));
            }
        }
        return out;
    }
}
