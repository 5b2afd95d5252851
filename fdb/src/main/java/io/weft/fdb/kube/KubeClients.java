package io.weft.fdb.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds the API client as flanneld's {@code clientcmd.BuildConfigFromFlags} does: {@code -kubeconfig-file} when
 * given (with {@code -kube-api-url} overriding its server), else {@code -kube-api-url} alone, else the pod's
 * in-cluster service-account credentials. The HTTP client is the JDK's ({@code kubernetes-httpclient-jdk}).
 */
public final class KubeClients {
    private KubeClients() {
    }

    /** @throws IllegalArgumentException in one line when no way to reach the API server is configured */
    public static KubernetesClient create(KubeOptions options, Map<String, String> env) {
        return create(options, env, InClusterConfig.SERVICE_ACCOUNT_DIR);
    }

    /** As {@link #create(KubeOptions, Map)}, with the pod's service account mounted at {@code serviceAccountDir}. */
    static KubernetesClient create(KubeOptions options, Map<String, String> env, Path serviceAccountDir) {
        Config config;
        if (!options.kubeconfigFile().isEmpty()) {
            Path file = Path.of(options.kubeconfigFile());
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("-kubeconfig-file " + file + " cannot be read: give the path of a"
                        + " kubeconfig, or leave it empty to use the pod's service account");
            }
            try {
                config = Config.fromKubeconfig(file.toFile());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("-kubeconfig-file " + file + " is not a usable kubeconfig: " + e.getMessage());
            }
            if (!options.apiUrl().isEmpty()) {
                config = new ConfigBuilder(config).withMasterUrl(options.apiUrl()).build();
            }
        } else if (!options.apiUrl().isEmpty()) {
            config = new ConfigBuilder(Config.empty()).withMasterUrl(options.apiUrl()).build();
        } else {
            config = InClusterConfig.from(env, serviceAccountDir);
        }
        // The registry retries on its own schedule and reports each failure; the client should not hide them.
        config.setRequestRetryBackoffLimit(1);
        config.setConnectionTimeout(5_000);
        config.setRequestTimeout(15_000);
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
