package io.tieredstore.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Streams a range of one object version through the store in chunks of pages, reading the next chunk
 * ahead on the store's fetch executor. Chunks start at one page and double up to maxPagesPerFetch, so the
 * first byte waits for one page only and memory stays at two chunks at most. Not thread-safe, as streams.
 */
final class PageInputStream extends InputStream {
    private final TieredStore store;
    private final ObjectVersion version;
    private final long end;
    private long position;
    private long nextChunkStart;
    private int chunkPages = 1;
    private ByteBuffer current = ByteBuffer.allocate(0);
    private @Nullable CompletableFuture<ByteBuffer> ahead;
    private boolean closed;

    PageInputStream(TieredStore store, ObjectVersion version, long offset, long length) {
        this.store = store;
        this.version = version;
        this.position = offset;
        this.nextChunkStart = offset;
        this.end = offset + length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        if (!current.hasRemaining()) {
            if (position >= end) {
                return -1;
            }
            current = nextChunk();
        }
        int n = Math.min(len, current.remaining());
        current.get(b, off, n);
        position += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        long skipped = Math.min(n, end - position);
        int inCurrent = (int) Math.min(skipped, current.remaining());
        current.position(current.position() + inCurrent);
        position += skipped;
        if (skipped > inCurrent) { // beyond the buffered chunk: drop read-ahead and restart there
            current = ByteBuffer.allocate(0);
            cancelAhead();
            nextChunkStart = position;
            chunkPages = 1;
        }
        return skipped;
    }

    @Override
    public int available() {
        return current.remaining();
    }

    @Override
    public void close() {
        closed = true;
        cancelAhead();
        current = ByteBuffer.allocate(0);
    }

    private ByteBuffer nextChunk() {
        CompletableFuture<ByteBuffer> f = ahead;
        ahead = null;
        ByteBuffer chunk = f != null ? TieredStore.await(f) : readChunk(takeChunkRange());
        if (nextChunkStart < end) {
            long[] range = takeChunkRange();
            CompletableFuture<ByteBuffer> next = new CompletableFuture<>();
            try {
                store.fetchExecutor().execute(() -> {
                    try {
                        next.complete(readChunk(range));
                    } catch (RuntimeException | Error e) {
                        next.completeExceptionally(e);
                    }
                });
                ahead = next;
            } catch (RejectedExecutionException e) {
                nextChunkStart = range[0]; // read it in line when it is needed
            }
        }
        return chunk;
    }

    /** Takes the next chunk's [start, end) and advances; chunks end on page boundaries. */
    private long[] takeChunkRange() {
        long start = nextChunkStart;
        long pageSize = store.pageSize();
        long stop = Math.min(end, (start / pageSize + chunkPages) * pageSize);
        nextChunkStart = stop;
        chunkPages = Math.min(chunkPages * 2, store.maxPagesPerFetch());
        return new long[] {start, stop};
    }

    private ByteBuffer readChunk(long[] range) {
        ByteBuffer buf = ByteBuffer.allocate((int) (range[1] - range[0]));
        while (buf.hasRemaining()) {
            store.read(version, range[0] + buf.position(), buf);
        }
        buf.flip();
        return buf;
    }

    private void cancelAhead() {
        CompletableFuture<ByteBuffer> f = ahead;
        if (f != null) {
            f.cancel(false);
            ahead = null;
        }
    }
}
