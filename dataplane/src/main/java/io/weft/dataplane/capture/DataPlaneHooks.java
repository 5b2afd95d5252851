package io.weft.dataplane.capture;

import io.weft.dataplane.probe.ProbeInjector;
import io.weft.dataplane.probe.ProbeReplies;

/**
 * The optional observers of the data plane, each null when off: the capture tap (called for every VXLAN datagram sent
 * or received while a capture runs) and the probe replies (consulted for ICMP packets addressed to our VTEP address
 * before they are written to the TUN). Workers read these volatile fields once per batch or packet; nothing else is
 * shared with them. {@link #injector()} is the way in for probes, set by the data plane that owns the workers.
 */
public final class DataPlaneHooks {
    private volatile PacketTap tap;
    private volatile ProbeReplies probeReplies;
    private volatile ProbeInjector injector = packet -> false;

    public PacketTap tap() {
        return tap;
    }

    public void setTap(PacketTap tap) {
        this.tap = tap;
    }

    public ProbeReplies probeReplies() {
        return probeReplies;
    }

    public void setProbeReplies(ProbeReplies replies) {
        this.probeReplies = replies;
    }

    /** Hands a probe to a worker's encap path; refuses (returns false) until a data plane has connected itself. */
    public ProbeInjector injector() {
        return new ProbeInjector() {
            @Override
            public boolean inject(byte[] packet) {
                return injector.inject(packet);
            }

            @Override
            public boolean injectVia(byte[] packet, java.net.InetSocketAddress via) {
                return injector.injectVia(packet, via);
            }

            @Override
            public boolean injectVia(byte[] packet, io.weft.fdb.path.PathCandidate via) {
                return injector.injectVia(packet, via);
            }
        };
    }

    public void setInjector(ProbeInjector injector) {
        this.injector = injector == null ? packet -> false : injector;
    }

    /** True once a data plane's workers read these hooks (before that, probes and captures cannot work). */
    public boolean connected() {
        return connected;
    }

    private volatile boolean connected;

    /** Called by the data plane whose workers read these hooks. */
    public void markConnected() {
        connected = true;
    }
}
