package io.weft.vtep;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the frames of a classic libpcap file (what {@code tcpdump -w} writes), Ethernet link type only. */
final class Pcap {
    private static final int GLOBAL_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    private static final int LINKTYPE_ETHERNET = 1;

    private Pcap() {
    }

    static List<byte[]> readResource(String name) {
        try (InputStream in = Pcap.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " is missing (made by scripts/lab/capture-golden)");
            }
            return read(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<byte[]> read(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file);
        int magic = b.getInt(0);
        if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1) {
            b.order(ByteOrder.LITTLE_ENDIAN);
        } else if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            throw new IllegalArgumentException("not a classic pcap file (magic " + Integer.toHexString(magic) + ")");
        }
        if (b.getInt(20) != LINKTYPE_ETHERNET) {
            throw new IllegalArgumentException("pcap link type " + b.getInt(20) + ", want 1 (Ethernet)");
        }
        List<byte[]> frames = new ArrayList<>();
        int at = GLOBAL_HEADER;
        while (at + RECORD_HEADER <= file.length) {
            int captured = b.getInt(at + 8);
            int original = b.getInt(at + 12);
            if (captured != original || at + RECORD_HEADER + captured > file.length) {
                throw new IllegalArgumentException("truncated pcap record at byte " + at);
            }
            frames.add(Arrays.copyOfRange(file, at + RECORD_HEADER, at + RECORD_HEADER + captured));
            at += RECORD_HEADER + captured;
        }
        return frames;
    }
}
