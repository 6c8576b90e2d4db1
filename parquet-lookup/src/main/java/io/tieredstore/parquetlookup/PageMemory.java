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
 * Layout: direct ByteBuffer arenas reserved on demand, never more in total than the bound: as many of ARENA_BYTES as
 * fit, then, for the rest, arenas of the largest power of two that fits, down to MIN_ARENA (so a bound of 44.8 MB is
 * 16 + 16 + 8 + 4 + 1 MiB; less than MIN_ARENA of it goes unused). Each arena is split by the buddy system: a
 * request is carved from the smallest free power-of-two block that holds it (halving larger ones as needed), and
 * the tail it does not use, beyond its length rounded up to MIN_BLOCK, is freed at once as the aligned
 * power-of-two pieces it is made of; so a page wastes less than MIN_BLOCK, not up to half its block. Freeing a
 * block frees its pieces the same way, each merged with its buddy (the block its offset differs from in exactly
 * the size bit) as long as that buddy is free too, so freed memory grows back into whole arenas.
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

    /** The smallest arena made of a bound's remainder: 1 MiB. */
    static final int MIN_ARENA = 1 << 20;

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

    /** One direct buffer split by the buddy system. */
    private static final class Arena {
        final ByteBuffer memory;
        /** Orders of block it has: its largest block is MIN_BLOCK << (orders - 1), the whole arena. */
        final int orders;
        /** free[k]: free blocks of MIN_BLOCK << k bytes, by index offset / size. */
        final BitSet[] free;
        /** Blocks given out, by their first unit of MIN_BLOCK bytes. */
        final BitSet used = new BitSet();

        Arena(int bytes) {
            this.memory = ByteBuffer.allocateDirect(bytes);
            this.orders = Integer.numberOfTrailingZeros(bytes / MIN_BLOCK) + 1;
            this.free = new BitSet[orders];
            for (int k = 0; k < orders; k++) {
                free[k] = new BitSet();
            }
            free[orders - 1].set(0);
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

    /** Memory of at most {@code capacity} bytes (at least one minimum block). */
    PageMemory(long capacity) {
        requireArgument(capacity >= MIN_BLOCK, "capacity of %s bytes is under one block of %s", capacity, MIN_BLOCK);
        this.capacity = capacity;
        List<Integer> sizes = new ArrayList<>();
        long left = capacity;
        while (left >= MIN_BLOCK) {
            int size = (int) Math.min(ARENA_BYTES, Long.highestOneBit(left));
            if (size < MIN_ARENA && !sizes.isEmpty()) {
                break; // a remainder under MIN_ARENA is not worth an arena
            }
            sizes.add(size);
            left -= size;
        }
        this.plan = sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The largest request a block can hold. */
    int maxBlock() {
        return plan[0];
    }

    /** The bytes that can be reserved: the capacity in the arenas of the plan. */
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

    /** The buddy order a request of {@code bytes} is carved from: the power of two that holds it. */
    private static int order(int bytes) {
        int pow = bytes <= MIN_BLOCK ? MIN_BLOCK : Integer.highestOneBit(bytes - 1) << 1;
        return Integer.numberOfTrailingZeros(pow / MIN_BLOCK);
    }

    /** A block of at least {@code bytes} bytes, or null if none is free and no arena can be reserved. */
    synchronized @Nullable Block allocate(int bytes) {
        requireArgument(bytes > 0, "a block of %s bytes", bytes);
        if (bytes > plan[0] || closed) {
            return null;
        }
        int order = order(bytes);
        int length = blockSize(bytes);
        for (Arena a : arenas) {
            Block b = order < a.orders ? take(a, order, length) : null;
            if (b != null) {
                return b;
            }
        }
        while (arenas.size() < plan.length) { // the next arenas of the plan, until one is large enough
            Arena fresh = new Arena(plan[arenas.size()]);
            arenas.add(fresh);
            if (order < fresh.orders) {
                return take(fresh, order, length);
            }
        }
        return null;
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
        inUse -= block.length;
        release(a, block.offset, block.offset + block.length);
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

    /**
     * A block of {@code length} bytes carved from one of order {@code order} from {@code a} (splitting a larger free
     * one), its unused tail freed at once, or null.
     */
    @GuardedBy("this")
    private @Nullable Block take(Arena a, int order, int length) {
        int k = order;
        while (k < a.orders && a.free[k].isEmpty()) {
            k++;
        }
        if (k == a.orders) {
            return null;
        }
        int index = a.free[k].nextSetBit(0);
        a.free[k].clear(index);
        int offset = index * (MIN_BLOCK << k);
        while (k > order) { // keep the lower half, free the upper
            k--;
            a.free[k].set((offset + (MIN_BLOCK << k)) / (MIN_BLOCK << k));
        }
        release(a, offset + length, offset + (MIN_BLOCK << order)); // the tail: at most half the block
        a.used.set(offset / MIN_BLOCK);
        inUse += length;
        ByteBuffer slice = a.memory.duplicate();
        slice.position(offset).limit(offset + length);
        return new Block(slice.slice(), a, offset, length);
    }

    /**
     * Frees {@code [from, to)} of {@code a} (multiples of MIN_BLOCK): as the largest aligned power-of-two pieces it is
     * made of, each merged with its buddy while that is free.
     */
    @GuardedBy("this")
    private void release(Arena a, int from, int to) {
        int at = from;
        while (at < to) {
            int k = Integer.numberOfTrailingZeros(at == 0 ? Integer.MIN_VALUE : at)
                    - Integer.numberOfTrailingZeros(MIN_BLOCK);
            k = Math.min(k, a.orders - 1);
            while ((MIN_BLOCK << k) > to - at) {
                k--;
            }
            int size = MIN_BLOCK << k;
            merge(a, at, k);
            at += size;
        }
    }

    /** Marks the block of order {@code k} at {@code offset} free, merged with its buddy as often as possible. */
    @GuardedBy("this")
    private void merge(Arena a, int offset, int k) {
        int o = offset;
        int order = k;
        while (order < a.orders - 1) {
            int size = MIN_BLOCK << order;
            int buddy = o ^ size;
            if (!a.free[order].get(buddy / size)) {
                break;
            }
            a.free[order].clear(buddy / size);
            o = Math.min(o, buddy);
            order++;
        }
        a.free[order].set(o / (MIN_BLOCK << order));
    }
}
