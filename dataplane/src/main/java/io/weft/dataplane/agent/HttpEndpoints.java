package io.weft.dataplane.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * flanneld's {@code /healthz} (always 200 while the process serves) and {@code /readyz} (200 once rules and
 * subnet.env are in place, else 503) on {@code -healthz-ip:-healthz-port}, and Prometheus {@code /metrics} on
 * {@code --metrics-port}. When both ports are the same one server answers all three paths. Like flanneld's, the
 * server starts with the process, before the config is fetched, so {@code /healthz} answers while weft waits for etcd
 * or a valid config; {@code /metrics} answers 503 until {@link #publishMetrics} is called.
 */
public final class HttpEndpoints implements AutoCloseable {
    private final List<HttpServer> servers = new ArrayList<>();
    private volatile PrometheusRegistry registry;

    public HttpEndpoints(String ip, int healthzPort, int metricsPort, BooleanSupplier ready) throws IOException {
        HttpServer health = null;
        if (healthzPort > 0) {
            health = open(ip, healthzPort, "-healthz-port");
            health.createContext("/healthz", ex -> reply(ex, 200, "ok\n", "text/plain"));
            health.createContext("/readyz", ex -> {
                boolean ok = ready.getAsBoolean();
                reply(ex, ok ? 200 : 503, ok ? "ready\n" : "not ready\n", "text/plain");
            });
        }
        if (metricsPort > 0) {
            HttpServer metrics = metricsPort == healthzPort ? health : open(ip, metricsPort, "--metrics-port");
            PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
            metrics.createContext("/metrics", ex -> {
                PrometheusRegistry registry = this.registry;
                if (registry == null) {
                    reply(ex, 503, "weft is starting: no metrics yet\n", "text/plain");
                    return;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                writer.write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
                reply(ex, 200, out.toString(StandardCharsets.UTF_8), writer.getContentType());
            });
        }
        for (HttpServer s : servers) {
            s.start();
        }
    }

    /** Serves {@code registry} on /metrics from now on. */
    public void publishMetrics(PrometheusRegistry registry) {
        this.registry = registry;
    }

    private HttpServer open(String ip, int port, String flag) throws IOException {
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(ip, port), 16);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + ip + ":" + port + " (" + flag + "): " + e.getMessage()
                    + "; choose another port or stop what holds it", e);
        }
        s.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "weft-http-" + port);
            t.setDaemon(true);
            return t;
        }));
        servers.add(s);
        return s;
    }

    private static void reply(HttpExchange ex, int status, String body, String contentType) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        for (HttpServer s : servers) {
            s.stop(0);
            ((java.util.concurrent.ExecutorService) s.getExecutor()).shutdownNow();
        }
    }
}
