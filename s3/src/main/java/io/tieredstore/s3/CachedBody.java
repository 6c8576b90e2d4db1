package io.tieredstore.s3;

import io.tieredstore.core.TieredStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The body of a GET served from the store: a stream of {@link TieredStore#newInputStream}, which read its first
 * chunk (up to the end of the first page) when it was created, so that a change of the object found there could
 * still restart the read. Not thread-safe, as streams.
 *
 * <p>It fails as the SDK's own body does: whatever goes wrong in a later fill (the object changed, S3 errors, the
 * SDK's retry signals) reaches the reader as an {@link IOException} from {@code read}, as a cut connection would;
 * the failure is kept so that the caching client can tell it from a transformer's own. After {@code close}, an
 * empty body reads as the end and any other fails, as the SDK's bodies do.
 */
final class CachedBody extends InputStream {
    private final InputStream in;
    private final boolean empty;
    private @Nullable RuntimeException failure;
    private boolean closed;

    /** A body over {@code in}, a store stream of {@code length} bytes. */
    CachedBody(InputStream in, long length) {
        this.in = in;
        this.empty = length == 0;
    }

    @Override
    public int read() throws IOException {
        if (empty) {
            return -1;
        }
        ensureOpen();
        try {
            return in.read();
        } catch (RuntimeException e) {
            throw failed(e);
        }
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
        try {
            return in.read(b, off, len);
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
        try {
            return in.skip(n);
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
        return in.available();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        in.close();
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

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("Attempted read on closed stream."); // the SDK's HTTP client's words
        }
    }
}
