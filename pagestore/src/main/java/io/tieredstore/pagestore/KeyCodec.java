package io.tieredstore.pagestore;

import io.tieredstore.core.ObjectId;
import io.tieredstore.core.PageKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Encodes page keys for records and hashes them for the index. Layout (little-endian):
 *
 * <pre>
 *   object part:  int originLength, origin (UTF-8), int bucketLength, bucket, int keyLength, key
 *   page key:     object part, int versionLength, version (UTF-8), long page index
 * </pre>
 *
 * A tombstone's key is the object part alone, so both hash the same object part to the same value.
 * Hashes are seeded per opened store (the index is rebuilt from disk on every open), so nobody can craft
 * keys that collide in a given process; collisions are harmless anyway, since a read compares the key
 * bytes stored in the record.
 */
final class KeyCodec {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long K1 = 0x9E3779B97F4A7C15L;
    private static final long K2 = 0xC2B2AE3D27D4EB4FL;

    /** What {@link #objectPartLength} returns for bytes that do not start with an encoded object. */
    static final int MALFORMED = -1;

    private KeyCodec() {}

    static byte[] encode(PageKey key) {
        final byte[] origin = utf8(key.id().origin());
        final byte[] bucket = utf8(key.id().bucket());
        final byte[] object = utf8(key.id().key());
        final byte[] version = utf8(key.version());
        final ByteBuffer b = ByteBuffer.allocate(
                        16 + origin.length + bucket.length + object.length + version.length + Long.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        putObject(b, origin, bucket, object);
        b.putInt(version.length).put(version).putLong(key.index());
        return b.array();
    }

    static byte[] encode(ObjectId id) {
        final byte[] origin = utf8(id.origin());
        final byte[] bucket = utf8(id.bucket());
        final byte[] object = utf8(id.key());
        final ByteBuffer b = ByteBuffer.allocate(12 + origin.length + bucket.length + object.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        putObject(b, origin, bucket, object);
        return b.array();
    }

    /**
     * The length of the object part at the start of {@code bytes[offset, offset + length)}, or {@link
     * #MALFORMED}.
     */
    static int objectPartLength(ByteBuffer bytes, int offset, int length) {
        int at = 0;
        for (int field = 0; field < 3; field++) {
            if (at + Integer.BYTES > length) {
                return MALFORMED;
            }
            final int n = bytes.order(ByteOrder.LITTLE_ENDIAN).getInt(offset + at);
            if (n < 0 || n > length - at - Integer.BYTES) {
                return MALFORMED;
            }
            at += Integer.BYTES + n;
        }
        return at;
    }

    /** A seeded 64-bit hash of {@code bytes[offset, offset + length)}; never 0. */
    static long hash(byte[] bytes, int offset, int length, long seed) {
        long h = seed ^ (length * K1);
        int i = offset;
        final int end = offset + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            h = Long.rotateLeft(h ^ mix((long) LONGS.get(bytes, i)), 29) * K1;
        }
        long tail = 0;
        for (int shift = 0; i < end; i++, shift += 8) {
            tail |= (bytes[i] & 0xFFL) << shift;
        }
        h = fmix(h ^ mix(tail ^ K2));
        return h == 0 ? 1 : h;
    }

    /** The 32-bit object tag kept in the index for {@link LocalPageStore#invalidate}, from the object hash. */
    static int objectTag(long objectHash) {
        return (int) (objectHash ^ (objectHash >>> 32));
    }

    private static void putObject(ByteBuffer b, byte[] origin, byte[] bucket, byte[] object) {
        b.putInt(origin.length).put(origin);
        b.putInt(bucket.length).put(bucket);
        b.putInt(object.length).put(object);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long mix(long v) {
        return Long.rotateLeft(v * K2, 31) * K1;
    }

    private static long fmix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}
