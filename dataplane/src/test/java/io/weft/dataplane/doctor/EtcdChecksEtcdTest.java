package io.weft.dataplane.doctor;

import io.weft.fdb.registry.EtcdOptions;
import io.weft.labkit.etcd.EtcdServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code weft doctor}'s etcd checks against a real etcd with authentication on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EtcdChecksEtcdTest {
    private static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";

    @Test
    void wrongCredentialsNameTheUsernameAndPasswordNotTheEndpointsOrTls() throws Exception {
        try (EtcdServer etcd = EtcdServer.startPlain()) {
            etcd.etcdctl("user", "add", "root:s3cret");
            etcd.etcdctl("auth", "enable");
            etcd.etcdctl("--user", "root:s3cret", "put", "/coreos.com/network/config", CONFIG);
            EtcdOptions options = EtcdOptions.defaults().withEndpoints(etcd.clientUrl());

            EtcdChecks.Result wrong = EtcdChecks.check(options.withCredentials("root", "wrong"), "192.168.64.3", false);
            assertThat(wrong.config()).isNull();
            assertThat(wrong.findings()).singleElement().satisfies(f -> {
                assertThat(f.status()).isEqualTo(Finding.Status.FAIL);
                assertThat(f.check()).isEqualTo("etcd-auth");
                assertThat(f.message()).contains("refused the username \"root\"").doesNotContain("wrong")
                        .doesNotContain("does not answer");
                assertThat(f.fix()).contains("-etcd-username and -etcd-password").doesNotContain("TLS")
                        .doesNotContain("endpoint health");
            });

            EtcdChecks.Result none = EtcdChecks.check(options, "192.168.64.3", false);
            assertThat(none.findings()).singleElement().satisfies(f -> {
                assertThat(f.check()).isEqualTo("etcd-auth");
                assertThat(f.message()).contains("requires a user, and no -etcd-username is set");
            });

            EtcdChecks.Result right = EtcdChecks.check(options.withCredentials("root", "s3cret"), "192.168.64.3", false);
            assertThat(right.config()).isNotNull();
            assertThat(right.findings()).noneMatch(f -> f.status() == Finding.Status.FAIL);
        }
    }
}
