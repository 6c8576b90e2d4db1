package io.tieredstore.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * An object opened for one read by {@link TieredStore#openRead}: its version, and the bytes that the origin
 * read which learned the version brought, if one was needed. Close it when no {@link #stream} was taken.
 * Not thread-safe.
 */
public final class OpenedRead implements AutoCloseable {
    private final TieredStore store;
    private final ObjectVersion version;
    /** The opening read's bytes, from {@code bufferedAt}, if it was read whole; taken by the first stream. */
    private @Nullable ByteBuffer buffered;

    private final long bufferedAt;
    /** The opening read's body, if it is streamed; taken by the first stream. */
    private @Nullable OriginRead streamed;

    private final int originRequests;

    private OpenedRead(
            TieredStore store,
            ObjectVersion version,
            @Nullable ByteBuffer buffered,
            long bufferedAt,
            @Nullable OriginRead streamed,
            int originRequests) {
        this.store = store;
        this.version = version;
        this.buffered = buffered;
        this.bufferedAt = bufferedAt;
        this.streamed = streamed;
        this.originRequests = originRequests;
    }

    /** A version opened with {@code originRequests} requests (0: fresh enough; 1: checked), no bytes. */
    static OpenedRead known(TieredStore store, ObjectVersion version, int originRequests) {
        return new OpenedRead(store, version, null, 0, null, originRequests);
    }

    /** A version learned by an origin read whose bytes, from {@code at}, are {@code bytes} (a shared read: 0). */
    static OpenedRead buffered(TieredStore store, ObjectVersion version, long at, ByteBuffer bytes, int requests) {
        return new OpenedRead(store, version, bytes, at, null, requests);
    }

    static OpenedRead streamed(TieredStore store, OriginRead read) {
        return new OpenedRead(store, read.version(), null, 0, read, 1);
    }

    /**
     * Origin requests that opening sent or joined: 0 when the version could be used unchecked, else 1 (a
     * check, or the read that learned the version). A stream may send more for bytes the opening did not
     * bring.
     */
    public int originRequests() {
        return originRequests;
    }

    /** The version opened: every byte of every stream of this read belongs to it. */
    public ObjectVersion version() {
        return version;
    }

    /**
     * A stream of {@code length} bytes from {@code offset} (clamped to the object's end): the opening read's
     * bytes where they hold the range, else the store's pages, as {@link TieredStore#newInputStream}.
     *
     * @throws ObjectChangedException if the origin no longer has the version and a page had to be fetched
     * @throws IndexOutOfBoundsException if {@code offset} or {@code length} is outside the object
     */
    public InputStream stream(long offset, long length) {
        if (offset < 0 || offset > version.length() || length < 0) {
            throw new IndexOutOfBoundsException(
                    "range " + offset + "+" + length + " outside [0, " + version.length() + "]");
        }
        long end = offset + Math.min(length, version.length() - offset);
        ByteBuffer bytes = buffered;
        OriginRead read = streamed;
        buffered = null;
        streamed = null;
        if (bytes != null && offset >= bufferedAt && end <= bufferedAt + bytes.remaining()) {
            return new BufferStream(bytes.slice(bytes.position() + (int) (offset - bufferedAt), (int) (end - offset)));
        }
        if (read != null && offset >= read.offset() && end <= read.offset() + read.length()) {
            return store.filling(read, offset, end);
        }
        closeQuietly(read);
        return store.newInputStream(version, offset, end - offset);
    }

    /** Releases the opening read's body if no stream took it. */
    @Override
    public void close() {
        buffered = null;
        OriginRead read = streamed;
        streamed = null;
        closeQuietly(read);
    }

    private static void closeQuietly(@Nullable OriginRead read) {
        if (read != null) {
            try {
                read.body().close();
            } catch (IOException | RuntimeException e) {
                // nothing of it is used: a body that fails to close loses no byte anyone reads
            }
        }
    }

    /** The bytes of a buffer as a stream. */
    private static final class BufferStream extends InputStream {
        private final ByteBuffer bytes;

        BufferStream(ByteBuffer bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return bytes.hasRemaining() ? bytes.get() & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (!bytes.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, bytes.remaining());
            bytes.get(b, off, n);
            return n;
        }

        @Override
        public long skip(long n) {
            int k = (int) Math.max(0, Math.min(n, bytes.remaining()));
            bytes.position(bytes.position() + k);
            return k;
        }

        @Override
        public int available() {
            return bytes.remaining();
        }
    }
}
