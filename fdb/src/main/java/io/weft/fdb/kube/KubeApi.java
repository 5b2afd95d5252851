package io.weft.fdb.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The few API calls the subnet manager makes, each mapped to the RBAC verb it needs so that a 403 says what to grant.
 * Like flanneld, annotations are written through the {@code nodes/status} subresource, so the ClusterRole of
 * kube-flannel.yml (nodes get/list/watch, nodes/status patch, pods get) is all weft needs.
 */
public final class KubeApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String REASON = "FlannelIsUp";

    private final KubernetesClient client;

    public KubeApi(KubernetesClient client) {
        this.client = client;
    }

    public KubernetesClient client() {
        return client;
    }

    /** The API server's URL, for log lines. */
    public String url() {
        return String.valueOf(client.getMasterUrl());
    }

    /** The node a pod is scheduled on, or null when the pod has none (yet). */
    public String podNode(String namespace, String pod) throws KubeApiException {
        Pod p = call("get", "pods", "read pod " + namespace + "/" + pod,
                () -> client.pods().inNamespace(namespace).withName(pod).get());
        if (p == null) {
            throw new KubeApiException("pod " + namespace + "/" + pod + " (POD_NAMESPACE/POD_NAME) does not exist");
        }
        return p.getSpec() == null ? null : p.getSpec().getNodeName();
    }

    /** Sets annotations on a node by strategic-merge patch of {@code nodes/status}, as flanneld does. */
    public Node annotate(String node, Map<String, String> annotations) throws KubeApiException {
        return patchStatus(node, OwnAnnotations.patch(annotations), "annotate node " + node);
    }

    /** {@code NetworkUnavailable=False}, reason {@code FlannelIsUp}, as flanneld's {@code CompleteLease} sets it. */
    public Node networkAvailable(String node) throws KubeApiException {
        return patchStatus(node, networkAvailablePatch(Instant.now()), "set the NetworkUnavailable condition of node " + node);
    }

    static String networkAvailablePatch(Instant now) {
        String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
        Map<String, String> condition = new LinkedHashMap<>();
        condition.put("type", "NetworkUnavailable");
        condition.put("status", "False");
        condition.put("lastHeartbeatTime", time);
        condition.put("lastTransitionTime", time);
        condition.put("reason", REASON);
        condition.put("message", "weft (flannel's vxlan backend) is running on this node");
        try {
            return JSON.writeValueAsString(Map.of("status", Map.of("conditions", List.of(condition))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Node patchStatus(String node, String patch, String what) throws KubeApiException {
        Node n = call("patch", "nodes/status", what, () -> client.nodes().withName(node).subresource("status")
                .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch));
        if (n == null) {
            throw new KubeApiException("cannot " + what + ": the node does not exist");
        }
        return n;
    }

    private <T> T call(String verb, String resource, String what, Callable<T> c) throws KubeApiException {
        try {
            return c.call();
        } catch (Exception e) {
            KubernetesClientException k = clientException(e);
            if (k != null && k.getCode() > 0) {
                throw translate(verb, resource, what, k);
            }
            throw new KubeApiException("cannot " + what + " at " + url() + ": " + message(rootCause(e)));
        }
    }

    /** A 403 becomes {@link KubeAccessDenied} naming {@code verb} on {@code resource}; anything else one line. */
    static KubeApiException translate(String verb, String resource, String what, KubernetesClientException e) {
        if (e.getCode() == 403) {
            return new KubeAccessDenied(verb, resource, e.getStatus() == null ? null : e.getStatus().getMessage());
        }
        String detail = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : message(e);
        return new KubeApiException("cannot " + what + ": " + (e.getCode() > 0 ? "HTTP " + e.getCode() + ": " : "") + detail);
    }

    /** The {@link KubernetesClientException} in {@code t}'s cause chain (fabric8 wraps it in CompletionException), or null. */
    static KubernetesClientException clientException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof KubernetesClientException k) {
                return k;
            }
        }
        return null;
    }

    static Throwable rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    static String message(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = rootCause(e);
        if (root != e && root.getMessage() != null && !m.contains(root.getMessage())) {
            m += " (" + root.getMessage() + ")";
        }
        return m;
    }
}
