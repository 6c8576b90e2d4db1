package io.tieredstore.core;

import java.nio.ByteBuffer;

/**
 * A tier of pages that other instances hold (peers), asked after every local tier and before the origin; added
 * with {@link TieredStore.Builder#peers}. The store reads it by object version, so that an instance asked for a
 * page it does not hold can fill it from the origin with the version's length and tag.
 *
 * <p>The store never offers it fetched pages and never asks it to invalidate: each instance caches only what
 * it reads or is asked for. A hit is copied into the store's first local tier when {@link #keepsLocalCopies()}.
 *
 * <p>Faults: as for every {@link Tier}, a read that throws is a counted miss; a remote tier should turn its own
 * failures (deadlines, refused connections, bad checksums) into misses and count them itself.
 */
public interface RemoteTier extends Tier {
    /**
     * Copies {@code dst.remaining()} bytes of page {@code index} of {@code version}, from {@code offsetInPage},
     * into {@code dst} (advancing its position) and returns true, or returns false with {@code dst} untouched:
     * this instance owns the page, the owner failed or was too slow, or its bytes did not verify.
     */
    boolean read(ObjectVersion version, long index, int offsetInPage, ByteBuffer dst);

    /** Whether a read of this page would be sent to another instance now; asked quietly, without I/O. */
    boolean routesAway(ObjectVersion version, long index);

    /** Whether a hit is copied into the store's first local tier (the memory tier), so the next read is local. */
    boolean keepsLocalCopies();

    /**
     * Called once by the store built with this tier, after it is built: the tier starts serving the store's
     * pages to other instances, through {@link TieredStore#readFullyLocal}.
     */
    void attach(TieredStore store);

    /** A remote tier is read by version only: this form always misses. */
    @Override
    default boolean read(PageKey key, int offsetInPage, ByteBuffer dst) {
        return false;
    }

    /** Pages fetched by this instance are not pushed to their owners: always declined for space. */
    @Override
    default WriteOutcome write(PageKey key, ByteBuffer page) {
        return WriteOutcome.DECLINED_FOR_SPACE;
    }

    /** Other instances' pages are keyed by version and are left to their own eviction. */
    @Override
    default void invalidate(ObjectId id) {}
}
