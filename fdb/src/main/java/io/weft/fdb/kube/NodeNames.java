package io.weft.fdb.kube;

import java.util.Map;

/**
 * Which node we run on, as flanneld finds it: {@code NODE_NAME}, else the node of the pod named by
 * {@code POD_NAME} and {@code POD_NAMESPACE} (a DaemonSet sets these from the downward API).
 */
final class NodeNames {
    private NodeNames() {
    }

    /** {@code NODE_NAME}, or null when the pod must be looked up. */
    static String fromEnvironment(Map<String, String> env) {
        String name = env.get("NODE_NAME");
        if (name != null && !name.isBlank()) {
            return name.trim();
        }
        if (blank(env.get("POD_NAME")) || blank(env.get("POD_NAMESPACE"))) {
            throw new IllegalArgumentException("-kube-subnet-mgr needs this node's name: set NODE_NAME (in a DaemonSet:"
                    + " valueFrom.fieldRef.fieldPath: spec.nodeName), or POD_NAME and POD_NAMESPACE"
                    + " (fieldPath: metadata.name and metadata.namespace)");
        }
        return null;
    }

    /** Looks the pod up; {@code fromEnvironment} returned null. */
    static String fromPod(Map<String, String> env, KubeApi api) throws KubeApiException {
        String ns = env.get("POD_NAMESPACE").trim();
        String pod = env.get("POD_NAME").trim();
        String node = api.podNode(ns, pod);
        if (node == null || node.isBlank()) {
            throw new KubeApiException("pod " + ns + "/" + pod + " has no spec.nodeName yet");
        }
        return node;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
