package io.tieredstore.core;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** A plain unbounded tier on a concurrent map of heap copies, for core's tests; can be told to fail. */
final class MapTier implements Tier {
    final ConcurrentHashMap<PageKey, byte[]> pages = new ConcurrentHashMap<>();
    final AtomicBoolean failReads = new AtomicBoolean();
    final AtomicBoolean failWrites = new AtomicBoolean();
    final AtomicInteger writes = new AtomicInteger();
    private final String name;

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
            throw new IllegalStateException("injected read fault");
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
            throw new java.io.UncheckedIOException(new java.io.IOException("injected write fault"));
        }
        byte[] copy = new byte[page.remaining()];
        page.get(copy);
        pages.put(key, copy);
        writes.incrementAndGet();
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
        return pages.values().stream().mapToLong(b -> b.length).sum();
    }

    @Override
    public void close() {}
}
