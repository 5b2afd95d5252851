package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.weft.labkit.kube.MockKubeApiServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

    /**
     * In a pod: the API server is at KUBERNETES_SERVICE_HOST:PORT over HTTPS, with a certificate signed by the service
     * account's ca.crt, and wants the service account's token as a bearer token (client-go's InClusterConfig).
     */
    @Test
    void inAPodItReachesTheApiServerWithTheServiceAccountsTokenAndCa() throws Exception {
        MockWebServer https = new MockWebServer();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), https, new HashMap<>(), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        try {
            server.expect().get().withPath("/api/v1/nodes/n1")
                    .andReturn(200, new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build()).times(2);
            // The mock's self-signed certificate (for localhost and 127.0.0.1) is the cluster CA.
            Path sa = serviceAccount("the-pods-token", Path.of(https.getSelfSignedCertificate().certificatePath()));
            Map<String, String> env = Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1",
                    "KUBERNETES_SERVICE_PORT", Integer.toString(server.getPort()));

            try (KubernetesClient c = KubeClients.create(KubeOptions.defaults(), env, sa)) {
                assertThat(c.getMasterUrl().toString()).startsWith("https://127.0.0.1:" + server.getPort());
                assertThat(c.nodes().withName("n1").get().getMetadata().getName()).isEqualTo("n1");
                // the kubelet rotates the token in place; the next request carries the new one
                Files.writeString(sa.resolve("token"), "the-rotated-token");
                assertThat(c.nodes().withName("n1").get()).isNotNull();
            }
            RecordedRequest first = server.takeRequest(5, TimeUnit.SECONDS);
            assertThat(first.getPath()).isEqualTo("/api/v1/nodes/n1");
            assertThat(first.getHeader("Authorization")).isEqualTo("Bearer the-pods-token");
            assertThat(server.takeRequest(5, TimeUnit.SECONDS).getHeader("Authorization"))
                    .isEqualTo("Bearer the-rotated-token");
        } finally {
            server.destroy();
        }
    }

    @Test
    void inAPodItTrustsOnlyTheServiceAccountsCa() throws Exception {
        MockWebServer https = new MockWebServer();
        KubernetesMockServer server = new KubernetesMockServer(new Context(), https, new HashMap<>(), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        MockWebServer other = new MockWebServer();
        other.useHttps();
        other.start(InetAddress.getLoopbackAddress(), 0);
        try {
            Path sa = serviceAccount("the-pods-token", Path.of(other.getSelfSignedCertificate().certificatePath()));
            Map<String, String> env = Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1",
                    "KUBERNETES_SERVICE_PORT", Integer.toString(server.getPort()));
            try (KubernetesClient c = KubeClients.create(KubeOptions.defaults(), env, sa)) {
                assertThatThrownBy(() -> c.nodes().withName("n1").get()).isInstanceOf(KubernetesClientException.class)
                        .hasStackTraceContaining("SSLHandshakeException");
            }
            assertThat(server.getRequestCount()).isZero();
        } finally {
            other.shutdown();
            server.destroy();
        }
    }

    @Test
    void aPodWithoutItsServiceAccountTokenIsToldInOneLine() throws Exception {
        Path sa = serviceAccount("t", null);
        Files.delete(sa.resolve("token"));
        assertRefused(sa, "token " + sa.resolve("token") + " does not exist");
    }

    @Test
    void aPodWithoutItsServiceAccountCaIsToldInOneLine() throws Exception {
        Path sa = serviceAccount("t", null);
        assertRefused(sa, "CA certificate " + sa.resolve("ca.crt") + " cannot be read");
    }

    @Test
    void aServiceAccountCaThatIsNoCertificateIsToldInOneLine() throws Exception {
        Path sa = serviceAccount("t", null);
        Files.writeString(sa.resolve("ca.crt"), "not a certificate\n");
        assertRefused(sa, "CA certificate " + sa.resolve("ca.crt") + " holds no PEM certificate");
    }

    /** In a pod whose service account at {@code sa} is unusable, the one line says what is wrong with it. */
    private static void assertRefused(Path sa, String what) {
        assertThatThrownBy(() -> KubeClients.create(KubeOptions.defaults(), POD_ENV, sa))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("-kube-subnet-mgr: the pod's service-account " + what + "; mount the service account"
                        + " (automountServiceAccountToken) or pass -kubeconfig-file (or -kube-api-url)");
    }

    private static final Map<String, String> POD_ENV = Map.of("KUBERNETES_SERVICE_HOST", "10.96.0.1",
            "KUBERNETES_SERVICE_PORT", "443");

    /** A service-account directory as the kubelet mounts it; {@code ca} null leaves ca.crt out. */
    private Path serviceAccount(String token, Path ca) throws Exception {
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(sa.resolve("token"), token);
        Files.writeString(sa.resolve("namespace"), "kube-flannel");
        if (ca != null) {
            Files.copy(ca, sa.resolve("ca.crt"));
        }
        return sa;
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
