package io.tieredstore.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Streams a range of one object version through the store. A range that crosses a page boundary and whose
 * first page no tier holds is cold: it is read as one streamed origin request for its pages, which fill the
 * tiers as they pass (a {@link FillingStream}), so a cold sequential read costs one request. Otherwise the
 * range is read in chunks of pages through the tiers, until a chunk would start on a page no tier holds: the
 * rest from there is streamed so. The next {@value #READ_AHEAD} chunks are read ahead on the store's fetch
 * executor. Chunks start at one page and double up to maxPagesPerFetch, so the first byte
 * waits for one page only, and memory stays at {@value #READ_AHEAD} + 1 chunks at most. The first chunk (or
 * the cold stream's request) is read when the stream is created, so that what a reader of it could fail on
 * first (the object changed, the origin failed) is thrown there, before any byte is handed out; reading ahead
 * starts when the reader moves past that first chunk, so a reader that stays within the first page (a ranged
 * GET read in part) costs one page. Not thread-safe, as streams.
 */
final class PageInputStream extends InputStream {
    private final TieredStore store;
    private final ObjectVersion version;
    private final long end;
    private long position;
    private long nextChunkStart;
    private int chunkPages = 1;
    private ByteBuffer current = ByteBuffer.allocate(0);
    /** Chunks read ahead of the one being consumed. */
    static final int READ_AHEAD = 2;

    private final ArrayDeque<CompletableFuture<ByteBuffer>> ahead = new ArrayDeque<>();
    private boolean closed;
    /** The cold range's one streamed origin read, when the range was cold; null when reading through the tiers. */
    private @Nullable InputStream cold;

    PageInputStream(TieredStore store, ObjectVersion version, long offset, long length) {
        this.store = store;
        this.version = version;
        this.position = offset;
        this.nextChunkStart = offset;
        this.end = offset + length;
        if (length > 0 && coldFrom(offset)) {
            cold = store.streamPages(version, offset, end);
        } else if (length > 0) {
            // Eagerly, so that a failure of the first fill (the object changed) surfaces here. Read-ahead waits
            // until the reader moves past this chunk: a stream read only within its first page fetches no more.
            current = readChunk(takeChunkRange());
        }
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
        InputStream in = cold;
        if (in != null) {
            return in.read(b, off, len);
        }
        if (len == 0) {
            return 0;
        }
        if (!current.hasRemaining()) {
            if (position >= end) {
                return -1;
            }
            if (ahead.isEmpty() && coldFrom(position)) { // the rest is cold: one streamed request for it
                InputStream rest = store.streamPages(version, position, end);
                cold = rest;
                return rest.read(b, off, len);
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
        InputStream in = cold;
        if (in != null) {
            return in.skip(n);
        }
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
    public void close() throws IOException {
        closed = true;
        InputStream in = cold;
        cold = null;
        if (in != null) {
            in.close();
        }
        cancelAhead();
        current = ByteBuffer.allocate(0);
    }

    private ByteBuffer nextChunk() {
        CompletableFuture<ByteBuffer> f = ahead.poll();
        ByteBuffer chunk = f != null ? TieredStore.await(f) : readChunk(takeChunkRange());
        readAhead();
        return chunk;
    }

    /**
     * Whether the stream from {@code at} (a chunk's start) is cold: it crosses a page boundary and no tier holds
     * its first page.
     */
    private boolean coldFrom(long at) {
        long pageSize = store.pageSize();
        return at / pageSize != (end - 1) / pageSize && !store.holds(version, at / pageSize);
    }

    /**
     * Starts reading chunks ahead, up to {@value #READ_AHEAD} of them, but none from where the rest turns cold:
     * the reader streams that part when it gets there.
     */
    private void readAhead() {
        while (ahead.size() < READ_AHEAD && nextChunkStart < end && !coldFrom(nextChunkStart)) {
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
            } catch (RejectedExecutionException e) {
                next.complete(readChunk(range)); // no executor: read it now, in line
            }
            ahead.add(next);
        }
    }

    /**
     * Takes the next chunk's [start, end) and advances; chunks end on page boundaries, and before the first page
     * after their first that no tier holds.
     */
    private long[] takeChunkRange() {
        long start = nextChunkStart;
        long pageSize = store.pageSize();
        long stop = Math.min(end, (start / pageSize + chunkPages) * pageSize);
        for (long p = start / pageSize + 1; p * pageSize < stop; p++) {
            if (!store.holds(version, p)) {
                stop = p * pageSize; // the rest turns cold here: streamed when the reader gets there
                break;
            }
        }
        nextChunkStart = stop;
        chunkPages = Math.min(chunkPages * 2, store.maxPagesPerFetch());
        return new long[] {start, stop};
    }

    private ByteBuffer readChunk(long[] range) {
        ByteBuffer buf = ByteBuffer.allocate((int) (range[1] - range[0]));
        store.readFully(version, range[0], buf);
        return buf.flip();
    }

    private void cancelAhead() {
        for (CompletableFuture<ByteBuffer> f : ahead) {
            f.cancel(false);
        }
        ahead.clear();
    }
}
