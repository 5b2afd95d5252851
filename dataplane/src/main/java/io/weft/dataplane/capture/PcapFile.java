package io.weft.dataplane.capture;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A classic libpcap file (the format tcpdump -w writes and tshark/Wireshark read): a 24-byte global header, then
 * per packet a 16-byte record header and the bytes. Written big-endian; readers detect the order from the magic.
 */
public final class PcapFile implements AutoCloseable {
    public static final int MAGIC_MICROSECONDS = 0xa1b2c3d4;
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int SNAPLEN = 65535;

    private final DataOutputStream out;
    private long records;

    public PcapFile(Path path, int linkType) throws IOException {
        out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), 1 << 16));
        out.writeInt(MAGIC_MICROSECONDS);
        out.writeShort(2);
        out.writeShort(4);
        out.writeInt(0); // thiszone: timestamps are UTC
        out.writeInt(0); // sigfigs
        out.writeInt(SNAPLEN);
        out.writeInt(linkType);
    }

    /** Appends one packet captured at {@code epochMicros}. */
    public void write(long epochMicros, byte[] frame, int length) throws IOException {
        int captured = Math.min(length, SNAPLEN);
        out.writeInt((int) (epochMicros / 1_000_000));
        out.writeInt((int) (epochMicros % 1_000_000));
        out.writeInt(captured);
        out.writeInt(length);
        out.write(frame, 0, captured);
        records++;
    }

    public long records() {
        return records;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
