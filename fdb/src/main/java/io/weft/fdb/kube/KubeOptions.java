package io.weft.fdb.kube;

import java.nio.file.Path;

/**
 * flanneld's flags for its Kubernetes subnet manager.
 *
 * @param apiUrl                    {@code -kube-api-url}: the API server, or "" for the kubeconfig's or in-cluster one
 * @param kubeconfigFile            {@code -kubeconfig-file}, or "" for in-cluster service-account credentials
 * @param annotationPrefix          {@code -kube-annotation-prefix} (default {@code flannel.alpha.coreos.com})
 * @param netConfigPath             {@code -net-config-path} (default {@code /etc/kube-flannel/net-conf.json})
 * @param setNodeNetworkUnavailable {@code -set-node-network-unavailable}: set NetworkUnavailable=False when up
 */
public record KubeOptions(String apiUrl, String kubeconfigFile, String annotationPrefix, Path netConfigPath,
                          boolean setNodeNetworkUnavailable) {
    public static final String DEFAULT_PREFIX = "flannel.alpha.coreos.com";
    public static final Path DEFAULT_NET_CONFIG = Path.of("/etc/kube-flannel/net-conf.json");

    public KubeOptions {
        apiUrl = apiUrl == null ? "" : apiUrl.trim();
        kubeconfigFile = kubeconfigFile == null ? "" : kubeconfigFile.trim();
        annotationPrefix = annotationPrefix == null || annotationPrefix.isBlank() ? DEFAULT_PREFIX : annotationPrefix.trim();
        netConfigPath = netConfigPath == null ? DEFAULT_NET_CONFIG : netConfigPath;
    }

    public static KubeOptions defaults() {
        return new KubeOptions("", "", DEFAULT_PREFIX, DEFAULT_NET_CONFIG, true);
    }

    public KubeOptions withNetConfigPath(Path path) {
        return new KubeOptions(apiUrl, kubeconfigFile, annotationPrefix, path, setNodeNetworkUnavailable);
    }
}
