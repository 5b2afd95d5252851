package io.weft.dataplane.image;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * weft.jar carries the Kubernetes client lean (the jar goes into every node's image): fabric8's JDK HTTP client and
 * neither OkHttp nor fabric8's Vert.x client, and of the API models only core and the groups the client loads when it
 * starts (its default handlers name apps, batch, certificates and extensions classes, and every resource is
 * Scalable, which needs autoscaling). The other groups' models (about 12 MB) stay out; a dependency update that
 * brings them back fails here.
 */
class WeftJarIT {
    private static final Path JAR = Path.of("target", "weft.jar").toAbsolutePath();
    private static List<String> entries;

    @BeforeAll
    static void read() throws IOException {
        assertThat(JAR).as("mvn package builds it").exists();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            entries = jar.stream().map(ZipEntry::getName).toList();
        }
    }

    @Test
    void theKubernetesClientUsesTheJdkHttpClientOnly() {
        assertThat(entries).anyMatch(e -> e.startsWith("io/fabric8/kubernetes/client/jdkhttp/"));
        assertThat(entries).noneMatch(e -> e.startsWith("okhttp3/") || e.startsWith("io/fabric8/kubernetes/client/okhttp/")
                || e.startsWith("io/fabric8/kubernetes/client/vertx"));
    }

    @Test
    void onlyTheApiModelsTheClientLoadsAreInside() {
        String models = "io/fabric8/kubernetes/api/model/";
        TreeSet<String> groups = new TreeSet<>();
        entries.stream().filter(e -> e.startsWith(models) && e.indexOf('/', models.length()) > 0)
                .forEach(e -> groups.add(e.substring(models.length(), e.indexOf('/', models.length()))));
        // kubernetes-model-core brings clusterapi, runtime and version along with the core group itself
        assertThat(groups).containsExactly("apps", "autoscaling", "batch", "certificates", "clusterapi", "extensions",
                "runtime", "version");
    }
}
