package io.weft.vtep.offload;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.List;

import static io.weft.vtep.offload.SuperPackets.PREFIX;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TSO split (TUN to wire) and GRO merge (wire to TUN) under fuzzed shapes and bytes. Properties: splitting a valid
 * TCP super-packet and merging its segments gives back exactly that super-packet with its virtio_net_hdr; and any
 * bytes at all, offered to the merge (they come from the network) or to the split, never throw.
 */
class OffloadFuzzTest {

    @FuzzTest
    void splitThenMergeReturnsTheInput(FuzzedDataProvider data) {
        boolean v6 = data.consumeBoolean();
        int options = 4 * data.consumeInt(0, 10);
        int payload = data.consumeInt(2, 60_000);
        // At least two segments and at most GroBatch.MAX_SEGMENTS.
        int gsoSize = data.consumeInt((payload + GroBatch.MAX_SEGMENTS - 1) / GroBatch.MAX_SEGMENTS, payload - 1);
        int flags = data.consumeBoolean() ? SuperPackets.TCP_FLAG_ACK : SuperPackets.TCP_FLAG_ACK | SuperPackets.TCP_FLAG_PSH;
        long seq = data.consumeLong() & 0xFFFF_FFFFL;
        int id = data.consumeInt(0, 0xFFFF);
        ByteBuf in = SuperPackets.tcp(v6, payload, options, flags, seq, id, data.consumeLong());
        int length = in.writerIndex() - PREFIX;
        int gsoType = v6 ? VirtioNetHdr.GSO_TCPV6 : VirtioNetHdr.GSO_TCPV4;
        int header = TsoSplit.headerLength(in, PREFIX, length, gsoType);
        ByteBuf out = Unpooled.directBuffer(TsoSplit.outputLength(length, header, gsoSize, PREFIX));
        int n = TsoSplit.split(in, PREFIX, length, gsoType, gsoSize, PREFIX, out, 0);
        int stride = PREFIX + header + gsoSize;
        int total = TsoSplit.outputLength(length, header, gsoSize, PREFIX);
        assertThat(n).isEqualTo(TsoSplit.segmentCount(payload, gsoSize));

        List<ByteBuf> written = new ArrayList<>();
        GroBatch gro = new GroBatch(collect(written));
        for (int i = 0; i < n; i++) {
            int ip = i * stride + PREFIX;
            int segment = Math.min(stride, total - i * stride) - PREFIX;
            assertThat(SuperPackets.l4ChecksumOk(out, ip, segment)).as("segment %d checksum", i).isTrue();
            gro.offer(out, ip, segment);
        }
        gro.flush();

        ByteBuf expected = Unpooled.buffer();
        int ipHeader = v6 ? 40 : 20;
        VirtioNetHdr.write(expected, 0, VirtioNetHdr.F_NEEDS_CSUM, gsoType, header, gsoSize, ipHeader, 16);
        expected.writerIndex(VirtioNetHdr.LENGTH);
        expected.writeBytes(in, PREFIX, length);
        assertThat(written).containsExactly(expected);
        in.release();
        out.release();
    }

    @FuzzTest
    void anyBytesAreMergedOrSplitWithoutAnException(FuzzedDataProvider data) {
        int gsoType = data.pickValue(new int[] {VirtioNetHdr.GSO_TCPV4, VirtioNetHdr.GSO_TCPV6, VirtioNetHdr.GSO_UDP_L4});
        int gsoSize = data.consumeInt(1, 9000);
        byte[] packet = data.consumeRemainingAsBytes();
        ByteBuf in = Unpooled.directBuffer(PREFIX + packet.length, PREFIX + packet.length);
        in.writerIndex(PREFIX);
        in.writeBytes(packet);

        List<ByteBuf> written = new ArrayList<>();
        GroBatch gro = new GroBatch(collect(written));
        gro.offer(in, PREFIX, packet.length);
        gro.offer(in, PREFIX, packet.length);
        gro.flush();
        assertThat(written).isNotEmpty();

        int header = TsoSplit.headerLength(in, PREFIX, packet.length, gsoType);
        if (header > 0 && header < packet.length) {
            ByteBuf out = Unpooled.directBuffer(TsoSplit.outputLength(packet.length, header, gsoSize, PREFIX));
            int n = TsoSplit.split(in, PREFIX, packet.length, gsoType, gsoSize, PREFIX, out, 0);
            assertThat(n).isIn(TsoSplit.MALFORMED, TsoSplit.segmentCount(packet.length - header, gsoSize));
            out.release();
        }
        in.release();
    }

    private static GroSink collect(List<ByteBuf> written) {
        return (bufs, indexes, lengths, count) -> {
            ByteBuf packet = Unpooled.buffer();
            for (int i = 0; i < count; i++) {
                packet.writeBytes(bufs[i], indexes[i], lengths[i]);
            }
            written.add(packet);
        };
    }
}
