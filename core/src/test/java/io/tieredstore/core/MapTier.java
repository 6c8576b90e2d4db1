package io.tieredstore.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A test tier: whole pages as heap copies in a map, unbounded or bounded by bytes (oldest page out first).
 * It can be told to throw on every read or write, to show that a cache fault never reaches a caller.
 * Shared with other modules' tests through core's test jar.
 */
public final class MapTier implements Tier {
    private final String name;
    private final long capacityBytes;
    private final OptionalInt pageSize;

    @GuardedBy("this")
    private final LinkedHashMap<PageKey, byte[]> pages = new LinkedHashMap<>();

    @GuardedBy("this")
    private long usedBytes;

    @GuardedBy("this")
    private long evictions;

    @GuardedBy("this")
    private boolean closed;

    private volatile boolean failReads;
    private volatile boolean failWrites;

    /** An empty, unbounded tier named {@code name} that holds pages of any size. */
    public MapTier(String name) {
        this.name = name;
        this.capacityBytes = Long.MAX_VALUE;
        this.pageSize = OptionalInt.empty();
    }

    /** An empty tier of at most {@code capacityBytes} of pages of up to {@code pageSize} bytes. */
    public MapTier(String name, long capacityBytes, int pageSize) {
        this.name = name;
        this.capacityBytes = capacityBytes;
        this.pageSize = OptionalInt.of(pageSize);
    }

    /** From now on every read throws IllegalStateException (or not). */
    public void failReads(boolean fail) {
        this.failReads = fail;
    }

    /** From now on every write throws UncheckedIOException (or not). */
    public void failWrites(boolean fail) {
        this.failWrites = fail;
    }

    /** Pages held now. */
    public synchronized int size() {
        return pages.size();
    }

    /** Drops every page. */
    public synchronized void clear() {
        pages.clear();
        usedBytes = 0;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public OptionalInt pageSize() {
        return pageSize;
    }

    @Override
    public synchronized boolean read(PageKey key, int offsetInPage, ByteBuffer dst) {
        if (failReads) {
            throw new IllegalStateException("test tier: read fault");
        }
        byte[] page = pages.get(key);
        if (page == null) {
            return false;
        }
        dst.put(page, offsetInPage, dst.remaining());
        return true;
    }

    @Override
    public synchronized WriteOutcome write(PageKey key, ByteBuffer page) {
        if (failWrites) {
            throw new UncheckedIOException(new IOException("test tier: write fault"));
        }
        int length = page.remaining();
        if (pageSize.isPresent() && length > pageSize.getAsInt()) {
            throw new IllegalArgumentException("page of " + length + " bytes exceeds the page size " + pageSize);
        }
        if (closed) {
            return WriteOutcome.CLOSED;
        }
        if (length > capacityBytes) {
            return WriteOutcome.DECLINED_FOR_SPACE;
        }
        byte[] copy = new byte[length];
        page.duplicate().get(copy);
        byte[] old = pages.put(key, copy);
        usedBytes += length - (old == null ? 0 : old.length);
        for (Iterator<Map.Entry<PageKey, byte[]>> it = pages.entrySet().iterator(); usedBytes > capacityBytes; ) {
            usedBytes -= it.next().getValue().length;
            it.remove();
            evictions++;
        }
        return WriteOutcome.STORED;
    }

    @Override
    public synchronized void invalidate(ObjectId id) {
        for (Iterator<Map.Entry<PageKey, byte[]>> it = pages.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<PageKey, byte[]> e = it.next();
            if (e.getKey().id().equals(id)) {
                usedBytes -= e.getValue().length;
                it.remove();
            }
        }
    }

    @Override
    public synchronized long evictionCount() {
        return evictions;
    }

    @Override
    public synchronized long usedBytes() {
        return usedBytes;
    }

    @Override
    public synchronized void close() {
        closed = true;
        clear();
    }
}
