package io.weft.labkit.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The API server of the Kubernetes tests: fabric8's mock in CRUD mode (it keeps objects and serves list, watch, get,
 * create, update, delete and JSON/merge patches), with two things a real API server has and the mock lacks:
 * <ul>
 *   <li>strategic-merge patches (what flanneld and weft send), for the node fields they touch: maps merge, the
 *       {@code conditions} and {@code addresses} lists merge by {@code type}, other lists are replaced; a patch of
 *       {@code nodes/<name>/status} takes metadata and status, as the node status strategy does;</li>
 *   <li>RBAC refusals on demand ({@link #forbid}), answered 403 with the API server's own wording.</li>
 * </ul>
 * It runs in the test's JVM ({@link #start}) or as its own process ({@link #main}) on a lab address, so that agents
 * in network namespaces can reach it. Plain HTTP, no authentication.
 */
public final class MockKubeApiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Dispatcher dispatcher = new Dispatcher();
    private final InetAddress address;
    private volatile int port;
    private volatile KubernetesMockServer server;

    private MockKubeApiServer(InetAddress address, int port) {
        this.address = address;
        this.port = port;
    }

    /** Starts on {@code address:port} (0: any free port). */
    public static MockKubeApiServer start(InetAddress address, int port) {
        MockKubeApiServer s = new MockKubeApiServer(address, port);
        s.up();
        return s;
    }

    public static MockKubeApiServer startOnLoopback() {
        return start(InetAddress.getLoopbackAddress(), 0);
    }

    public String url() {
        String host = address.getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    public int port() {
        return port;
    }

    /** A client of this server with no retries hidden behind it. */
    public KubernetesClient client() {
        return server.createClient(b -> b.editOrNewConfig().withMasterUrl(url()).withRequestRetryBackoffLimit(0)
                .endConfig());
    }

    /** From now on, answers {@code verb} on {@code resource} ("nodes", "nodes/status", "pods") with 403. */
    public void forbid(String verb, String resource) {
        dispatcher.forbidden.add(verb + " " + resource);
    }

    public void allowAll() {
        dispatcher.forbidden.clear();
        dispatcher.allowedOnly = null;
    }

    /** From now on, answers 403 to everything but these {@code "verb resource"} pairs (a ClusterRole's rules). */
    public void allowOnly(Set<String> verbAndResource) {
        dispatcher.allowedOnly = Set.copyOf(verbAndResource);
    }

    /** The {@code "verb resource"} pairs requested so far, e.g. {@code "patch nodes/status"}. */
    public Set<String> requested() {
        return Set.copyOf(dispatcher.requested);
    }

    /** Stops serving (connections are refused) but keeps every object, as an API server that goes away. */
    public synchronized void goAway() {
        KubernetesMockServer s = server;
        server = null;
        if (s != null) {
            s.destroy();
        }
    }

    /** Serves again on the same port, with the objects it had. */
    public synchronized void comeBack() {
        if (server == null) {
            up();
        }
    }

    /**
     * Stops the server. Its shutdown waits (10 s) for Vert.x to confirm; on a loaded machine that can run out after
     * every request was answered, which is no failure of the test that used it.
     */
    @Override
    public synchronized void close() {
        try {
            goAway();
        } catch (IllegalStateException e) {
            System.err.println("mock API server: " + e.getMessage() + " (still shutting down)");
        }
    }

    private synchronized void up() {
        KubernetesMockServer s = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        s.init(address, port);
        port = s.getPort();
        server = s;
    }

    /**
     * Runs the server as a process: {@code MockKubeApiServer <address> <port> [verb:resource ...]} (the optional
     * arguments are refused as with {@link #forbid}). Prints {@code listening <url>} once it serves, and stops when its
     * standard input closes or it is terminated.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: MockKubeApiServer <address> <port> [verb:resource ...]");
            System.exit(2);
        }
        MockKubeApiServer s = start(InetAddress.getByName(args[0]), Integer.parseInt(args[1]));
        for (int i = 2; i < args.length; i++) {
            String[] vr = args[i].split(":", 2);
            s.forbid(vr[0], vr[1]);
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.close();
            done.countDown();
        }));
        System.out.println("listening " + s.url());
        System.out.flush();
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // wait for EOF
                }
            } catch (IOException ignored) {
                // treated as EOF
            }
            done.countDown();
        }, "stdin-watch");
        stdin.setDaemon(true);
        stdin.start();
        done.await();
        s.close();
    }

    /** The CRUD dispatcher plus strategic-merge patches and RBAC refusals. */
    private static final class Dispatcher extends KubernetesCrudDispatcher {
        private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
        private final Set<String> requested = ConcurrentHashMap.newKeySet();
        private volatile Set<String> allowedOnly;

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            String resourcePath = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
            String verb = verb(request.getMethod(), path, resourcePath);
            String resource = resource(resourcePath);
            requested.add(verb + " " + resource);
            Set<String> only = allowedOnly;
            if (forbidden.contains(verb + " " + resource) || (only != null && !only.contains(verb + " " + resource))) {
                return forbiddenResponse(verb, resource);
            }
            String type = request.getHeader("Content-Type");
            if ("PATCH".equals(request.getMethod()) && type != null && type.contains("strategic-merge-patch")) {
                return strategicPatch(request, resourcePath);
            }
            return super.dispatch(request);
        }

        private MockResponse strategicPatch(RecordedRequest request, String resourcePath) {
            boolean statusPath = resourcePath.endsWith("/status");
            String objectPath = statusPath ? resourcePath.substring(0, resourcePath.length() - "/status".length()) : resourcePath;
            MockResponse current = handleGet(objectPath);
            if (current.code() != 200) {
                return current;
            }
            try {
                JsonNode object = JSON.readTree(current.getBody().readUtf8());
                JsonNode patch = JSON.readTree(request.getUtf8Body());
                JsonNode merged = merge(object.deepCopy(), patch);
                if (merged.path("metadata") instanceof ObjectNode meta) {
                    meta.remove("resourceVersion");
                }
                byte[] body = JSON.writeValueAsBytes(merged);
                MockResponse r = handleUpdate(put(objectPath, body));
                if (statusPath && r.code() == 200) {
                    r = handleUpdate(put(objectPath + "/status", body));
                }
                return r;
            } catch (IOException e) {
                return new MockResponse().setResponseCode(400).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
                        + "\"status\":\"Failure\",\"code\":400,\"message\":\"bad patch\"}");
            }
        }

        private static RecordedRequest put(String path, byte[] body) {
            Headers h = new Headers.Builder().add("Content-Type", "application/json").build();
            return new RecordedRequest("HTTP/1.1", HttpMethod.PUT, path, h, new Buffer(body));
        }

        /** Strategic merge for the node fields in use: objects merge, null deletes, typed lists merge by type. */
        private static JsonNode merge(JsonNode target, JsonNode patch) {
            if (!(patch instanceof ObjectNode) || !(target instanceof ObjectNode t)) {
                return patch;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                JsonNode v = e.getValue();
                if (v.isNull()) {
                    t.remove(k);
                } else if (("conditions".equals(k) || "addresses".equals(k)) && v.isArray() && t.path(k).isArray()) {
                    t.set(k, mergeByType((ArrayNode) t.get(k), (ArrayNode) v));
                } else if (v.isObject() && t.path(k).isObject()) {
                    t.set(k, merge(t.get(k), v));
                } else {
                    t.set(k, v);
                }
            }
            return t;
        }

        private static ArrayNode mergeByType(ArrayNode have, ArrayNode patch) {
            ArrayNode out = have.deepCopy();
            for (JsonNode p : patch) {
                boolean replaced = false;
                for (int i = 0; i < out.size(); i++) {
                    if (out.get(i).path("type").equals(p.path("type"))) {
                        out.set(i, merge(out.get(i).deepCopy(), p));
                        replaced = true;
                    }
                }
                if (!replaced) {
                    out.add(p);
                }
            }
            return out;
        }

        private static String verb(String method, String path, String resourcePath) {
            boolean named = resourcePath.matches(".*/(nodes|pods)/[^/]+(/status)?");
            return switch (method) {
                case "GET" -> path.contains("watch=true") ? "watch" : named ? "get" : "list";
                case "PATCH" -> "patch";
                case "PUT" -> "update";
                case "POST" -> "create";
                case "DELETE" -> "delete";
                default -> method.toLowerCase(java.util.Locale.ROOT);
            };
        }

        private static String resource(String resourcePath) {
            String[] parts = resourcePath.split("/");
            for (int i = 0; i < parts.length; i++) {
                if (parts[i].equals("nodes") || parts[i].equals("pods")) {
                    boolean status = parts.length > i + 2 && parts[i + 2].equals("status");
                    return parts[i] + (status ? "/status" : "");
                }
            }
            return resourcePath;
        }

        private static MockResponse forbiddenResponse(String verb, String resource) {
            String[] r = resource.split("/", 2);
            String message = r[0] + " is forbidden: User \"system:serviceaccount:kube-flannel:flannel\" cannot " + verb
                    + " resource \"" + resource + "\" in API group \"\" at the cluster scope";
            ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1")
                    .put("status", "Failure").put("message", message).put("reason", "Forbidden").put("code", 403);
            status.putObject("metadata");
            return new MockResponse().setResponseCode(403).addHeader("Content-Type", "application/json")
                    .setBody(status.toString().getBytes(StandardCharsets.UTF_8));
        }
    }
}
