package io.weft.dataplane.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.labkit.SystemTests;
import io.weft.labkit.kube.MockKubeApiServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * scripts/image builds an OCI archive from scratch (no registry, no base image): its index names the image for
 * podman and containerd, its three layers hold the host tools and libraries, the jlink runtime and weft.jar, and
 * the unpacked root filesystem runs {@code weft --help}, {@code iptables}, {@code nft} (the nftables mode's tool) and
 * {@code ip} on its own.
 */
class ImageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path JAR = Path.of("target", "weft.jar").toAbsolutePath();

    @TempDir
    static Path out;
    private static Path layout;
    private static JsonNode index;
    private static JsonNode manifest;
    private static JsonNode config;

    @BeforeAll
    static void build() throws Exception {
        SystemTests.require(SystemTests.isRoot(), "needs root (umoci unpack keeps owners; the rootfs is run in a chroot)");
        SystemTests.requireBinary("umoci", "umoci");
        SystemTests.requireBinary("jlink", "openjdk-17-jdk-headless");
        SystemTests.require(Files.exists(JAR), "needs " + JAR + " (mvn package)");
        Result r = run(REPO, 600, "env", "WEFT_JAR=" + JAR, "OUT=" + out, "WEFT_IMAGE_NAME=localhost/weft:it",
                REPO.resolve("scripts/image").toString());
        assertThat(r.code).as("scripts/image: %s", r.output).isZero();
        layout = out.resolve("layout");
        Files.createDirectories(layout);
        assertThat(run(out, 120, "tar", "-C", layout.toString(), "-xf", out.resolve("weft-image.tar").toString()).code).isZero();
        index = JSON.readTree(layout.resolve("index.json").toFile());
        manifest = blob(index.at("/manifests/0/digest").asText());
        config = blob(manifest.at("/config/digest").asText());
    }

    @Test
    void theIndexNamesTheImageForPodmanAndContainerd() {
        assertThat(layout.resolve("oci-layout")).exists();
        assertThat(index.path("manifests")).hasSize(1);
        JsonNode annotations = index.at("/manifests/0/annotations");
        assertThat(annotations.path("org.opencontainers.image.ref.name").asText()).isEqualTo("localhost/weft:it");
        assertThat(annotations.path("io.containerd.image.name").asText()).isEqualTo("localhost/weft:it");
    }

    @Test
    void theConfigRunsTheJarWithTheJlinkRuntime() {
        assertThat(texts(config.at("/config/Entrypoint")))
                .containsExactly("/opt/weft/jre/bin/java", "-XX:-UsePerfData", "-jar", "/opt/weft/weft.jar");
        assertThat(texts(config.at("/config/Cmd"))).containsExactly("--help");
        assertThat(config.path("os").asText()).isEqualTo("linux");
        assertThat(config.path("architecture").asText()).isEqualTo("amd64");
        assertThat(config.at("/rootfs/diff_ids")).hasSize(3);
    }

    @Test
    void threeLayersToolsRuntimeAndJarEachHoldingOnlyItsPart() throws Exception {
        JsonNode layers = manifest.path("layers");
        assertThat(layers).hasSize(3);
        List<String> tools = entries(layers.get(0));
        List<String> runtime = entries(layers.get(1));
        List<String> jar = entries(layers.get(2));

        assertThat(tools).contains("usr/sbin/xtables-nft-multi", "usr/sbin/iptables", "usr/sbin/ip", "usr/sbin/nft",
                "usr/lib/x86_64-linux-gnu/libc.so.6", "etc/protocols");
        assertThat(tools).anyMatch(e -> e.endsWith("ld-linux-x86-64.so.2"));
        assertThat(tools).anyMatch(e -> e.startsWith("usr/lib/x86_64-linux-gnu/xtables/libxt_MASQUERADE.so"));
        // AWT's X11 libraries are not wanted by anything weft loads
        assertThat(tools).noneMatch(e -> e.contains("libX11"));
        assertThat(tools).noneMatch(e -> e.startsWith("opt/"));

        assertThat(runtime).contains("opt/weft/jre/bin/java", "opt/weft/jre/lib/modules", "opt/weft/jre/lib/server/libjvm.so");
        assertThat(runtime).allMatch(e -> e.startsWith("opt/"));

        assertThat(jar).filteredOn(e -> !e.endsWith("/")).containsExactly("opt/weft/weft.jar");
        Path unpacked = out.resolve("jar-layer");
        Files.createDirectories(unpacked);
        assertThat(run(out, 60, "tar", "-C", unpacked.toString(), "-xzf", blobPath(layers.get(2).path("digest").asText())
                .toString()).code).isZero();
        assertThat(sha256(unpacked.resolve("opt/weft/weft.jar"))).isEqualTo(sha256(JAR));
    }

    @Test
    void theUnpackedRootFilesystemRunsWeftAndItsToolsOnItsOwn() throws Exception {
        Path bundle = out.resolve("bundle");
        Result unpack = run(out, 300, "umoci", "unpack", "--image", layout + ":localhost/weft:it", bundle.toString());
        assertThat(unpack.code).as(unpack.output).isZero();
        Path rootfs = bundle.resolve("rootfs");
        // the image's own binaries, loader and libraries only: a chroot with /proc (the launcher's $ORIGIN needs it)
        Result help = inRootfs(rootfs, "/opt/weft/jre/bin/java -XX:-UsePerfData -jar /opt/weft/weft.jar --help");
        assertThat(help.code).as(help.output).isZero();
        assertThat(help.output).contains("Usage: weft").contains("run");
        Result iptables = inRootfs(rootfs, "/usr/sbin/iptables --version");
        assertThat(iptables.output).contains("nf_tables");
        Result nft = inRootfs(rootfs, "/usr/sbin/nft --version");
        assertThat(nft.output).as("nft, for EnableNFTables: %s", nft.output).startsWith("nftables v");
        // and it programs the kernel (in a network namespace of its own): a table written and listed back
        Files.writeString(rootfs.resolve("tmp/check.nft"), "add table ip weft-image-check\nlist table ip weft-image-check\n");
        Result nftWrites = run(out, 120, "unshare", "--mount", "--net", "--fork", "sh", "-c", "mount -t proc proc '"
                + rootfs.resolve("proc") + "' && exec chroot '" + rootfs + "' /usr/sbin/nft -f /tmp/check.nft");
        assertThat(nftWrites.output).as(nftWrites.output).contains("table ip weft-image-check");
        Result ip = inRootfs(rootfs, "/usr/sbin/ip -V");
        assertThat(ip.output).contains("iproute2");
    }

    /**
     * The image's runtime has only jdeps' modules and weft.jar only the model jars the client loads: the Kubernetes
     * subnet manager's client (fabric8, the JDK HTTP client, Jackson 3) still lists and watches nodes with them. The
     * agent then stops at the TUN check, as the chroot has no /dev/net/tun, before it changes anything on the host.
     */
    @Test
    void theImagesRuntimeRunsTheKubernetesClient() throws Exception {
        Path bundle = out.resolve("bundle-kube");
        assertThat(run(out, 300, "umoci", "unpack", "--image", layout + ":localhost/weft:it", bundle.toString()).code).isZero();
        Path rootfs = bundle.resolve("rootfs");
        Files.writeString(rootfs.resolve("etc/kube-flannel/net-conf.json"),
                "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
        try (MockKubeApiServer api = MockKubeApiServer.startOnLoopback(); KubernetesClient admin = api.client()) {
            admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("img-node").endMetadata()
                    .withNewSpec().withPodCIDR("10.244.3.0/24").endSpec().build()).create();
            // a container runtime gives the container /dev/null (the host commands' stdin); the chroot gets the host's
            Files.createFile(rootfs.resolve("dev/null"));
            Result r = run(out, 120, "unshare", "--mount", "--fork", "sh", "-c", "mount -t proc proc '"
                    + rootfs.resolve("proc") + "' && mount --bind /dev/null '" + rootfs.resolve("dev/null")
                    + "' && exec env NODE_NAME=img-node chroot '" + rootfs + "' /opt/weft/jre/bin/java"
                    + " -XX:-UsePerfData -jar /opt/weft/weft.jar run -kube-subnet-mgr -kube-api-url " + api.url());
            assertThat(r.output).as(r.output).contains("network config from /etc/kube-flannel/net-conf.json")
                    .contains("/dev/net/tun does not exist");
            assertThat(r.code).isNotZero();
            assertThat(api.requested()).contains("list nodes", "watch nodes");
        }
    }

    // ---- helpers ----

    private static Result inRootfs(Path rootfs, String command) throws Exception {
        return run(out, 120, "unshare", "--mount", "--fork", "sh", "-c",
                "mount -t proc proc '" + rootfs.resolve("proc") + "' && exec chroot '" + rootfs + "' " + command);
    }

    private static JsonNode blob(String digest) throws IOException {
        return JSON.readTree(blobPath(digest).toFile());
    }

    private static Path blobPath(String digest) {
        String[] d = digest.split(":", 2);
        return layout.resolve("blobs").resolve(d[0]).resolve(d[1]);
    }

    private static List<String> entries(JsonNode layer) throws Exception {
        assertThat(layer.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
        Result r = run(out, 120, "tar", "-tzf", blobPath(layer.path("digest").asText()).toString());
        assertThat(r.code).isZero();
        List<String> out = new ArrayList<>();
        r.output.lines().map(l -> l.startsWith("./") ? l.substring(2) : l).filter(l -> !l.isEmpty() && !l.equals(".")).forEach(out::add);
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    private record Result(int code, String output) {
    }

    private static Result run(Path dir, int timeoutSeconds, String... command) throws Exception {
        Path log = Files.createTempFile(out, "cmd", ".log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
