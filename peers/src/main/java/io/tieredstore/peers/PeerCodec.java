package io.tieredstore.peers;

import com.google.protobuf.ByteString;
import io.tieredstore.peers.proto.PageRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The checksum of an answer (invariant 4): CRC32C over the request's identity, then every byte of the range.
 * The identity holds the origin, bucket, key, version, page and range, so bytes of another page, range or
 * version never verify, even when they are intact.
 */
final class PeerCodec {
    /** Most bytes in one answer chunk: 1 MiB (gRPC's default message limit is 4 MiB). */
    static final int MAX_CHUNK = 1 << 20;

    private PeerCodec() {}

    /** The checksum of {@code bytes} (their remaining bytes, position untouched) answering {@code r}. */
    static int crc(PageRequest r, ByteBuffer bytes) {
        CRC32C crc = identity(r);
        crc.update(bytes.duplicate());
        return (int) crc.getValue();
    }

    /** The checksum of the chunks' bytes, in order, answering {@code r}. */
    static int crc(PageRequest r, List<ByteString> chunks) {
        CRC32C crc = identity(r);
        for (ByteString chunk : chunks) {
            for (ByteBuffer b : chunk.asReadOnlyByteBufferList()) {
                crc.update(b);
            }
        }
        return (int) crc.getValue();
    }

    private static CRC32C identity(PageRequest r) {
        CRC32C crc = new CRC32C();
        for (String s : new String[] {r.getOrigin(), r.getBucket(), r.getKey(), r.getVersion()}) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            crc.update(ByteBuffer.allocate(Integer.BYTES).putInt(b.length).flip());
            crc.update(b);
        }
        crc.update(ByteBuffer.allocate(Long.BYTES * 2 + Integer.BYTES * 2)
                .putLong(r.getObjectLength())
                .putLong(r.getPageIndex())
                .putInt(r.getOffsetInPage())
                .putInt(r.getLength())
                .flip());
        return crc;
    }
}
