package io.tieredstore.pagestore;

import static io.tieredstore.core.internal.Checks.requireArgument;
import static io.tieredstore.core.internal.Checks.requireState;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.PageKey;
import io.tieredstore.core.Tier;
import io.tieredstore.core.TieredStore;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The memory tier: hot pages in off-heap slots, indexed by a Caffeine cache (W-TinyLFU admission and
 * eviction) under a hard byte budget. No page bytes live on the Java heap.
 *
 * <p>Reads after {@link #close()} return false and writes are declined (return false); nothing throws.
 */
public final class MemoryTier implements Tier {
    /*
     * Storage:
     * A Slab carves direct ByteBuffer arenas (about 64 MiB each, reserved on demand) into fixed slots of
     * pageSize bytes; a page of any length up to pageSize takes one slot. The slab never creates more
     * than floor(capacity / pageSize) slots, so the off-heap memory reserved never exceeds the capacity
     * (with no extra constant). The index, PageKey -> PageEntry, is on-heap: a Caffeine node, the key and
     * a 40-byte PageEntry per page.
     *
     * Budget and admission:
     * Caffeine weighs an entry by the bytes it reserves off-heap, i.e. one slot (pageSize bytes), with
     * maximumWeight = (slots - spare) * pageSize. Weighing by the page's own length would let Caffeine
     * keep more entries than there are slots; new pages would then find no slot and be declined for ever
     * while the cache believes it has room. The spare slots (slots / 16, clamped to [1, 16]) absorb what
     * the index does not count: pages being written (slot taken, not yet indexed) and pages removed from
     * the index while a reader still holds them (see below). usedBytes() reports the pages' own lengths.
     * A write that finds no free slot runs Caffeine's maintenance (cleanUp) once and retries; if there is
     * still none it declines. A write never waits for a reader.
     *
     * Read safety (the protocol):
     * Each PageEntry owns one slot and a reference count that starts at 1, the index's reference.
     *   read:   e = cache.getIfPresent(key); e.tryAcquire() (CAS refs n -> n + 1, only if n > 0);
     *           copy out of the slot; e.release() (refs - 1).
     *   remove: when the entry leaves the index (size eviction, invalidate, replacement by a newer write,
     *           close) exactly one party gets it (Caffeine's eviction listener runs inside the atomic
     *           removal; asMap().remove/put return the old value to one caller) and calls e.retire(),
     *           which drops the index's reference once (guarded by a CAS on a retired flag).
     *   free:   whoever moves refs from 1 to 0 returns the slot to the slab. 0 is terminal: tryAcquire
     *           never increments from 0, and PageEntry objects are never reused; a recycled slot always
     *           gets a new PageEntry.
     * Hence a slot is recycled only after every reader that acquired it has finished copying, and a reader
     * that found the entry in the index but lost the race to its removal fails tryAcquire and reports a
     * miss: it never copies bytes of a freed slot or of another page. Visibility: the writer fills the slot
     * before publishing the entry through the map (happens-before to any get); a reader's copy precedes its
     * release, which precedes the final decrement, the slab's monitor and the next writer's fill.
     * A double free would let two pages share a slot, so the slab checks an in-use bit and throws.
     *
     * Executor:
     * Caffeine's maintenance (eviction) and the eviction listener run on the executor given to the
     * builder; the default is the calling thread (Runnable::run), so a write that overfills the cache
     * evicts (and frees slots) before it returns, and tests are deterministic. An asynchronous executor is
     * safe too: a write short of slots runs cleanUp() itself.
     *
     * Invalidation is an O(n) scan of the index's keys (weakly consistent: a page written concurrently may
     * survive, which the SPI allows, since invalidation only frees space).
     *
     * Close drops every entry and the arenas. Without JVM flags JDK 17 cannot free a direct buffer
     * eagerly, so the native memory is returned when the garbage collector clears the arena buffers; a
     * reader still copying during close keeps its arena reachable and so can never touch freed memory.
     */

    /** The tier's name in stats. */
    static final String NAME = "memory";

    private final Cache<PageKey, PageEntry> cache;
    private final ConcurrentMap<PageKey, PageEntry> map;
    private final Slab slab;
    private final long capacity;
    private final LongAdder evictions = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();

    private MemoryTier(Builder builder) {
        this.capacity = builder.capacity;
        final int pageSize = builder.pageSize;
        final int slots = (int) (capacity / pageSize);
        this.slab = new Slab(pageSize, slots);
        final int spare = spareSlots(slots);
        this.cache = Caffeine.newBuilder()
                .maximumWeight((long) (slots - spare) * pageSize)
                .weigher((PageKey key, PageEntry entry) -> pageSize)
                .executor(builder.executor)
                .evictionListener(this::onEviction)
                .build();
        this.map = cache.asMap();
    }

    /** A builder for a memory tier. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns {@code "memory"}. */
    @Override
    public String name() {
        return NAME;
    }

    /** The slot size: pages of up to this many bytes. */
    @Override
    public OptionalInt pageSize() {
        return OptionalInt.of(slab.slotSize());
    }

    /** Copies part of the page into {@code dst} if it is held; on a miss {@code dst} is left untouched. */
    @Override
    public boolean read(PageKey key, int offsetInPage, ByteBuffer dst) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(dst, "dst");
        if (closed.get()) {
            return false;
        }
        final PageEntry entry = cache.getIfPresent(key);
        if (entry == null) {
            return false;
        }
        Objects.checkFromIndexSize(offsetInPage, dst.remaining(), entry.length());
        if (!entry.tryAcquire()) {
            return false; // evicted or invalidated after the lookup: its slot may already hold another page
        }
        try {
            entry.copyTo(offsetInPage, dst);
        } finally {
            entry.release();
        }
        return true;
    }

    /**
     * Copies the page into a free slot and indexes it; declined for space if no slot is free, by admission if
     * Caffeine's policy rejects it at once, closed after close. Throws {@link IllegalArgumentException} if the
     * page is larger than the page size.
     */
    @Override
    public WriteOutcome write(PageKey key, ByteBuffer page) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(page, "page");
        final int length = page.remaining();
        if (length > slab.slotSize()) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "page of %d bytes exceeds the page size %d", length, slab.slotSize()));
        }
        if (closed.get()) {
            return WriteOutcome.CLOSED;
        }
        int slot = slab.allocate(length);
        if (slot == Slab.NO_SLOT) {
            cache.cleanUp();
            slot = slab.allocate(length);
            if (slot == Slab.NO_SLOT) {
                return WriteOutcome.DECLINED_FOR_SPACE;
            }
        }
        final PageEntry entry;
        try {
            entry = new PageEntry(slab, slot, length);
            entry.copyFrom(page);
        } catch (RuntimeException e) {
            slab.free(slot, length);
            if (closed.get()) {
                return WriteOutcome.CLOSED; // closed between allocate and copy: the slab dropped its arenas
            }
            throw e;
        }
        final PageEntry previous = map.put(key, entry);
        if (previous != null) {
            previous.retire();
        }
        if (closed.get()) {
            if (map.remove(key, entry)) {
                entry.retire();
            }
            return WriteOutcome.CLOSED;
        }
        return cache.policy().getIfPresentQuietly(key) == entry
                ? WriteOutcome.STORED
                : WriteOutcome.DECLINED_BY_ADMISSION;
    }

    /** Drops every page of every version of {@code id}, by a scan of all keys held. */
    @Override
    public void invalidate(ObjectId id) {
        Objects.requireNonNull(id, "id");
        for (Map.Entry<PageKey, PageEntry> e : map.entrySet()) {
            if (e.getKey().id().equals(id) && map.remove(e.getKey(), e.getValue())) {
                e.getValue().retire();
            }
        }
    }

    /** Pages evicted by Caffeine's size policy (including new pages its admission rejected). */
    @Override
    public long evictionCount() {
        return evictions.sum();
    }

    /** The lengths of the pages held in slots, including pages removed but still being read. */
    @Override
    public long usedBytes() {
        return slab.usedBytes();
    }

    /** Drops every page and the off-heap arenas; later reads return false and writes are declined. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (PageKey key : map.keySet()) {
            final PageEntry removed = map.remove(key);
            if (removed != null) {
                removed.retire();
            }
        }
        cache.cleanUp();
        slab.close();
    }

    /** A short description for logs. */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "MemoryTier{capacity=%d, pageSize=%d, used=%d, reserved=%d, evictions=%d}",
                capacity,
                slab.slotSize(),
                usedBytes(),
                slab.reservedBytes(),
                evictionCount());
    }

    /** The slab, for tests. */
    Slab slab() {
        return slab;
    }

    /** The entry for {@code key} without recording an access, for tests. */
    @Nullable
    PageEntry peek(PageKey key) {
        return cache.policy().getIfPresentQuietly(key);
    }

    /** Runs Caffeine's pending maintenance (eviction) now. */
    void cleanUp() {
        cache.cleanUp();
    }

    /** The number of pages indexed, after pending maintenance. */
    long indexedPages() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** The slots held back from the index for pages in flight; at least one, at most 16. */
    static int spareSlots(int slots) {
        return Math.max(1, Math.min(16, slots / 16));
    }

    private void onEviction(@Nullable PageKey key, @Nullable PageEntry entry, RemovalCause cause) {
        if (entry != null && entry.retire() && cause.wasEvicted()) {
            evictions.increment();
        }
    }

    /**
     * Configures a {@link MemoryTier}. Each setter may be called once; {@link #build()} checks the
     * combination and may be called again.
     */
    public static final class Builder {
        /** The page size if none is set: the store's default. */
        static final int DEFAULT_PAGE_SIZE = TieredStore.DEFAULT_PAGE_SIZE;

        /** The capacity if none is set: 256 MiB. */
        static final long DEFAULT_CAPACITY = 256L << 20;

        private static final long UNSET = -1;

        private long capacity = UNSET;
        private int pageSize = (int) UNSET;
        private Executor executor = Runnable::run;
        private boolean executorSet;

        private Builder() {}

        /** The most off-heap bytes the tier may reserve for pages (default 256 MiB). */
        @CanIgnoreReturnValue
        public Builder capacity(long bytes) {
            requireState(capacity == UNSET, "capacity was already set to %s", capacity);
            requireArgument(bytes > 0, "capacity must be positive: %s", bytes);
            this.capacity = bytes;
            return this;
        }

        /** The largest page the tier accepts, in bytes; one page takes one slot of this size (default 1 MiB). */
        @CanIgnoreReturnValue
        public Builder pageSize(int maxPageBytes) {
            requireState(pageSize == UNSET, "page size was already set to %s", pageSize);
            requireArgument(maxPageBytes > 0, "page size must be positive: %s", maxPageBytes);
            this.pageSize = maxPageBytes;
            return this;
        }

        /** Runs Caffeine's maintenance and eviction listener (default: the calling thread). */
        @CanIgnoreReturnValue
        public Builder executor(Executor executor) {
            requireState(!executorSet, "executor was already set to %s", this.executor);
            this.executor = Objects.requireNonNull(executor, "executor");
            this.executorSet = true;
            return this;
        }

        /** A new tier with this configuration; the builder is not changed and may build again. */
        public MemoryTier build() {
            final long bytes = capacity == UNSET ? DEFAULT_CAPACITY : capacity;
            final int page = pageSize == UNSET ? DEFAULT_PAGE_SIZE : pageSize;
            requireArgument(
                    bytes / page >= 2, "capacity (%s bytes) must hold at least two pages of %s bytes", bytes, page);
            requireArgument(
                    bytes / page <= Integer.MAX_VALUE - 8,
                    "capacity (%s bytes) holds too many pages of %s bytes; use larger pages",
                    bytes,
                    page);
            final Builder copy = new Builder();
            copy.capacity = bytes;
            copy.pageSize = page;
            copy.executor = executor;
            return new MemoryTier(copy);
        }
    }
}
