package io.weft.dataplane.capture;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The agent's one capture at a time, driven from the control socket: start installs the session as the data plane's
 * tap, and the tap is removed as soon as the session ends (so the data plane is back to zero cost).
 */
public final class Captures {
    private final Consumer<PacketTap> installTap;
    private final int localAddress;
    private final long localHiV6;
    private final long localLoV6;
    private final int localPort;
    private CaptureSession current;

    /**
     * @param installTap sets the data plane's tap (null removes it)
     */
    public Captures(Consumer<PacketTap> installTap, int localAddress, int localPort) {
        this(installTap, localAddress, 0, 0, localPort);
    }

    /** @param localHiV6 with {@code localLoV6}: our IPv6 underlay address, the outer source of what we send over IPv6 */
    public Captures(Consumer<PacketTap> installTap, int localAddress, long localHiV6, long localLoV6, int localPort) {
        this.installTap = installTap;
        this.localAddress = localAddress;
        this.localHiV6 = localHiV6;
        this.localLoV6 = localLoV6;
        this.localPort = localPort;
    }

    public synchronized Map<String, Object> start(CaptureRequest request) throws IOException {
        if (current != null && !current.finished()) {
            throw new IllegalStateException("a capture to " + current.request().file() + " is already running; wait for"
                    + " it or stop it (Ctrl-C on its 'weft capture')");
        }
        CaptureSession[] self = new CaptureSession[1];
        CaptureSession s = new CaptureSession(request, localAddress, localHiV6, localLoV6, localPort, () -> detach(self[0]));
        self[0] = s;
        current = s;
        installTap.accept(s);
        return status();
    }

    private synchronized void detach(CaptureSession s) {
        if (current == s) {
            installTap.accept(null);
        }
    }

    public synchronized Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (current == null) {
            m.put("running", false);
            return m;
        }
        m.put("file", current.request().file().toString());
        m.put("mode", current.request().inner() ? "inner" : "outer");
        m.put("running", !current.finished());
        m.put("packets", current.written());
        m.put("dropped", current.dropped());
        if (current.error() != null) {
            // not "error": that key means "the request failed" in the control protocol
            m.put("problem", current.error());
        }
        return m;
    }

    public Map<String, Object> stop() throws InterruptedException {
        CaptureSession s;
        synchronized (this) {
            s = current;
        }
        if (s != null) {
            s.stop();
            s.awaitFinished(5000);
        }
        return status();
    }

    /** Stops a running capture and closes its file (agent shutdown). */
    public void close() throws InterruptedException {
        stop();
    }
}
