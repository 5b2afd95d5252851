package io.weft.dataplane.agent;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --public-ip-from against a local HTTP server on loopback that plays ip.sb. */
class PublicAddressTest {
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int status = 200;
    private volatile String body = "203.0.113.7\n";
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            if (hang) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @Test
    void thePlainTextAnswerIsTheAddress() throws Exception {
        assertThat(PublicAddress.fetch(url(), Duration.ofSeconds(5), 1).getHostAddress()).isEqualTo("203.0.113.7");
    }

    @Test
    void anHtmlPageIsRefusedWithAHint() {
        body = "<html><body>Your IP is 203.0.113.7</body></html>";
        assertThatThrownBy(() -> PublicAddress.fetch(url(), Duration.ofSeconds(5), 1))
                .isInstanceOf(PublicAddress.Unavailable.class)
                .hasMessageContaining("is not an IP address").hasMessageContaining("ip.sb");
    }

    @Test
    void anIpv6AnswerIsRefusedNamingAnIpv4Service() {
        body = "2001:db8::7\n";
        assertThatThrownBy(() -> PublicAddress.fetch(url(), Duration.ofSeconds(5), 1))
                .hasMessageContaining("IPv6 address 2001:db8::7").hasMessageContaining("IPv4");
    }

    @Test
    void anHttpErrorIsRetriedThenReported() {
        status = 503;
        assertThatThrownBy(() -> PublicAddress.fetch(url(), Duration.ofSeconds(5), 2))
                .hasMessageContaining("HTTP 503").hasMessageContaining("2 attempts").hasMessageContaining("-public-ip");
        assertThat(requests.get()).isEqualTo(2);
    }

    @Test
    void aServerThatNeverAnswersIsBoundedByTheTimeout() {
        hang = true;
        assertThatThrownBy(() -> PublicAddress.fetch(url(), Duration.ofSeconds(1), 1))
                .hasMessageContaining("no answer within 1 s");
    }

    @Test
    void nobodyListeningIsReportedWithTheUrl() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String dead = "http://127.0.0.1:" + port + "/";
        assertThatThrownBy(() -> PublicAddress.fetch(dead, Duration.ofSeconds(2), 1))
                .hasMessageContaining(dead).hasMessageContaining("ConnectException");
    }

    @Test
    void notAnHttpUrlIsRefused() {
        assertThatThrownBy(() -> PublicAddress.fetch("ip.sb", Duration.ofSeconds(1), 1))
                .hasMessageContaining("must be an http:// or https:// URL");
    }
}
