package io.tieredstore.parquetlookup;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/*
 * The decompressed-page cache: page bodies, decompressed once, kept off the heap in PageMemory blocks and read in
 * place by PageRows views, so that a hot lookup neither decompresses nor decodes a page.
 *
 * Index: a Caffeine cache (W-TinyLFU) of PageRef -> Entry, bounded by weight = the entry's block size plus the
 * heap its view holds (a few tables; for an encoding read whole, its arrays, then with no block), under the same
 * bound as the memory. A page whose block cannot be had (the memory full of pages still read, or fragmented
 * after Caffeine evicted by weight) first makes the coldest idle entries go (those no call is reading: evicting one
 * being read frees nothing), then, if there is still none, is read from the heap for that call only and counted
 * as declined.
 *
 * Read safety (the protocol of the memory tier's slots): an Entry owns its block and a reference count that starts
 * at 1, its creator's. The index holds one more while the entry is in it: the creator retains before offering it
 * (putIfAbsent; if another call cached the page first, the creator drops that extra reference and reads its own).
 * A reader retains (CAS n -> n + 1, only if n > 0) before reading and releases after; leaving the index (eviction,
 * invalidation, close) releases the index's reference, through the removal listener, which runs on the calling
 * thread. Whoever moves the count to 0 frees the block; 0 is terminal. So a block is reused only after every
 * call that read it has released it, and a call that found an entry but lost the race to its removal fails to
 * retain and reads the page afresh: no view ever reads a block holding another page.
 */
final class PageCache {
    /** How many of the coldest entries are looked at for idle ones when a block cannot be had. */
    private static final int EVICT_SCAN = 32;

    /** One cached page: its view and the block the view reads, shared by reference count. */
    static final class Entry {
        /** The page's rows. */
        final PageRows rows;

        private final @Nullable PageMemory memory;
        private final PageMemory.@Nullable Block block;
        private final int weight;
        private final AtomicInteger refs = new AtomicInteger(1);

        private Entry(PageRows rows, @Nullable PageMemory memory, PageMemory.@Nullable Block block) {
            this.rows = rows;
            this.memory = memory;
            this.block = block;
            long heap = rows.heapBytes() + 64;
            this.weight = (int) Math.min(Integer.MAX_VALUE, heap + (block == null ? 0 : block.size()));
        }

        /** Takes a reference unless the entry is already freed. */
        boolean retain() {
            for (int n = refs.get(); n > 0; n = refs.get()) {
                if (refs.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether only the index holds it: evicting it frees its block at once. */
        boolean idle() {
            return refs.get() == 1;
        }

        /** Drops a reference; the last one frees the block. */
        void release() {
            int n = refs.decrementAndGet();
            if (n < 0) {
                throw new IllegalStateException("page released more often than retained");
            }
            if (n == 0 && block != null && memory != null) {
                memory.free(block);
            }
        }
    }

    private final @Nullable PageMemory memory;
    private final @Nullable Cache<Lookup.PageRef, Entry> index;
    private final LongAdder rows = new LongAdder();
    private final LongAdder heapBytes = new LongAdder();
    private final LongAdder declined = new LongAdder();
    private final LongAdder inUse = new LongAdder(); // references given to calls (acquire, fill), not yet released

    /** A cache of at most {@code maxBytes} (0: none; pages are then read from the heap, per call). */
    PageCache(long maxBytes) {
        if (maxBytes < PageMemory.MIN_BLOCK) {
            this.memory = null;
            this.index = null;
            return;
        }
        this.memory = new PageMemory(maxBytes);
        this.index = Caffeine.newBuilder()
                .maximumWeight(memory.usable())
                .weigher((Lookup.PageRef k, Entry e) -> e.weight)
                .executor(Runnable::run)
                .removalListener((Lookup.@Nullable PageRef k, @Nullable Entry e, RemovalCause c) -> {
                    if (e != null) {
                        removed(e);
                    }
                })
                .build();
    }

    /** The cached page {@code ref}, retained for the caller (who must release it), or null. */
    @Nullable
    Entry acquire(Lookup.PageRef ref) {
        Cache<Lookup.PageRef, Entry> c = index;
        if (c == null) {
            return null;
        }
        Entry e = c.getIfPresent(ref);
        if (e == null || !e.retain()) {
            return null;
        }
        inUse.increment();
        return e;
    }

    /** Drops the caller's reference to {@code e}, taken by {@link #acquire} or {@link #fill}. */
    void release(Entry e) {
        e.release();
        inUse.decrement();
    }

    /**
     * Decompresses {@code page} into a block (or, without one, the heap) and offers it to the cache; returns it
     * retained for the caller, who must release it.
     */
    Entry fill(Lookup.PageRef ref, RawPage page, PageDecoder.@Nullable Dict dict) {
        PageMemory m = memory;
        Cache<Lookup.PageRef, Entry> c = index;
        if (m == null || c == null) {
            return given(new Entry(page.rows(dict), null, null));
        }
        int need = Math.max(1, page.bodyBytes());
        PageMemory.Block block = need <= m.maxBlock() ? block(m, c, need) : null;
        if (block == null) {
            declined.increment();
            return given(new Entry(page.rows(dict), null, null));
        }
        PageRows view;
        try {
            view = page.rows(block.buffer, dict);
        } catch (RuntimeException e) {
            m.free(block);
            throw e;
        }
        if (view.offHeapBytes() == 0) { // read whole into arrays: the block holds nothing the view reads
            m.free(block);
            block = null;
        }
        Entry e = new Entry(view, block == null ? null : m, block);
        e.retain(); // the index's reference
        if (c.asMap().putIfAbsent(ref, e) == null) {
            rows.add(view.rows());
            heapBytes.add(view.heapBytes());
        } else {
            e.release(); // another call cached it first: this one stays the caller's alone
        }
        return given(e);
    }

    private Entry given(Entry e) {
        inUse.increment();
        return e;
    }

    /** Pages held. */
    long pages() {
        Cache<Lookup.PageRef, Entry> c = index;
        return c == null ? 0 : c.estimatedSize();
    }

    /** Rows of the pages held. */
    long rows() {
        return rows.sum();
    }

    /** Off-heap bytes of blocks given out (pages held, and pages evicted but still being read). */
    long offHeapBytes() {
        PageMemory m = memory;
        return m == null ? 0 : m.inUse();
    }

    /** Off-heap bytes reserved (never more than the bound). */
    long reservedBytes() {
        PageMemory m = memory;
        return m == null ? 0 : m.reserved();
    }

    /** Heap bytes of the views held (their tables, or their arrays). */
    long heapBytes() {
        return heapBytes.sum();
    }

    /** Pages read from the heap because no block could be had. */
    long declined() {
        return declined.sum();
    }

    /** A snapshot of what the cache holds. */
    LookupStats.PageCacheStats stats() {
        return new LookupStats.PageCacheStats(
                pages(), rows(), offHeapBytes(), reservedBytes(), heapBytes(), declined(), inUse.sum());
    }

    /** Drops every page; blocks still being read are freed when released. */
    void close() {
        Cache<Lookup.PageRef, Entry> c = index;
        if (c != null) {
            c.invalidateAll();
            c.cleanUp();
        }
        PageMemory m = memory;
        if (m != null) {
            m.close();
        }
    }

    /** A block of {@code need} bytes, evicting idle entries from the coldest if none is free, or null. */
    private static PageMemory.@Nullable Block block(PageMemory m, Cache<Lookup.PageRef, Entry> c, int need) {
        PageMemory.Block b = m.allocate(need);
        if (b != null) {
            return b;
        }
        Policy.Eviction<Lookup.PageRef, Entry> eviction =
                c.policy().eviction().orElseThrow(() -> new IllegalStateException("the page cache is bounded"));
        for (Map.Entry<Lookup.PageRef, Entry> cold :
                eviction.coldest(EVICT_SCAN).entrySet()) {
            if (cold.getValue().idle() && c.asMap().remove(cold.getKey(), cold.getValue())) {
                b = m.allocate(need);
                if (b != null) {
                    return b;
                }
            }
        }
        return null;
    }

    private void removed(Entry e) {
        rows.add(-e.rows.rows());
        heapBytes.add(-e.rows.heapBytes());
        e.release();
    }
}
