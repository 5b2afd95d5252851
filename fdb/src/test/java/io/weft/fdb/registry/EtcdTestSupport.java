package io.weft.fdb.registry;

import io.weft.fdb.BackendData;
import io.weft.fdb.Subnet;
import io.weft.labkit.etcd.EtcdServer;
import io.weft.vtep.MacAddress;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Helpers shared by the tests that run against a real etcd. */
final class EtcdTestSupport {
    static final String CONFIG = "{\"Network\":\"10.244.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
    /** Short timings so that a test sees retries and renewals within seconds. */
    static final RegistrySettings FAST = RegistrySettings.defaults()
            .withRetries(Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(1))
            .withRequestTimeout(Duration.ofSeconds(3));
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private EtcdTestSupport() {
    }

    /** A prefix no other test uses, so tests sharing one etcd never see each other's keys. */
    static String freshPrefix(String name) {
        return "/weft-test/" + name + "-" + PREFIXES.incrementAndGet() + "-" + System.nanoTime();
    }

    static LeaseRegistry registry(EtcdServer etcd, String prefix, RegistrySettings settings) {
        return LeaseRegistry.connect(EtcdOptions.defaults().withEndpoints(etcd.clientUrl()).withPrefix(prefix), settings);
    }

    static AcquireRequest request(String publicIp, String mac) {
        return new AcquireRequest((Inet4Address) Subnet.parseAddress(publicIp), null,
                new BackendData(1, MacAddress.parse(mac)), null, null, null);
    }

    /** Polls {@code condition} every 50 ms until it holds or {@code within} passes; then fails naming {@code what}. */
    static void await(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + within.toSeconds() + " s waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Checks that {@code invariant} holds at every poll for {@code period} (bounded, 50 ms apart). */
    static void holdsFor(String what, Duration period, BooleanSupplier invariant) throws InterruptedException {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            if (!invariant.getAsBoolean()) {
                throw new AssertionError("no longer true: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Captures what slf4j-simple prints (it writes to the current System.err) while open. */
    static final class StderrCapture implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        StderrCapture() {
            System.setErr(new PrintStream(new TeeStream(bytes, original), true, StandardCharsets.UTF_8));
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }

    private static final class TeeStream extends java.io.OutputStream {
        private final ByteArrayOutputStream copy;
        private final PrintStream out;

        TeeStream(ByteArrayOutputStream copy, PrintStream out) {
            this.copy = copy;
            this.out = out;
        }

        @Override
        public synchronized void write(int b) {
            copy.write(b);
            out.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            copy.write(b, off, len);
            out.write(b, off, len);
        }
    }
}
