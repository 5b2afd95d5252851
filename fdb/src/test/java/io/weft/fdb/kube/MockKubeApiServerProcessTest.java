package io.weft.fdb.kube;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.weft.labkit.kube.MockKubeApiServerProcess;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The mock API server as its own process: what the network-namespace tests run for agents to reach. */
class MockKubeApiServerProcessTest {
    @Test
    void servesNodesWithStrategicMergePatchesAndStopsWhenItsInputCloses() throws Exception {
        MockKubeApiServerProcess server = MockKubeApiServerProcess.start(List.of(), "127.0.0.1", 0, "delete:nodes");
        try (server; KubernetesClient c = new KubernetesClientBuilder().withConfig(
                new ConfigBuilder(Config.empty()).withMasterUrl(server.url()).withRequestRetryBackoffLimit(0).build()).build()) {
            c.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").addToAnnotations("a", "1").endMetadata()
                    .withNewSpec().withPodCIDR("10.244.1.0/24").endSpec().build()).create();
            c.nodes().withName("n1").subresource("status").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                    "{\"metadata\":{\"annotations\":{\"b\":\"2\"}}}");
            assertThat(c.nodes().withName("n1").get().getMetadata().getAnnotations()).containsEntry("a", "1").containsEntry("b", "2");
            assertThatThrownBy(() -> c.nodes().withName("n1").delete()).isInstanceOf(KubernetesClientException.class)
                    .hasMessageContaining("cannot delete resource \"nodes\"");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (server.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(server.isAlive()).isFalse();
    }
}
