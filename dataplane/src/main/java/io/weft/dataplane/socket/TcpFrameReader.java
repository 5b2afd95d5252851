package io.weft.dataplane.socket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Cuts the byte stream of one TCP fallback connection back into the VXLAN frames the peer sent: each is a 2-byte
 * big-endian length and then exactly the bytes a UDP datagram would have carried (VXLAN header onward). Whatever
 * the stream's split into reads, the sink sees the same frames in the same order. A frame that lies whole in a read
 * goes to the sink where it lies, without a copy; only a frame split across reads is gathered in the reader's own
 * buffer (at most one frame: 64 KB). The sink's batch ends before that buffer is reused, as {@link DatagramSink}
 * requires. One reader per connection, used on the connection's event loop only.
 */
public final class TcpFrameReader {
    /** Bytes of the length in front of every frame. */
    public static final int LENGTH_BYTES = 2;
    /** The longest frame the length can say. */
    public static final int MAX_FRAME = 0xFFFF;

    private final ByteBuf partial;
    private final int sender;
    private final int senderPort;
    private long frames;

    /**
     * @param sender     the connection's remote IPv4 address (network order), passed to the sink as a datagram's sender
     * @param senderPort the connection's remote port
     */
    public TcpFrameReader(ByteBufAllocator alloc, int sender, int senderPort) {
        this.partial = alloc.directBuffer(LENGTH_BYTES + MAX_FRAME, LENGTH_BYTES + MAX_FRAME);
        this.sender = sender;
        this.senderPort = senderPort;
    }

    /** Frames handed to sinks so far. */
    public long frames() {
        return frames;
    }

    /** Takes the readable bytes of {@code in} (it is not released; its reader index ends at its writer index). */
    public void feed(ByteBuf in, DatagramSink sink) {
        if (partial.isReadable()) {
            if (!completePartial(in)) {
                return; // all of `in` went into the frame still being gathered
            }
            sink.datagram(partial, partial.readerIndex() + LENGTH_BYTES, partial.readableBytes() - LENGTH_BYTES, sender,
                    senderPort);
            frames++;
            sink.endOfBatch(); // before the buffer is cleared and reused
            partial.clear();
        }
        int at = in.readerIndex();
        int end = in.writerIndex();
        boolean any = false;
        while (end - at >= LENGTH_BYTES) {
            int length = in.getUnsignedShort(at);
            if (end - at - LENGTH_BYTES < length) {
                break;
            }
            sink.datagram(in, at + LENGTH_BYTES, length, sender, senderPort);
            frames++;
            any = true;
            at += LENGTH_BYTES + length;
        }
        if (any) {
            sink.endOfBatch();
        }
        if (at < end) {
            partial.writeBytes(in, at, end - at);
        }
        in.readerIndex(end);
    }

    /** Moves bytes of {@code in} into the gathered frame; true if it is now whole. */
    private boolean completePartial(ByteBuf in) {
        if (partial.readableBytes() < LENGTH_BYTES) {
            int n = Math.min(LENGTH_BYTES - partial.readableBytes(), in.readableBytes());
            partial.writeBytes(in, n);
            if (partial.readableBytes() < LENGTH_BYTES) {
                return false;
            }
        }
        int missing = LENGTH_BYTES + partial.getUnsignedShort(partial.readerIndex()) - partial.readableBytes();
        int n = Math.min(missing, in.readableBytes());
        partial.writeBytes(in, n);
        return n == missing;
    }

    /** Gives the buffer back; the connection is closed. */
    public void release() {
        partial.release();
    }
}
