package io.tieredstore.parquetlookup;

import static io.tieredstore.core.internal.Checks.requireArgument;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.jspecify.annotations.Nullable;

/*
 * Off-heap memory for decompressed pages, bounded by bytes, given out in blocks and taken back explicitly.
 *
 * Layout: arenas of ARENA_BYTES (or, for a smaller bound, the largest power of two within it), direct
 * ByteBuffers reserved on demand while the reserved total stays within the bound, never more. Each arena is
 * split by the buddy system: a block is a power of two from MIN_BLOCK up to the arena, aligned to its own size;
 * a request gets the smallest block that holds it (so at most half of a block is slack, and the cache weighs a
 * page by its block, not its length), carved from the smallest free block, halving it as often as needed; a
 * freed block merges with its buddy (the block its offset differs from in exactly the size bit) as long as that
 * buddy is free too, so memory never fragments into pieces smaller than what was freed together.
 *
 * Bookkeeping: per arena, one BitSet of free blocks per order (bit = offset / block size) and one of blocks
 * given out (at the minimum order's granularity, bit = offset / MIN_BLOCK, set at a block's first unit), so that
 * free() can refuse a block it never gave out or one freed twice: a double free would let two pages share
 * memory, i.e. serve wrong bytes. All under the memory's monitor: blocks are taken only on a cache miss, which
 * has just decompressed a page, so the lock is never the cost that matters.
 *
 * Lifetime: JDK 17 cannot free a direct buffer eagerly without JVM flags, so arenas live as long as the cache
 * and return to the system when the garbage collector clears them after close(). Within that, the bound holds:
 * reserved() <= capacity at all times.
 */
final class PageMemory {
    /** The smallest block: 4 KiB. */
    static final int MIN_BLOCK = 4 << 10;

    /** The size of an arena, and so the largest block: 16 MiB. */
    static final int ARENA_BYTES = 16 << 20;

    /** A block of memory given out: {@code buffer} is exactly the block (position 0, limit = capacity = size). */
    static final class Block {
        final ByteBuffer buffer;
        private final Arena arena;
        private final int offset;
        private final int order;

        private Block(ByteBuffer buffer, Arena arena, int offset, int order) {
            this.buffer = buffer;
            this.arena = arena;
            this.offset = offset;
            this.order = order;
        }

        /** The block's size: a power of two. */
        int size() {
            return MIN_BLOCK << order;
        }
    }

    /** One direct buffer split by the buddy system. */
    private static final class Arena {
        final ByteBuffer memory;
        /** free[k]: free blocks of MIN_BLOCK << k bytes, by index offset / size. */
        final BitSet[] free;
        /** Blocks given out, by their first unit of MIN_BLOCK bytes. */
        final BitSet used = new BitSet();

        Arena(int bytes, int orders) {
            this.memory = ByteBuffer.allocateDirect(bytes);
            this.free = new BitSet[orders];
            for (int k = 0; k < orders; k++) {
                free[k] = new BitSet();
            }
            free[orders - 1].set(0);
        }
    }

    private final long capacity;
    private final int arenaBytes;
    private final int orders;

    @GuardedBy("this")
    private final List<Arena> arenas = new ArrayList<>();

    @GuardedBy("this")
    private long inUse;

    @GuardedBy("this")
    private boolean closed;

    /** Memory of at most {@code capacity} bytes (at least one minimum block). */
    PageMemory(long capacity) {
        requireArgument(capacity >= MIN_BLOCK, "capacity of %s bytes is under one block of %s", capacity, MIN_BLOCK);
        this.capacity = capacity;
        this.arenaBytes = (int) Math.min(ARENA_BYTES, Long.highestOneBit(capacity));
        this.orders = Integer.numberOfTrailingZeros(arenaBytes / MIN_BLOCK) + 1;
    }

    /** The largest request a block can hold. */
    int maxBlock() {
        return arenaBytes;
    }

    /** The bytes that can be reserved: the capacity in whole arenas. */
    long usable() {
        return capacity / arenaBytes * arenaBytes;
    }

    /** The bound on the memory reserved. */
    long capacity() {
        return capacity;
    }

    /** Bytes of arenas reserved so far (never more than the capacity). */
    synchronized long reserved() {
        return (long) arenas.size() * arenaBytes;
    }

    /** Bytes of blocks given out and not yet freed. */
    synchronized long inUse() {
        return inUse;
    }

    /** The size of the block a request of {@code bytes} gets. */
    static int blockSize(int bytes) {
        return bytes <= MIN_BLOCK ? MIN_BLOCK : Integer.highestOneBit(bytes - 1) << 1;
    }

    /** A block of at least {@code bytes} bytes, or null if none is free and no arena can be reserved. */
    synchronized @Nullable Block allocate(int bytes) {
        requireArgument(bytes > 0, "a block of %s bytes", bytes);
        if (bytes > arenaBytes || closed) {
            return null;
        }
        int order = Integer.numberOfTrailingZeros(blockSize(bytes) / MIN_BLOCK);
        for (Arena a : arenas) {
            Block b = take(a, order);
            if (b != null) {
                return b;
            }
        }
        if (reserved() + arenaBytes > capacity) {
            return null;
        }
        Arena fresh = new Arena(arenaBytes, orders);
        arenas.add(fresh);
        return take(fresh, order);
    }

    /** Returns {@code block}; throws if it was freed already or is not of this memory. */
    synchronized void free(Block block) {
        if (closed) {
            return; // the arenas are dropped: nothing is reused any more
        }
        Arena a = block.arena;
        int unit = block.offset / MIN_BLOCK;
        if (!arenas.contains(a) || !a.used.get(unit)) {
            throw new IllegalStateException("block at " + block.offset + " freed twice or not of this memory");
        }
        a.used.clear(unit);
        inUse -= block.size();
        int offset = block.offset;
        int k = block.order;
        while (k < orders - 1) {
            int size = MIN_BLOCK << k;
            int buddy = offset ^ size;
            if (!a.free[k].get(buddy / size)) {
                break;
            }
            a.free[k].clear(buddy / size);
            offset = Math.min(offset, buddy);
            k++;
        }
        a.free[k].set(offset / (MIN_BLOCK << k));
    }

    /**
     * Drops every arena: blocks given out stay readable (their buffers keep their arena), frees are ignored and
     * nothing is given out any more.
     */
    synchronized void close() {
        closed = true;
        arenas.clear();
        inUse = 0;
    }

    /** A block of order {@code order} from {@code a}, splitting a larger free one, or null. */
    @GuardedBy("this")
    private @Nullable Block take(Arena a, int order) {
        int k = order;
        while (k < orders && a.free[k].isEmpty()) {
            k++;
        }
        if (k == orders) {
            return null;
        }
        int index = a.free[k].nextSetBit(0);
        a.free[k].clear(index);
        int offset = index * (MIN_BLOCK << k);
        while (k > order) { // keep the lower half, free the upper
            k--;
            a.free[k].set((offset + (MIN_BLOCK << k)) / (MIN_BLOCK << k));
        }
        int size = MIN_BLOCK << order;
        a.used.set(offset / MIN_BLOCK);
        inUse += size;
        ByteBuffer slice = a.memory.duplicate();
        slice.position(offset).limit(offset + size);
        return new Block(slice.slice(), a, offset, order);
    }
}
