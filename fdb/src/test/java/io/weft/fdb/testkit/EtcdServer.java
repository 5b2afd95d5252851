package io.weft.fdb.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-member etcd (Debian's {@code etcd-server}) for tests: free loopback client and peer ports, a
 * temporary data directory, optional TLS with client certificates. {@link #stop()} and {@link #start()} keep the
 * ports and data, so a test can take etcd away and bring it back. {@link #close()} always kills the process and
 * deletes the data; a JVM shutdown hook does the same if a test run is killed.
 */
public final class EtcdServer implements AutoCloseable {
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path etcd;
    private final Path etcdctl;
    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private final TestCerts certs;
    private final Thread shutdownHook;
    private Process process;

    private EtcdServer(boolean tls) throws IOException {
        this.etcd = SystemTests.requireBinary("etcd", "etcd-server");
        this.etcdctl = SystemTests.requireBinary("etcdctl", "etcd-client");
        this.dir = Files.createTempDirectory("weft-etcd-");
        this.clientPort = freePort();
        int peer = freePort();
        while (peer == clientPort) {
            peer = freePort();
        }
        this.peerPort = peer;
        this.certs = tls ? TestCerts.create(dir.resolve("pki")) : null;
        this.shutdownHook = new Thread(this::destroyQuietly, "etcd-test-server-reaper");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a plain-HTTP etcd and waits until it answers (or fails the test). */
    public static EtcdServer startPlain() throws IOException {
        EtcdServer s = new EtcdServer(false);
        s.start();
        return s;
    }

    /** Starts an etcd that speaks only TLS and demands a client certificate signed by {@link #certs()}' CA. */
    public static EtcdServer startTls() throws IOException {
        SystemTests.requireBinary("openssl", "openssl");
        EtcdServer s = new EtcdServer(true);
        s.start();
        return s;
    }

    public String clientUrl() {
        return (certs == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    /** The certificates of a TLS server (CA, client cert and key for clients), or null for a plain one. */
    public TestCerts certs() {
        return certs;
    }

    /** Starts (or restarts after {@link #stop()}) on the same ports and data directory; waits until healthy. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of(etcd.toString(),
                "--name", "weft-test",
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", clientUrl(),
                "--advertise-client-urls", clientUrl(),
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-cluster", "weft-test=http://127.0.0.1:" + peerPort,
                "--log-level", "warn"));
        if (certs != null) {
            cmd.addAll(List.of("--cert-file", certs.serverCert().toString(), "--key-file", certs.serverKey().toString(),
                    "--client-cert-auth", "--trusted-ca-file", certs.ca().toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + etcd, e);
        }
        awaitHealthy();
    }

    /** Kills etcd as a crash would (SIGKILL), keeping ports and data for {@link #start()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("etcd did not die within 10 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public synchronized void restart() {
        stop();
        start();
    }

    /** Runs etcdctl (v3 API) against this server with the given arguments; returns stdout, fails on a non-zero exit. */
    public String etcdctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(etcdctl.toString(), "--endpoints", clientUrl(), "--command-timeout=5s"));
        if (certs != null) {
            cmd.addAll(List.of("--cacert", certs.ca().toString(), "--cert", certs.clientCert().toString(),
                    "--key", certs.clientKey().toString()));
        }
        cmd.addAll(List.of(args));
        Result r = run(cmd, Duration.ofSeconds(15));
        if (r.exit != 0) {
            throw new IllegalStateException("etcdctl " + String.join(" ", args) + " exited " + r.exit + ": " + r.output);
        }
        return r.stdout;
    }

    /** The store's current revision (from the header of a read). */
    public long revision() {
        try {
            JsonNode n = JSON.readTree(etcdctl("get", "--write-out=json", "weft-test-revision-probe"));
            return n.path("header").path("revision").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compacts away every revision before the current one, as {@code etcdctl compact} does. */
    public long compact() {
        long rev = revision();
        etcdctl("compact", Long.toString(rev), "--physical");
        return rev;
    }

    /** The remaining TTL of an etcd lease in seconds (-1 when it no longer exists). */
    public long leaseTtl(long leaseId) {
        try {
            JsonNode n = JSON.readTree(etcdctl("lease", "timetolive", Long.toHexString(leaseId), "--write-out=json"));
            return n.path("ttl").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ids of all etcd leases that exist now. */
    public List<Long> leaseIds() {
        try {
            JsonNode n = JSON.readTree(etcdctl("lease", "list", "--write-out=json"));
            List<Long> ids = new ArrayList<>();
            for (JsonNode l : n.path("leases")) {
                ids.add(l.path("id").asLong());
            }
            return ids;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        destroyQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook runs anyway
        }
    }

    private synchronized void destroyQuietly() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        deleteTree(dir);
    }

    private void awaitHealthy() {
        long deadline = System.nanoTime() + HEALTHY_WITHIN.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + " at start-up: " + log());
            }
            List<String> cmd = new ArrayList<>(List.of(etcdctl.toString(), "--endpoints", clientUrl(),
                    "--command-timeout=2s", "endpoint", "health"));
            if (certs != null) {
                cmd.addAll(List.of("--cacert", certs.ca().toString(), "--cert", certs.clientCert().toString(),
                        "--key", certs.clientKey().toString()));
            }
            Result r = run(cmd, Duration.ofSeconds(5));
            if (r.exit == 0) {
                return;
            }
            last = r.output;
            sleep(100);
        }
        throw new IllegalStateException("etcd at " + clientUrl() + " not healthy within " + HEALTHY_WITHIN
                + ": " + last + "\netcd log: " + log());
    }

    public String log() {
        try {
            Path p = dir.resolve("etcd.log");
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    record Result(int exit, String stdout, String output) {
    }

    static Result run(List<String> cmd, Duration timeout) {
        try {
            Path out = Files.createTempFile("weft-cmd-", ".out");
            Path err = Files.createTempFile("weft-cmd-", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                    return new Result(-1, "", String.join(" ", cmd) + ": timed out after " + timeout);
                }
                String stdout = Files.readString(out, StandardCharsets.UTF_8);
                return new Result(p.exitValue(), stdout, stdout + Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd.get(0), e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is a temp directory
        }
    }
}
