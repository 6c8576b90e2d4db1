package io.tieredstore.core;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.OptionalInt;

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
 * the caller. A tier that detects and absorbs faults itself (a checksum that does not match, a short
 * read) reports them by {@link #faultCounts()}, and the store's stats show them beside the thrown ones.
 */
public interface Tier extends AutoCloseable {
    /** What a {@link #write} did with the page. */
    enum WriteOutcome {
        /** The page is held and readable. */
        STORED,
        /** Not stored: the tier's admission policy preferred the pages it holds. */
        DECLINED_BY_ADMISSION,
        /** Not stored: no room (capacity, a full file system, a page too large for the tier's units). */
        DECLINED_FOR_SPACE,
        /** Not stored: the tier met a fault it counted itself (see {@link Tier#faultCounts()}). */
        FAILED,
        /** Not stored: the tier is disabled for a while after repeated faults. */
        DISABLED,
        /** Not stored: the tier is closed. */
        CLOSED;

        /** Whether the page is held. */
        public boolean stored() {
            return this == STORED;
        }
    }

    /** A short name for stats ("memory", "disk", ...); unique within a store. */
    String name();

    /**
     * The page size the tier was built for, which the store's page size must equal ({@link
     * TieredStore.Builder#build()} checks); empty if the tier holds pages of any size.
     */
    OptionalInt pageSize();

    /**
     * Copies {@code dst.remaining()} bytes of the page, starting at {@code offsetInPage}, into {@code dst}
     * (advancing its position) and returns true; returns false if the page is not held, leaving {@code dst}
     * untouched (content, position and limit). The store never asks for bytes past the page's end.
     */
    boolean read(PageKey key, int offsetInPage, ByteBuffer dst);

    /**
     * Offers a whole page (the remaining bytes of {@code page}, which the tier must not modify or keep) and
     * says what became of it. A tier may decline (admission policy, no space, disabled, closed).
     */
    WriteOutcome write(PageKey key, ByteBuffer page);

    /** Drops every page of every version of {@code id}; best effort, for space only. */
    void invalidate(ObjectId id);

    /** Pages this tier has evicted to make room, since it was created. */
    long evictionCount();

    /** Bytes of page data this tier holds now. */
    long usedBytes();

    /**
     * Faults the tier detected and turned into misses or declined writes itself, by cause (lower-case names,
     * such as {@code "checksum"}), since it was created; none by default.
     */
    default Map<String, Long> faultCounts() {
        return Map.of();
    }

    /** Releases the tier's resources; later calls may fail. */
    @Override
    void close();
}
