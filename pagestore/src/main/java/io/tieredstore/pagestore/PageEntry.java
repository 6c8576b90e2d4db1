package io.tieredstore.pagestore;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One stored page: where its bytes live in the slab, and a reference count that keeps the slot from being
 * recycled while a reader copies out of it.
 *
 * <p>Thread safety: every method is safe to call concurrently; see {@link MemoryTier}'s design notes for
 * the protocol.
 */
final class PageEntry {
    /* ---------------------------------------------------------------------------------------------------
     * refs counts the holders of the slot: 1 for the index (the "owner" reference, taken at creation) plus
     * 1 per reader inside tryAcquire()..release(). It only moves 1 -> 2 -> ... -> 1 -> 0, and 0 is terminal:
     * tryAcquire() never increments from 0, so once the last holder's release() reaches 0 no one can read
     * the slot through this entry again, and exactly that releaser returns the slot to the slab.
     *
     * retired is 0 while the index holds the entry and 1 after retire(); the CAS makes the owner's release
     * happen at most once even if two removal paths were to report the same entry.
     * ------------------------------------------------------------------------------------------------- */

    private static final VarHandle REFS;
    private static final VarHandle RETIRED;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            REFS = lookup.findVarHandle(PageEntry.class, "refs", int.class);
            RETIRED = lookup.findVarHandle(PageEntry.class, "retired", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Slab slab;
    private final ByteBuffer arena;
    private final int slot;
    private final int offset;
    private final int length;

    @SuppressWarnings("UnusedVariable") // accessed through the REFS VarHandle
    private volatile int refs = 1;

    @SuppressWarnings("UnusedVariable") // accessed through the RETIRED VarHandle
    private volatile int retired;

    /** An entry for {@code length} bytes already copied into {@code slot}, held once (by the index). */
    PageEntry(Slab slab, int slot, int length) {
        this.slab = slab;
        this.arena = slab.arena(slot);
        this.slot = slot;
        this.offset = slab.offset(slot);
        this.length = length;
    }

    /** The page's length in bytes. */
    int length() {
        return length;
    }

    /** The slot holding the bytes. */
    int slot() {
        return slot;
    }

    /** Takes a reader's reference; false if the slot was already given back (the caller reports a miss). */
    boolean tryAcquire() {
        int current = (int) REFS.getVolatile(this);
        while (current > 0) {
            final int witness = (int) REFS.compareAndExchange(this, current, current + 1);
            if (witness == current) {
                return true;
            }
            current = witness;
        }
        return false;
    }

    /** Drops one reference; the holder that drops the last one frees the slot. */
    void release() {
        final int after = (int) REFS.getAndAdd(this, -1) - 1;
        if (after == 0) {
            slab.free(slot, length);
        } else if (after < 0) {
            throw new IllegalStateException("page entry released more often than acquired");
        }
    }

    /** Drops the index's reference, at most once; called when the entry leaves the index for any reason. */
    boolean retire() {
        if (RETIRED.compareAndSet(this, 0, 1)) {
            release();
            return true;
        }
        return false;
    }

    /** Whether a reader could still acquire this entry. */
    boolean isLive() {
        return (int) REFS.getVolatile(this) > 0;
    }

    /** Copies the remaining bytes of {@code page} (its position untouched) into the slot; before publication only. */
    void copyFrom(ByteBuffer page) {
        arena.put(offset, page, page.position(), page.remaining());
    }

    /** Copies {@code dst.remaining()} bytes from {@code offsetInPage}; the caller holds a reference. */
    void copyTo(int offsetInPage, ByteBuffer dst) {
        final int count = dst.remaining();
        final int position = dst.position();
        dst.put(position, arena, offset + offsetInPage, count);
        dst.position(position + count);
    }
}
