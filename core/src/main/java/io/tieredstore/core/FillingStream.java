package io.tieredstore.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A reader's bytes {@code [from, to)} of one version, taken from a body streamed by the origin, while the
 * whole pages that pass are cut out and offered to the tiers: a cold sequential read is one origin request,
 * and the pages it crossed are cached when it ends. Not thread-safe, as streams.
 */
final class FillingStream extends InputStream {
    /*
     * Design notes.
     *
     * The body starts where the origin's answer starts (a page boundary when the store chose the range; a
     * suffix may start mid-page) and may run past `to` to the end of the last page, so that the page the
     * reader stops in is still cut whole when it is read to its end; bytes before `from` are read and dropped.
     * A page is cut only when the body passed its first byte: the piece of a page before the body's start is
     * never offered. Pages go to the tiers on the reader's thread as each completes: the chain copies them (a
     * memory copy of one page), so the array is reused.
     *
     * Failures: when the body fails or ends early (a reset, a truncation), the rest is asked for again with
     * the version (Origin.stream with If-Match), at most MAX_RESUMES times per stream; a version the origin no
     * longer has is ObjectChangedException, thrown from read() as it is, and so is every other failure once
     * the resumes are spent. The caller never gets a byte twice or out of place: the body's position is
     * tracked, not the reader's.
     */

    /** How many times a failed body is asked for again before the failure reaches the reader. */
    static final int MAX_RESUMES = 2;

    private final TieredStore store;
    private final TierChain chain;
    private final StoreCounters counters;
    private final int pageSize;
    private final ObjectVersion version;
    private final long bodyEnd;
    private final long from;
    private final long to;
    private InputStream body;
    private long position;
    private int resumes;
    private boolean closed;
    /** The page being cut and how much of it has passed; null between pages or before the first boundary. */
    private byte @Nullable [] page;

    private long pageIndex;
    private int pageFilled;
    private byte[] spare = new byte[0];

    /**
     * A stream of {@code [from, to)} out of {@code body}, the bytes {@code [bodyAt, bodyEnd)} of {@code version}
     * (with {@code bodyAt <= from <= to <= bodyEnd}).
     */
    FillingStream(
            TieredStore store,
            TierChain chain,
            ObjectVersion version,
            InputStream body,
            long bodyAt,
            long bodyEnd,
            long from,
            long to) {
        if (bodyAt > from || from > to || to > bodyEnd || bodyEnd > version.length()) {
            throw new IllegalArgumentException("range " + from + "-" + to + " outside body " + bodyAt + "-" + bodyEnd);
        }
        this.store = store;
        this.chain = chain;
        this.counters = chain.counters();
        this.pageSize = store.pageSize();
        this.version = version;
        this.body = Objects.requireNonNull(body, "body");
        this.position = bodyAt;
        this.bodyEnd = bodyEnd;
        this.from = from;
        this.to = to;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        if (position < from) {
            drop(from - position);
        }
        if (position >= to) {
            finishPage();
            return -1;
        }
        int n = pass(b, off, (int) Math.min(len, to - position));
        if (position == to) {
            finishPage();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        ensureOpen();
        long target = Math.min(to, Math.max(position, from) + Math.max(0, n));
        long before = Math.max(position, from);
        drop(target - position);
        return target - before;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            body.close();
        }
    }

    /** Reads and drops {@code n} bytes of the body (still cutting pages). */
    private void drop(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(n, 64 << 10)];
        for (long left = n; left > 0; ) {
            left -= pass(scratch, 0, (int) Math.min(left, scratch.length));
        }
    }

    /**
     * Reads the rest of the page the reader stopped in, if the body holds it, so that it is cut whole; best
     * effort: the reader has its bytes, so a failure here only loses that page.
     */
    private void finishPage() {
        byte[] p = page;
        if (p == null) {
            return;
        }
        long pageEnd = pageIndex * pageSize + p.length;
        if (pageEnd <= bodyEnd && pageEnd > position) {
            byte[] scratch = new byte[(int) (pageEnd - position)];
            try {
                for (int at = 0; at < scratch.length; ) {
                    at += pass(scratch, at, scratch.length - at);
                }
            } catch (IOException | RuntimeException e) {
                page = null; // not cut: a later read fetches it
            }
        }
    }

    /** Reads at least one and at most {@code len} bytes of the body into {@code b}, resuming a failed body. */
    private int pass(byte[] b, int off, int len) throws IOException {
        while (true) {
            int n;
            try {
                n = body.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                if (e instanceof ObjectChangedException) {
                    throw e;
                }
                resume(e);
                continue;
            }
            if (n > 0) {
                cut(b, off, n);
                position += n;
                counters.originBytes(n);
                return n;
            }
            if (n < 0) {
                resume(new IOException("the origin's body ended at " + position + " of " + bodyEnd));
            }
        }
    }

    /** Asks for the rest of the body again, or throws {@code failure} once the resumes are spent. */
    private void resume(Exception failure) throws IOException {
        if (resumes++ >= MAX_RESUMES) {
            if (failure instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) failure;
        }
        try {
            body.close();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        body = store.originStream(version, position, bodyEnd - position);
    }

    /** Copies the bytes at the body's position into the page being cut, offering each page it completes. */
    private void cut(byte[] b, int off, int n) {
        long at = position;
        int done = 0;
        while (done < n) {
            if (page == null) {
                if (at % pageSize != 0) {
                    long next = (at / pageSize + 1) * pageSize; // not a page's start: skip to the next one
                    int skip = (int) Math.min(n - done, next - at);
                    done += skip;
                    at += skip;
                    continue;
                }
                pageIndex = at / pageSize;
                int length = (int) Math.min(pageSize, version.length() - at);
                page = spare.length == length ? spare : new byte[length];
                pageFilled = 0;
            }
            byte[] p = page;
            int k = Math.min(n - done, p.length - pageFilled);
            System.arraycopy(b, off + done, p, pageFilled, k);
            pageFilled += k;
            done += k;
            at += k;
            if (pageFilled == p.length) {
                chain.fill(PageKey.of(version, pageIndex), ByteBuffer.wrap(p).asReadOnlyBuffer());
                spare = p;
                page = null;
            }
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
    }
}
