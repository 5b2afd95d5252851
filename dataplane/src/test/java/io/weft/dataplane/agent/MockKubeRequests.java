package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.util.ArrayList;
import java.util.List;

/** What the kube-mode ITs ask of the mock API server (which listens in the lab's switch namespace) and the nodes they create. */
final class MockKubeRequests {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MockKubeRequests() {
    }

    /** An API request with curl from {@code sw}; returns the body, fails on an HTTP error. */
    static String request(Netns sw, String apiUrl, String method, String path, String contentType, String body) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail-with-body", "-X", method, apiUrl + path));
        if (body != null) {
            cmd.addAll(List.of("-H", "Content-Type: " + contentType, "--data-binary", body));
        }
        return Cmd.run(20, sw.wrap(cmd)).requireOk().output();
    }

    /**
     * A node as the controller-manager and kubelet leave it: {@code spec.podCIDR} (the first CIDR) and
     * {@code spec.podCIDRs} (all of them: one, or an IPv4 and an IPv6 one on a dual-stack cluster), an InternalIP and
     * the Ready condition.
     */
    static ObjectNode node(String name, String internalIp, String... podCidrs) {
        ObjectNode n = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Node");
        n.putObject("metadata").put("name", name);
        ObjectNode spec = n.putObject("spec").put("podCIDR", podCidrs[0]);
        ArrayNode all = spec.putArray("podCIDRs");
        for (String c : podCidrs) {
            all.add(c);
        }
        ObjectNode status = n.putObject("status");
        status.putArray("addresses").addObject().put("type", "InternalIP").put("address", internalIp);
        status.putArray("conditions").addObject().put("type", "Ready").put("status", "True");
        return n;
    }
}
