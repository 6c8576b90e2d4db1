package io.tieredstore.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test tier: whole pages as heap copies in a concurrent map, unbounded. It can be told to throw on every
 * read or write, to show that a cache fault never reaches a caller. Shared with other modules' tests
 * through core's test jar.
 */
public final class MapTier implements Tier {
    private final String name;
    private final ConcurrentHashMap<PageKey, byte[]> pages = new ConcurrentHashMap<>();
    private volatile boolean failReads;
    private volatile boolean failWrites;

    /** An empty tier named {@code name}. */
    public MapTier(String name) {
        this.name = name;
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
    public int size() {
        return pages.size();
    }

    /** Drops every page. */
    public void clear() {
        pages.clear();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean read(PageKey key, int offsetInPage, ByteBuffer dst) {
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
    public boolean write(PageKey key, ByteBuffer page) {
        if (failWrites) {
            throw new UncheckedIOException(new IOException("test tier: write fault"));
        }
        byte[] copy = new byte[page.remaining()];
        page.get(copy);
        pages.put(key, copy);
        return true;
    }

    @Override
    public void invalidate(ObjectId id) {
        pages.keySet().removeIf(k -> k.id().equals(id));
    }

    @Override
    public long evictionCount() {
        return 0;
    }

    @Override
    public long usedBytes() {
        return pages.values().stream().mapToLong(p -> p.length).sum();
    }

    @Override
    public void close() {
        pages.clear();
    }
}
