package io.tieredstore.pagestore;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Fixed-size slots carved out of direct-buffer arenas that are allocated on demand up to a hard budget.
 *
 * <p>Thread safety: every method is safe to call concurrently. One monitor guards the free stack, the
 * in-use bits and the arena list; it is a leaf lock (nothing else is called while holding it). The arenas
 * are only read or written through absolute bulk operations, which never touch a buffer's position, so
 * many threads may share one arena.
 */
final class Slab {
    /* ---------------------------------------------------------------------------------------------------
     * Layout: slot s lives in arena (s / slotsPerArena) at byte offset (s % slotsPerArena) * slotSize.
     *
     *   arena 0: | slot 0 | slot 1 | ... | slot k-1 |      k = slotsPerArena, every arena but the last
     *   arena 1: | slot k | ...                     |      the last arena holds only the remaining slots
     *
     * Budget: arenas are allocated lazily, and only while the slots created so far plus the new arena's
     * stay within maxSlots = floor(budget / slotSize). So reservedBytes() <= maxSlots * slotSize <= budget
     * at every instant. Arenas are never given back before close(); freed slots are reused instead.
     *
     * Free stack: an int[] of free slot numbers (no boxing, no garbage per operation). The in-use bits
     * catch a double free, which would let two pages share a slot: it is a bug, so it throws.
     * ------------------------------------------------------------------------------------------------- */

    /** Returned by {@link #allocate(int)} when no slot is free and the budget allows no new arena. */
    static final int NO_SLOT = -1;

    /** The size an arena aims for; large enough to be few, small enough to be reserved on demand. */
    static final int ARENA_TARGET_BYTES = 64 << 20;

    private final int slotSize;
    private final int maxSlots;
    private final int slotsPerArena;

    private ByteBuffer[] arenas = new ByteBuffer[0];
    private int[] freeStack = new int[0];
    private int freeCount;
    private int createdSlots;
    private final BitSet inUse = new BitSet();
    private long usedBytes;
    private boolean closed;

    /** A slab of at most {@code maxSlots} slots of {@code slotSize} bytes each. */
    Slab(int slotSize, int maxSlots) {
        if (slotSize <= 0 || maxSlots <= 0) {
            throw new IllegalArgumentException("slotSize and maxSlots must be positive: " + slotSize + ", " + maxSlots);
        }
        this.slotSize = slotSize;
        this.maxSlots = maxSlots;
        this.slotsPerArena = Math.max(1, Math.min(maxSlots, ARENA_TARGET_BYTES / slotSize));
    }

    /** The size of one slot in bytes. */
    int slotSize() {
        return slotSize;
    }

    /** The most slots this slab will ever create. */
    int maxSlots() {
        return maxSlots;
    }

    /**
     * Takes a free slot for a page of {@code length} bytes, creating an arena if the budget allows;
     * {@link #NO_SLOT} if none is free.
     */
    synchronized int allocate(int length) {
        if (closed) {
            return NO_SLOT;
        }
        if (freeCount == 0 && !grow()) {
            return NO_SLOT;
        }
        final int slot = freeStack[--freeCount];
        inUse.set(slot);
        usedBytes += length;
        return slot;
    }

    /** Returns {@code slot}, which held {@code length} bytes, to the free stack; the caller must be its only user. */
    synchronized void free(int slot, int length) {
        if (closed) {
            return;
        }
        if (slot < 0 || slot >= createdSlots || !inUse.get(slot)) {
            throw new IllegalStateException("slot " + slot + " is not allocated (double free?)");
        }
        inUse.clear(slot);
        usedBytes -= length;
        freeStack[freeCount++] = slot;
    }

    /** The arena holding {@code slot}; valid for as long as the caller keeps the reference, even after close. */
    synchronized ByteBuffer arena(int slot) {
        if (closed || slot < 0 || slot >= createdSlots) {
            throw new IllegalStateException("slot " + slot + " is not available");
        }
        return arenas[slot / slotsPerArena];
    }

    /** The byte offset of {@code slot} within its arena. */
    int offset(int slot) {
        return (slot % slotsPerArena) * slotSize;
    }

    /** Whether {@code slot} is currently handed out. */
    synchronized boolean isAllocated(int slot) {
        return inUse.get(slot);
    }

    /** The number of slots handed out and not yet freed. */
    synchronized int allocatedSlots() {
        return inUse.cardinality();
    }

    /** The page bytes held in allocated slots (a page shorter than a slot counts its own length). */
    synchronized long usedBytes() {
        return usedBytes;
    }

    /** The off-heap bytes reserved by the arenas so far; never more than {@code maxSlots * slotSize}. */
    synchronized long reservedBytes() {
        long bytes = 0;
        for (ByteBuffer arena : arenas) {
            bytes += arena.capacity();
        }
        return bytes;
    }

    /** Drops every arena; the native memory is released when the garbage collector clears the buffers. */
    synchronized void close() {
        closed = true;
        arenas = new ByteBuffer[0];
        freeStack = new int[0];
        freeCount = 0;
        usedBytes = 0;
        inUse.clear();
    }

    /** Adds one arena's slots to the free stack, if the budget allows; called with the lock held. */
    private boolean grow() {
        final int slots = Math.min(slotsPerArena, maxSlots - createdSlots);
        if (slots <= 0) {
            return false;
        }
        final ByteBuffer arena;
        try {
            arena = ByteBuffer.allocateDirect(slots * slotSize);
        } catch (OutOfMemoryError e) {
            // The JVM's direct-memory limit (-XX:MaxDirectMemorySize) is below our budget: decline instead
            // of failing the caller; the next write tries again.
            return false;
        }
        arenas = Arrays.copyOf(arenas, arenas.length + 1);
        arenas[arenas.length - 1] = arena;
        freeStack = Arrays.copyOf(freeStack, createdSlots + slots);
        // Push in reverse so the lowest slot number is handed out first.
        for (int i = slots - 1; i >= 0; i--) {
            freeStack[freeCount++] = createdSlots + i;
        }
        createdSlots += slots;
        return true;
    }
}
