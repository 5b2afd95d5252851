package io.weft.labkit.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.labkit.SystemTests;
import io.weft.labkit.netns.Netns;
import io.weft.labkit.process.Cmd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-member etcd (Debian's {@code etcd-server}) for tests: on free loopback client and peer ports, or
 * inside a lab namespace on an address of it; a temporary data directory, optional TLS with client certificates.
 * {@link #stop()} and {@link #start()} keep the ports and data, so a test can take etcd away and bring it back.
 * {@link #close()} always kills the process and deletes the data; a JVM shutdown hook does the same if a test run
 * is killed.
 */
public final class EtcdServer implements AutoCloseable {
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOOPBACK = "127.0.0.1";

    private final Path etcd;
    private final Path etcdctl;
    private final Path dir;
    /** The namespace it runs in, or null for this process's own. */
    private final Netns ns;
    private final String clientIp;
    private final int clientPort;
    private final int peerPort;
    private final TestCerts certs;
    private final Thread shutdownHook;
    private Process process;

    private EtcdServer(Netns ns, String clientIp, int clientPort, int peerPort, boolean tls) throws IOException {
        this.etcd = SystemTests.requireBinary("etcd", "etcd-server");
        this.etcdctl = SystemTests.requireBinary("etcdctl", "etcd-client");
        this.dir = Files.createTempDirectory("weft-etcd-");
        this.ns = ns;
        this.clientIp = clientIp;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.certs = tls ? TestCerts.create(dir.resolve("pki")) : null;
        this.shutdownHook = new Thread(this::destroyQuietly, "etcd-test-server-reaper");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a plain-HTTP etcd on loopback and waits until it answers (or fails the test). */
    public static EtcdServer startPlain() throws IOException {
        int client = freePort();
        return started(new EtcdServer(null, LOOPBACK, client, freePortBut(client), false));
    }

    /** Starts an etcd on loopback that speaks only TLS and demands a client certificate signed by {@link #certs()}' CA. */
    public static EtcdServer startTls() throws IOException {
        SystemTests.requireBinary("openssl", "openssl");
        int client = freePort();
        return started(new EtcdServer(null, LOOPBACK, client, freePortBut(client), true));
    }

    /** Starts a plain-HTTP etcd inside {@code ns}, for the lab's hosts at {@code http://<ip>:<port>}; its peer port is 2380 on the namespace's loopback. */
    public static EtcdServer startIn(Netns ns, String ip, int port) throws IOException {
        return started(new EtcdServer(ns, ip, port, 2380, false));
    }

    private static EtcdServer started(EtcdServer s) {
        try {
            s.start();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public String clientUrl() {
        return (certs == null ? "http" : "https") + "://" + clientIp + ":" + clientPort;
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
        ProcessBuilder pb = new ProcessBuilder(ns == null ? cmd : ns.wrap(cmd)).redirectErrorStream(true)
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
        Cmd.Result r = tryEtcdctl(args);
        if (!r.ok()) {
            throw new IllegalStateException("etcdctl " + String.join(" ", args) + " exited " + r.exitCode() + ": " + r.output());
        }
        return r.stdout();
    }

    /** Runs etcdctl (v3 API) against this server, in its namespace, and returns how it went. */
    public Cmd.Result tryEtcdctl(String... args) {
        return etcdctl(Duration.ofSeconds(5), args);
    }

    private Cmd.Result etcdctl(Duration commandTimeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of(etcdctl.toString(), "--endpoints", clientUrl(),
                "--command-timeout=" + commandTimeout.toSeconds() + "s"));
        if (certs != null) {
            cmd.addAll(List.of("--cacert", certs.ca().toString(), "--cert", certs.clientCert().toString(),
                    "--key", certs.clientKey().toString()));
        }
        cmd.addAll(List.of(args));
        return Cmd.run(commandTimeout.toSeconds() + 10, ns == null ? cmd : ns.wrap(cmd));
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
            Cmd.Result r = etcdctl(Duration.ofSeconds(2), "endpoint", "health");
            if (r.ok()) {
                return;
            }
            last = r.output();
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

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static int freePortBut(int taken) throws IOException {
        int p = freePort();
        while (p == taken) {
            p = freePort();
        }
        return p;
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
