package io.weft.dataplane.capture;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running capture: the {@link PacketTap} the workers call, and a writer thread that puts what they hand over into
 * the pcap file. Workers copy the bytes and queue them without waiting; when the writer falls behind, packets are
 * counted as dropped rather than slowing the data plane. Ends at the packet count, the deadline, or {@link #stop()}.
 */
public final class CaptureSession implements PacketTap {
    private static final int QUEUE = 8192;
    private static final int VXLAN_HEADER = 8;

    private record Captured(long epochMicros, byte[] frame) {
    }

    private final CaptureRequest request;
    private final int localAddress;
    private final long localHiV6;
    private final long localLoV6;
    private final int localPort;
    private final long deadlineNanos;
    private final BlockingQueue<Captured> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private final Runnable onFinish;
    private volatile boolean stopRequested;
    private volatile boolean finished;
    private volatile long written;
    private volatile String error;

    /**
     * @param localAddress our underlay address (the outer source of what we send), IPv4 as int
     * @param localPort    our VXLAN port
     * @param onFinish     run once the file is closed (the owner detaches the tap)
     */
    public CaptureSession(CaptureRequest request, int localAddress, int localPort, Runnable onFinish) throws IOException {
        this(request, localAddress, 0, 0, localPort, onFinish);
    }

    /** @param localHiV6 with {@code localLoV6}: our IPv6 underlay address (the outer source of what we send over IPv6) */
    public CaptureSession(CaptureRequest request, int localAddress, long localHiV6, long localLoV6, int localPort,
                          Runnable onFinish) throws IOException {
        this.request = request;
        this.localAddress = localAddress;
        this.localHiV6 = localHiV6;
        this.localLoV6 = localLoV6;
        this.localPort = localPort;
        this.onFinish = onFinish;
        this.deadlineNanos = System.nanoTime() + request.duration().toNanos();
        PcapFile file = new PcapFile(request.file(), PcapFile.LINKTYPE_ETHERNET);
        writer = new Thread(() -> writeUntilDone(file), "weft-capture");
        writer.setDaemon(true);
        writer.start();
    }

    public CaptureRequest request() {
        return request;
    }

    @Override
    public void onVxlan(int direction, ByteBuf buf, int index, int length, int remoteAddress, int remotePort) {
        long n = wanted(request.wantsV4(remoteAddress));
        if (n > 0) {
            byte[] frame = frame(buf, index, length, OuterFrame.HEADERS);
            if (!request.inner()) {
                OuterFrame.writeHeaders(frame, direction == OUTBOUND, localAddress, localPort, remoteAddress, remotePort, length);
            }
            queue(frame, n);
        }
    }

    /** The IPv6 underlay's datagrams: outer packets rebuilt as Ethernet + IPv6 + UDP (with its checksum) + VXLAN. */
    @Override
    public void onVxlanV6(int direction, ByteBuf buf, int index, int length, long remoteHi, long remoteLo, int remotePort) {
        long n = wanted(request.wantsV6(remoteHi, remoteLo));
        if (n > 0) {
            byte[] frame = frame(buf, index, length, OuterFrame.HEADERS_V6);
            if (!request.inner()) {
                // after the payload is in: the UDP checksum covers it
                OuterFrame.writeHeadersV6(frame, direction == OUTBOUND, localHiV6, localLoV6, localPort, remoteHi, remoteLo,
                        remotePort, length);
            }
            queue(frame, n);
        }
    }

    /** The packet's number if it is wanted ({@code peerWanted}, not stopped, within the count), else 0. */
    private long wanted(boolean peerWanted) {
        return stopRequested || !peerWanted ? 0 : counted();
    }

    /**
     * The bytes to write: with {@code --inner} the inner Ethernet frame after the VXLAN header (null if there is none),
     * else the datagram behind {@code headers} bytes of room for the outer headers.
     */
    private byte[] frame(ByteBuf buf, int index, int length, int headers) {
        if (request.inner()) {
            int innerLength = length - VXLAN_HEADER;
            if (innerLength <= 0) {
                return null;
            }
            byte[] frame = new byte[innerLength];
            buf.getBytes(index + VXLAN_HEADER, frame);
            return frame;
        }
        byte[] frame = new byte[headers + length];
        buf.getBytes(index, frame, headers, length);
        return frame;
    }

    /** Counts one more wanted packet: its number, or 0 (and the capture ends) past the count. */
    private long counted() {
        long n = accepted.incrementAndGet();
        if (request.count() > 0 && n > request.count()) {
            stopRequested = true;
            return 0;
        }
        return n;
    }

    /** Hands packet number {@code n} to the writer (or counts it dropped); the count's last one ends the capture. */
    private void queue(byte[] frame, long n) {
        if (frame == null) {
            return;
        }
        Instant now = Instant.now();
        if (!queue.offer(new Captured(now.getEpochSecond() * 1_000_000 + now.getNano() / 1000, frame))) {
            dropped.incrementAndGet();
        }
        if (n == request.count()) {
            stopRequested = true;
        }
    }

    private void writeUntilDone(PcapFile file) {
        try (file) {
            while (true) {
                Captured c = queue.poll(50, TimeUnit.MILLISECONDS);
                if (c != null) {
                    file.write(c.epochMicros(), c.frame(), c.frame().length);
                    written = file.records();
                    continue;
                }
                if (stopRequested || System.nanoTime() >= deadlineNanos) {
                    break;
                }
            }
            // whatever workers queued before they saw the stop
            Captured c;
            while ((c = queue.poll()) != null) {
                file.write(c.epochMicros(), c.frame(), c.frame().length);
            }
            written = file.records();
        } catch (IOException e) {
            error = "cannot write " + request.file() + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopRequested = true;
            finished = true;
            onFinish.run();
        }
    }

    /** Ends the capture early (Ctrl-C on {@code weft capture}). */
    public void stop() {
        stopRequested = true;
    }

    /** Waits (bounded) for the file to be closed. */
    public boolean awaitFinished(long millis) throws InterruptedException {
        writer.join(millis);
        return finished;
    }

    public boolean finished() {
        return finished;
    }

    public long written() {
        return written;
    }

    public long dropped() {
        return dropped.get();
    }

    /** Why the file could not be written, or null. */
    public String error() {
        return error;
    }
}
