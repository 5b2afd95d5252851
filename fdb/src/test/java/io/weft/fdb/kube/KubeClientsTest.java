package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.labkit.kube.MockKubeApiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the client finds the API server: -kubeconfig-file, -kube-api-url, or the pod's service account. */
class KubeClientsTest {
    @TempDir
    Path dir;

    @Test
    void aKubeconfigAsKubeadmWritesItReachesItsServer() throws Exception {
        try (MockKubeApiServer server = MockKubeApiServer.startOnLoopback(); KubernetesClient admin = server.client()) {
            admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build()).create();
            Path kubeconfig = dir.resolve("kubelet.conf");
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - cluster:
                        server: %s
                      name: lab
                    contexts:
                    - context:
                        cluster: lab
                        user: weft
                      name: weft@lab
                    current-context: weft@lab
                    users:
                    - name: weft
                      user:
                        token: not-checked-by-the-mock
                    """.formatted(server.url()));
            KubeOptions options = new KubeOptions("", kubeconfig.toString(), null, null, true);
            try (KubernetesClient c = KubeClients.create(options, Map.of())) {
                assertThat(c.nodes().withName("n1").get()).isNotNull();
            }
            // -kube-api-url overrides the kubeconfig's server, as with flanneld
            KubeOptions elsewhere = new KubeOptions("http://127.0.0.1:1", kubeconfig.toString(), null, null, true);
            try (KubernetesClient c = KubeClients.create(elsewhere, Map.of())) {
                assertThat(c.getMasterUrl().toString()).startsWith("http://127.0.0.1:1");
            }
        }
    }

    @Test
    void outsideAPodWithoutKubeconfigTheMessageSaysWhatToPass() {
        assertThatThrownBy(() -> KubeClients.create(KubeOptions.defaults(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not running in a pod")
                .hasMessageContaining("pass -kubeconfig-file (or -kube-api-url)");
    }

    @Test
    void anUnreadableKubeconfigIsNamed() {
        KubeOptions options = new KubeOptions("", dir.resolve("missing.conf").toString(), null, null, true);
        assertThatThrownBy(() -> KubeClients.create(options, Map.of()))
                .hasMessage("-kubeconfig-file " + dir.resolve("missing.conf") + " cannot be read: give the path of a"
                        + " kubeconfig, or leave it empty to use the pod's service account");
    }
}
