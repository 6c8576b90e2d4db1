package io.tieredstore.parquetlookup;

import static io.tieredstore.core.internal.Checks.requireArgument;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/*
 * Off-heap memory for decompressed pages, bounded by bytes, given out in blocks and taken back explicitly.
 *
 * Layout: direct ByteBuffer arenas reserved on demand, never more in total than the bound: as many of ARENA_BYTES as
 * fit, then one arena of the rest (rounded down to MIN_BLOCK). A block is a contiguous run of MIN_BLOCK units of
 * one arena: a page takes its size rounded up to 4 KiB, wherever it fits.
 *
 * Allocation is best fit over the free extents (runs of free units): the smallest extent that holds the request,
 * the lowest of equal ones; the block is cut from its start and the rest stays free. A freed block merges with the
 * free extents on either side, so free memory never splits into more pieces than the blocks between them. Pages of
 * one table are of similar sizes (writers cut pages at a byte target), so the holes evictions leave fit the pages
 * that follow. (A buddy system, tried first, rounded every block to a power of two and, even with its tails freed,
 * left the cache 63% full of its bound in the scale benchmark: aligned holes of the right order were too rare.)
 *
 * Bookkeeping, per arena: the free extents by start (TreeMap start -> length), the same by (length, start) for best
 * fit (a TreeSet of packed longs), and the blocks given out (TreeMap start -> length), so that free() refuses a block
 * it never gave out or one freed twice: a double free would let two pages share memory, i.e. serve wrong bytes. All
 * under the memory's monitor: blocks are taken only on a cache miss, which has just decompressed a page, so the
 * lock is never the cost that matters.
 *
 * Lifetime: JDK 17 cannot free a direct buffer eagerly without JVM flags, so arenas live as long as the cache and
 * return to the system when the garbage collector clears them after close(). Within that, the bound holds:
 * reserved() <= capacity at all times.
 */
final class PageMemory {
    /** The unit of allocation: 4 KiB. */
    static final int MIN_BLOCK = 4 << 10;

    /** The size of an arena, and so the largest block: 16 MiB. */
    static final int ARENA_BYTES = 16 << 20;

    /** A block of memory given out: {@code buffer} is exactly the block (position 0, limit = capacity = size). */
    static final class Block {
        final ByteBuffer buffer;
        private final Arena arena;
        private final int offset;
        private final int length;

        private Block(ByteBuffer buffer, Arena arena, int offset, int length) {
            this.buffer = buffer;
            this.arena = arena;
            this.offset = offset;
            this.length = length;
        }

        /** The block's size: the request rounded up to a multiple of {@link #MIN_BLOCK}. */
        int size() {
            return length;
        }
    }

    /** One direct buffer, cut into blocks. */
    private static final class Arena {
        final ByteBuffer memory;
        /** Free extents: start -> length. */
        final TreeMap<Integer, Integer> freeByStart = new TreeMap<>();
        /** The same extents as (length << 32 | start), for the smallest that fits. */
        final TreeSet<Long> freeBySize = new TreeSet<>();
        /** Blocks given out: start -> length. */
        final TreeMap<Integer, Integer> used = new TreeMap<>();

        Arena(int bytes) {
            this.memory = ByteBuffer.allocateDirect(bytes);
            addFree(0, bytes);
        }

        void addFree(int start, int length) {
            freeByStart.put(start, length);
            freeBySize.add(key(length, start));
        }

        void removeFree(int start, int length) {
            freeByStart.remove(start);
            freeBySize.remove(key(length, start));
        }

        static long key(int length, int start) {
            return ((long) length << 32) | start;
        }
    }

    private final long capacity;
    /** The arenas' sizes, largest first: reserved in this order, as blocks are wanted. */
    private final int[] plan;

    @GuardedBy("this")
    private final List<Arena> arenas = new ArrayList<>();

    @GuardedBy("this")
    private long inUse;

    @GuardedBy("this")
    private boolean closed;

    /** Memory of at most {@code capacity} bytes (at least one block). */
    PageMemory(long capacity) {
        requireArgument(capacity >= MIN_BLOCK, "capacity of %s bytes is under one block of %s", capacity, MIN_BLOCK);
        this.capacity = capacity;
        int whole = (int) Math.min(Integer.MAX_VALUE, capacity / ARENA_BYTES);
        int rest = (int) (capacity - (long) whole * ARENA_BYTES) / MIN_BLOCK * MIN_BLOCK;
        this.plan = new int[whole + (rest > 0 ? 1 : 0)];
        java.util.Arrays.fill(plan, 0, whole, ARENA_BYTES);
        if (rest > 0) {
            plan[whole] = rest;
        }
    }

    /** The largest request a block can hold. */
    int maxBlock() {
        return plan[0];
    }

    /** The bytes that can be reserved: the capacity in whole blocks. */
    long usable() {
        long sum = 0;
        for (int size : plan) {
            sum += size;
        }
        return sum;
    }

    /** The bound on the memory reserved. */
    long capacity() {
        return capacity;
    }

    /** Bytes of arenas reserved so far (never more than the capacity). */
    synchronized long reserved() {
        long sum = 0;
        for (Arena a : arenas) {
            sum += a.memory.capacity();
        }
        return sum;
    }

    /** Bytes of blocks given out and not yet freed. */
    synchronized long inUse() {
        return inUse;
    }

    /** The size of the block a request of {@code bytes} gets: rounded up to a multiple of {@link #MIN_BLOCK}. */
    static int blockSize(int bytes) {
        return (bytes + MIN_BLOCK - 1) / MIN_BLOCK * MIN_BLOCK;
    }

    /** A block of at least {@code bytes} bytes, or null if no free extent holds it and no arena can be reserved. */
    synchronized @Nullable Block allocate(int bytes) {
        requireArgument(bytes > 0, "a block of %s bytes", bytes);
        if (bytes > plan[0] || closed) {
            return null;
        }
        int length = blockSize(bytes);
        Arena best = null;
        long bestKey = Long.MAX_VALUE;
        for (Arena a : arenas) {
            Long fit = a.freeBySize.ceiling(Arena.key(length, 0));
            if (fit != null && fit < bestKey) {
                best = a;
                bestKey = fit;
            }
        }
        if (best == null) {
            while (arenas.size() < plan.length) { // the next arena of the plan, if it is large enough
                Arena fresh = new Arena(plan[arenas.size()]);
                arenas.add(fresh);
                if (plan[arenas.size() - 1] >= length) {
                    best = fresh;
                    bestKey = Arena.key(fresh.memory.capacity(), 0);
                    break;
                }
            }
            if (best == null) {
                return null;
            }
        }
        int start = (int) bestKey;
        int extent = (int) (bestKey >>> 32);
        best.removeFree(start, extent);
        if (extent > length) {
            best.addFree(start + length, extent - length);
        }
        best.used.put(start, length);
        inUse += length;
        ByteBuffer slice = best.memory.duplicate();
        slice.position(start).limit(start + length);
        return new Block(slice.slice(), best, start, length);
    }

    /** Returns {@code block}; throws if it was freed already or is not of this memory. */
    synchronized void free(Block block) {
        if (closed) {
            return; // the arenas are dropped: nothing is reused any more
        }
        Arena a = block.arena;
        Integer given = a.used.get(block.offset);
        if (!arenas.contains(a) || given == null || given != block.length) {
            throw new IllegalStateException("block at " + block.offset + " freed twice or not of this memory");
        }
        a.used.remove(block.offset);
        inUse -= block.length;
        int start = block.offset;
        int length = block.length;
        Map.Entry<Integer, Integer> before = a.freeByStart.floorEntry(start);
        if (before != null && before.getKey() + before.getValue() == start) {
            a.removeFree(before.getKey(), before.getValue());
            start = before.getKey();
            length += before.getValue();
        }
        Integer afterLength = a.freeByStart.get(start + length);
        if (afterLength != null) {
            a.removeFree(start + length, afterLength);
            length += afterLength;
        }
        a.addFree(start, length);
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
}
