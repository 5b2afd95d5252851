package io.weft.fdb.registry;

import io.weft.fdb.NetworkConfig;
import io.weft.fdb.Subnet;
import io.weft.labkit.etcd.EtcdServer;
import io.weft.labkit.SystemTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.weft.fdb.registry.EtcdTestSupport.freshPrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A client key in each PEM form that Go's tls.LoadX509KeyPair (flanneld) reads, made by openssl as kubeadm, cfssl and
 * easy-rsa hand them out, takes a lease through an etcd that demands a client certificate.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdClientKeyFormsTest {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    private EtcdServer etcd;
    private Path dir;

    @BeforeAll
    void start() throws Exception {
        etcd = EtcdServer.startTls();
        dir = Files.createTempDirectory("weft-keyforms-");
    }

    @AfterAll
    void stop() throws Exception {
        if (etcd != null) {
            etcd.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "pkcs1-rsa, BEGIN RSA PRIVATE KEY, genrsa -traditional -out KEY 2048",
            "sec1-ec, BEGIN EC PRIVATE KEY, ecparam -name prime256v1 -genkey -noout -out KEY",
            "sec1-ec-with-params, BEGIN EC PARAMETERS, ecparam -name prime256v1 -genkey -out KEY",
            "pkcs8-rsa, BEGIN PRIVATE KEY, genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out KEY",
            "pkcs8-ec, BEGIN PRIVATE KEY, genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out KEY"})
    void eachKeyFormTakesALease(String name, String header, String keygen) throws Exception {
        Path key = dir.resolve(name + "-key.pem");
        Path cert = dir.resolve(name + ".pem");
        openssl(keygen.replace("KEY", key.toString()).split(" "));
        assertThat(Files.readString(key)).startsWith("-----" + header + "-----");
        sign(name, key, cert);

        String prefix = freshPrefix("keyform");
        etcd.etcdctl("put", prefix + "/config", CONFIG);
        EtcdOptions options = EtcdOptions.defaults().withEndpoints(etcd.clientUrl()).withPrefix(prefix)
                .withTls(etcd.certs().ca(), cert, key);
        try (LeaseRegistry r = LeaseRegistry.connect(options, EtcdTestSupport.FAST)) {
            NetworkConfig config = r.awaitConfig();
                assertThat(config.network()).isEqualTo(Subnet.parse("10.244.0.0/16"));
            HeldLease mine = r.acquire(config, EtcdTestSupport.request("192.168.64.30", "02:00:00:00:00:30"));
            assertThat(etcd.etcdctl("get", "--print-value-only", mine.key())).isEqualTo(mine.value() + "\n");
        }
    }

    @org.junit.jupiter.api.Test
    void anEncryptedKeySaysHowToDecryptIt() throws Exception {
        Path key = dir.resolve("enc-key.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:x",
                "-out", key.toString());
        EtcdOptions options = EtcdOptions.defaults().withEndpoints(etcd.clientUrl())
                .withTls(etcd.certs().ca(), etcd.certs().clientCert(), key);
        assertThatThrownBy(() -> LeaseRegistry.connect(options, EtcdTestSupport.FAST))
                .hasMessageContaining("--etcd-keyfile " + key + " is encrypted").hasMessageContaining("openssl pkey");
    }

    private void sign(String name, Path key, Path cert) throws Exception {
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, "extendedKeyUsage=clientAuth\n");
        Path ca = etcd.certs().ca();
        openssl("req", "-new", "-key", key.toString(), "-subj", "/CN=weft-" + name, "-out", csr.toString());
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey",
                ca.resolveSibling("ca-key.pem").toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2",
                "-extfile", ext.toString());
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(SystemTests.requireBinary("openssl", "openssl").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + new String(out));
        }
    }
}
