package io.weft.fdb.registry;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContextBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Builds the jetcd {@link Client} for {@link EtcdOptions}, with TLS client certificates when configured. */
public final class EtcdClients {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdClients.class);

    private EtcdClients() {
    }

    /**
     * @throws IllegalArgumentException with a message saying which file is wrong and how to fix it
     */
    public static Client create(EtcdOptions options) {
        ClientBuilder b = Client.builder()
                .endpoints(options.endpoints().toArray(String[]::new))
                .connectTimeout(Duration.ofSeconds(3))
                // Our own loops retry and report; jetcd's internal retries would only hide an outage for longer.
                .retryMaxAttempts(1)
                .retryDelay(100)
                .retryMaxDelay(1000)
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(5));
        if (options.username() != null) {
            b.user(ByteSequence.from(options.username(), StandardCharsets.UTF_8));
            b.password(ByteSequence.from(options.password() == null ? "" : options.password(), StandardCharsets.UTF_8));
        }
        if (options.tls()) {
            b.sslContext(sslContext(options));
        } else if (options.certFile() != null || options.keyFile() != null) {
            LOG.warn("etcd TLS needs both --etcd-certfile and --etcd-keyfile; only one is set, so (like flanneld) "
                    + "weft connects without TLS to {}", options.endpointsText());
        } else if (options.endpointsText().contains("https://")) {
            LOG.warn("--etcd-endpoints {} uses https but no --etcd-certfile/--etcd-keyfile is set; "
                    + "like flanneld, weft only speaks TLS when both are given", options.endpointsText());
        }
        return b.build();
    }

    private static io.netty.handler.ssl.SslContext sslContext(EtcdOptions o) {
        readable(o.certFile(), "--etcd-certfile");
        readable(o.keyFile(), "--etcd-keyfile");
        SslContextBuilder ssl = GrpcSslContexts.forClient().protocols("TLSv1.3", "TLSv1.2");
        if (o.caFile() != null) {
            readable(o.caFile(), "--etcd-cafile");
            ssl.trustManager(o.caFile().toFile());
        }
        ssl.keyManager(PemKeys.privateKey(o.keyFile(), "--etcd-keyfile"),
                PemKeys.certificates(o.certFile(), "--etcd-certfile"));
        try {
            return ssl.build();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use etcd client certificate " + o.certFile() + " with key "
                    + o.keyFile() + ": " + e.getMessage(), e);
        }
    }

    private static void readable(Path p, String flag) {
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(flag + " " + p + " does not exist or is not readable");
        }
    }
}
