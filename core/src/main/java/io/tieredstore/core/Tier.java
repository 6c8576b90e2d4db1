package io.tieredstore.core;

import java.nio.ByteBuffer;

/**
 * One cache tier (memory, local disk, peers) holding whole pages by {@link PageKey}. The store composes
 * tiers fast over slow: a read asks each tier in order and fills the faster ones from the first that has
 * the page, or from the origin.
 *
 * <p>Thread safety: implementations must allow any number of concurrent calls of every method. A read must
 * never observe a page that is partly written, freed or reused for another page: it copies the bytes of
 * one complete page version or reports a miss.
 *
 * <p>Faults: a tier may throw any unchecked exception from {@link #read} or {@link #write} (corruption,
 * I/O error, full disk). The store counts it by tier and cause and treats it as a miss; it never reaches
 * the caller.
 */
public interface Tier extends AutoCloseable {
    /** A short name for stats ("memory", "disk", ...); unique within a store. */
    String name();

    /**
     * Copies {@code dst.remaining()} bytes of the page, starting at {@code offsetInPage}, into {@code dst}
     * (advancing its position) and returns true; returns false if the page is not held, with {@code dst}'s
     * content unspecified. The store never asks for bytes past the page's end.
     */
    boolean read(PageKey key, int offsetInPage, ByteBuffer dst);

    /**
     * Offers a whole page (the remaining bytes of {@code page}, which the tier must not modify or keep);
     * returns whether the tier stored it. A tier may decline (admission policy, no space).
     */
    boolean write(PageKey key, ByteBuffer page);

    /** Drops every page of every version of {@code id}; best effort, for space only. */
    void invalidate(ObjectId id);

    /** Pages this tier has evicted to make room, since it was created. */
    long evictionCount();

    /** Bytes of page data this tier holds now. */
    long usedBytes();

    /** Releases the tier's resources; later calls may fail. */
    @Override
    void close();
}
