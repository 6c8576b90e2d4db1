package io.tieredstore.s3;

import io.tieredstore.core.ObjectId;
import io.tieredstore.core.PageKey;
import io.tieredstore.core.Tier;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A test-only tier: whole pages as heap arrays in a concurrent map, unbounded. Can be told to throw on every
 * read or write, to show that a cache fault never reaches a caller.
 */
final class MapTier implements Tier {
    private final String name;
    private final ConcurrentHashMap<PageKey, byte[]> pages = new ConcurrentHashMap<>();
    final AtomicBoolean failReads = new AtomicBoolean();
    final AtomicBoolean failWrites = new AtomicBoolean();

    MapTier(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean read(PageKey key, int offsetInPage, ByteBuffer dst) {
        if (failReads.get()) {
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
        if (failWrites.get()) {
            throw new IllegalStateException("test tier: write fault");
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

    /** Pages held now. */
    int size() {
        return pages.size();
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
