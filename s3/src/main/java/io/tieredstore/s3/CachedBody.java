package io.tieredstore.s3;

import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The body of a GET served from the store: the first piece, already read (so that a change of the object
 * found there could still restart the read), then the rest streamed through
 * {@link TieredStore#newInputStream}, opened on first need. Not thread-safe, as streams.
 *
 * <p>It fails as the SDK's own body does: whatever goes wrong in a later fill (the object changed, S3
 * errors, the SDK's retry signals) reaches the reader as an {@link IOException} from {@code read}, as a cut
 * connection would; the failure is kept so that the caching client can tell it from a transformer's own.
 * After {@code close}, an empty body reads as the end and any other fails, as the SDK's bodies do.
 */
final class CachedBody extends InputStream {
    private final ByteBuffer first;
    private final TieredStore store;
    private final ObjectVersion version;
    private final long restOffset;
    private final long restLength;
    private final boolean empty;
    private @Nullable InputStream rest;
    private @Nullable RuntimeException failure;
    private boolean closed;

    CachedBody(ByteBuffer first, TieredStore store, ObjectVersion version, long restOffset, long restLength) {
        this.first = first;
        this.store = store;
        this.version = version;
        this.restOffset = restOffset;
        this.restLength = restLength;
        this.empty = !first.hasRemaining() && restLength == 0;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (empty) {
            return len == 0 ? 0 : -1;
        }
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        if (first.hasRemaining()) {
            int n = Math.min(len, first.remaining());
            first.get(b, off, n);
            return n;
        }
        try {
            return rest().read(b, off, len);
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        ensureOpen();
        if (n <= 0) {
            return 0;
        }
        int fromFirst = (int) Math.min(n, first.remaining());
        first.position(first.position() + fromFirst);
        if (n == fromFirst) {
            return fromFirst;
        }
        try {
            return fromFirst + rest().skip(n - fromFirst);
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    @Override
    public int available() throws IOException {
        if (empty) {
            return 0;
        }
        ensureOpen();
        InputStream r = rest;
        return first.hasRemaining() ? first.remaining() : r == null ? 0 : r.available();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        InputStream r = rest;
        rest = null;
        if (r != null) {
            r.close();
        }
    }

    /** What a later fill threw, if reading this body failed; null while it has not. */
    @Nullable
    RuntimeException failure() {
        return failure;
    }

    private IOException failed(RuntimeException e) {
        failure = e;
        return new IOException(e.getMessage(), e);
    }

    private InputStream rest() {
        InputStream r = rest;
        if (r == null) {
            r = restLength == 0 ? InputStream.nullInputStream() : store.newInputStream(version, restOffset, restLength);
            rest = r;
        }
        return r;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Attempted read on closed stream."); // the SDK's HTTP client's words
        }
    }
}
