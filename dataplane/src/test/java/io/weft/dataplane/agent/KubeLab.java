package io.weft.dataplane.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.labkit.SystemTests;
import io.weft.labkit.kube.MockKubeApiServerProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An {@link AgentLab} with fabric8's mock API server (CRUD mode) on the switch at {@code 10.98.0.254:6443}, for the
 * kube-mode cluster tests: nodes are created as the controller-manager leaves them ({@link MockKubeRequests#node}),
 * weft runs with {@code -kube-subnet-mgr} and a net-conf.json, a kernel node with scripts/lab/mini-flanneld-kube.
 */
final class KubeLab implements AutoCloseable {
    static final String API = "http://" + AgentLab.ETCD_IP + ":6443";
    /** flannel's annotation prefix. */
    static final String P = "flannel.alpha.coreos.com/";
    private static final ObjectMapper JSON = new ObjectMapper();

    final AgentLab lab;
    final Path netConf;
    private final MockKubeApiServerProcess api;

    /** The lab with namespace prefix {@code prefix}, the API server, and {@code netConf} as net-conf.json. */
    KubeLab(String prefix, String netConfJson) throws IOException, InterruptedException {
        lab = new AgentLab(prefix);
        try {
            SystemTests.requireBinary("curl", "curl");
            netConf = lab.dir.resolve("net-conf.json");
            Files.writeString(netConf, netConfJson);
            api = MockKubeApiServerProcess.start(lab.sw.wrap(List.of()), AgentLab.ETCD_IP, 6443);
        } catch (IOException | InterruptedException | RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** An API request from the switch namespace (where the API server listens); returns the body. */
    String kube(String method, String path, String contentType, String body) {
        return MockKubeRequests.request(lab.sw, API, method, path, contentType, body);
    }

    void createNode(ObjectNode node) {
        kube("POST", "/api/v1/nodes", "application/json", node.toString());
    }

    JsonNode annotations(String node) throws IOException {
        return JSON.readTree(kube("GET", "/api/v1/nodes/" + node, null, null)).at("/metadata/annotations");
    }

    /** {@code weft run -kube-subnet-mgr} as node {@code node} in its host, with files under the host's directory. */
    AgentProcess startWeft(String node, String... extra) throws IOException {
        Path d = lab.hostDir(node);
        List<String> args = new ArrayList<>(List.of("run", "-kube-subnet-mgr", "-kube-api-url", API, "-net-config-path",
                netConf.toString(), "-subnet-file", d.resolve("subnet.env").toString(), "--run-dir",
                d.resolve("run").toString(), "--workers", "1"));
        args.addAll(List.of(extra));
        AgentProcess p = AgentProcess.start(lab.host(node), d.resolve("weft.log"), Map.of("NODE_NAME", node), List.of(),
                args.toArray(new String[0]));
        lab.track(p.process);
        return p;
    }

    /** scripts/lab/mini-flanneld-kube (flanneld's kube mode with kernel devices) as node {@code node} on eth0. */
    void startMiniFlanneldKube(String node) throws IOException {
        Path d = lab.hostDir(node);
        lab.track(new ProcessBuilder(lab.host(node).wrap(List.of(AgentLab.MINI_FLANNELD_KUBE.toString(), "--api", API,
                "--node", node, "--iface", "eth0", "--net-conf", netConf.toString(),
                "--subnet-file", d.resolve("subnet.env").toString())))
                .redirectErrorStream(true).redirectOutput(d.resolve("mini-flanneld-kube.log").toFile()).start());
    }

    @Override
    public void close() {
        lab.close();
        api.close();
    }
}
