package io.tieredstore.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.FormatMethod;
import com.google.errorprone.annotations.FormatString;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A read-through cache of objects in pages, over a chain of tiers (fast over slow) and an {@link Origin}.
 *
 * <p>Use: {@link #open} an object to learn its current version (as the key's {@link ConsistencyPolicy}
 * allows), then {@link #read} ranges of that version or stream them with {@link #newInputStream}. Bytes
 * always belong to the version opened; if the origin no longer has it, a read fails with
 * {@link ObjectChangedException}.
 *
 * <p>Thread safety: all methods may be called by any number of threads.
 */
public final class TieredStore implements AutoCloseable {
    /*
     * Design notes.
     *
     * Read path: a range is split into page-aligned pieces. Each page is asked of the tiers in order; a hit in
     * a slower tier is copied up into the faster ones. Pages that no tier has are fetched from the origin,
     * each run of adjacent missing pages (up to maxPagesPerFetch) as one ranged read, the first run on the
     * caller's thread and the others on the fetch executor, in parallel. Fetched pages go into every tier.
     *
     * Miss coalescing (singleflight): `inflight` maps a page key to the future of the fetch that will bring
     * it. The first reader to miss a page registers the future and fetches; later readers of that page wait
     * on it (counted as coalesced misses). The owner removes the entry only after the page is written to
     * the tiers, so a reader that arrives later finds it either in flight or in a tier. A run handed to the
     * executor is claimed by whichever comes first, an executor thread or its owner: after its first run the
     * owner fetches every run not yet claimed before it waits. Fetch tasks never wait, so every wait is on a
     * fetch that is running, and waiting cannot deadlock, however busy the executor is.
     *
     * Versions: `versions` caches the last version seen per object and when it was checked. open() returns
     * it while the key's policy allows, else asks the origin (stat). Concurrent stats of one object are
     * shared, but under STRICT a caller only joins a stat that started after it did, so it never sees a
     * version older than its own call. invalidate() (after a write through our own client) bumps an epoch:
     * a stat that overlapped it does not store its answer, which may predate the write, and later opens do
     * not join it. Pages are keyed by version, so a stale version can only give that
     * version's own bytes; fills carry the version (If-Match), so mixing versions is impossible. A fill
     * that finds the version gone (ObjectChangedException) forgets it and the object's pages, so the next
     * open looks again even under IMMUTABLE instead of failing on the same dead version until eviction.
     *
     * Whose check: open(bucket, key, checkWith) sends the stat through the caller's origin (the same S3 with
     * the calling client's credentials), so a check also authorises that caller; stats in flight are shared
     * only between callers of the same origin. A failed stat forgets the version unless the origin calls the
     * failure unavailability (5xx, timeout): then, if the policy serves stale on origin errors, the version
     * last checked within the bound is returned and counted (staleServed).
     *
     * Faults: every tier call goes through readTier/writeTier, which turn any exception into a miss (or a
     * skipped write) and count it by tier and cause. Only origin exceptions reach callers, as thrown.
     */

    private static final int UNSET = -1;
    private static final long[] NO_PAGES = {};

    private final Origin origin;
    private final List<Tier> tiers;
    private final int pageSize;
    private final int maxPagesPerFetch;
    private final Executor fetchExecutor;
    private final @Nullable ExecutorService ownedExecutor;
    private final Ticker ticker;
    private final PrefixPolicies policies;
    private final Cache<ObjectId, Checked> versions;
    private final ConcurrentHashMap<PageKey, CompletableFuture<ByteBuffer>> inflight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<StatKey, StatCall> stats = new ConcurrentHashMap<>();
    private final StoreCounters counters;
    /** Counts invalidations; a version lookup that overlapped one does not remember its (maybe stale) result. */
    private final AtomicLong invalidations = new AtomicLong();

    private volatile boolean closed;

    /** A version and the ticker time its check started. */
    private record Checked(ObjectVersion version, long checkedAt) {}

    /** What a version lookup in flight is shared by: the object and the origin it goes through. */
    private record StatKey(ObjectId id, Origin via) {}

    /** A version lookup in flight and the ticker time it started. */
    private record StatCall(long startedAt, CompletableFuture<ObjectVersion> result) {}

    private TieredStore(Builder b, Origin origin) {
        this.origin = origin;
        this.tiers = List.copyOf(b.tiers);
        this.pageSize = b.pageSize == UNSET ? DEFAULT_PAGE_SIZE : b.pageSize;
        this.maxPagesPerFetch = b.maxPagesPerFetch == UNSET ? DEFAULT_MAX_PAGES_PER_FETCH : b.maxPagesPerFetch;
        this.ticker = b.ticker == null ? Ticker.system() : b.ticker;
        this.policies =
                new PrefixPolicies(b.policies, b.defaultPolicy == null ? ConsistencyPolicy.STRICT : b.defaultPolicy);
        long maxVersions = b.maxVersions == UNSET ? DEFAULT_MAX_VERSIONS : b.maxVersions;
        this.versions = Caffeine.newBuilder()
                .maximumSize(maxVersions)
                .executor(Runnable::run)
                .build();
        if (b.fetchExecutor != null) {
            this.fetchExecutor = b.fetchExecutor;
            this.ownedExecutor = null;
        } else {
            int threads = b.maxConcurrentFetches == UNSET ? DEFAULT_MAX_CONCURRENT_FETCHES : b.maxConcurrentFetches;
            ExecutorService pool = Executors.newFixedThreadPool(threads, new FetchThreads());
            this.fetchExecutor = pool;
            this.ownedExecutor = pool;
        }
        List<String> names = new ArrayList<>();
        for (Tier t : tiers) {
            names.add(t.name());
        }
        this.counters = new StoreCounters(names);
    }

    /** Default page size: 1 MiB. */
    public static final int DEFAULT_PAGE_SIZE = 1 << 20;

    /** Default cap on pages per origin fetch: 8 (8 MiB per ranged read with the default page size). */
    public static final int DEFAULT_MAX_PAGES_PER_FETCH = 8;

    /** Default number of fetch threads of the store's own executor. */
    public static final int DEFAULT_MAX_CONCURRENT_FETCHES = 16;

    /** Most bytes one origin fetch may return (page size times max pages per fetch): 1 GiB. */
    public static final long MAX_FETCH_BYTES = 1L << 30;

    /** Default number of object versions remembered. */
    public static final long DEFAULT_MAX_VERSIONS = 100_000;

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The page size in bytes. */
    public int pageSize() {
        return pageSize;
    }

    /** The id of the store's origin, part of every page key. */
    public String originId() {
        return origin.id();
    }

    /** The consistency policy that applies to {@code key} in {@code bucket} (longest matching prefix). */
    public ConsistencyPolicy policy(String bucket, String key) {
        return policies.forKey(bucket, key);
    }

    /**
     * The current version of an object, as its consistency policy allows: from memory while the last check
     * is fresh enough, else from the origin.
     */
    public ObjectVersion open(String bucket, String key) {
        return open(bucket, key, origin);
    }

    /**
     * As {@link #open(String, String)}, but a check at the origin goes out through {@code checkWith}, an
     * origin with this store's origin id (for S3: the same endpoint through the calling application's own
     * client and credentials), and never joins a check in flight through another origin.
     *
     * @throws IllegalArgumentException if {@code checkWith} has another origin id
     */
    public ObjectVersion open(String bucket, String key, Origin checkWith) {
        ensureOpen();
        if (!checkWith.id().equals(origin.id())) {
            throw new IllegalArgumentException(
                    "origin " + checkWith.id() + " is not this store's origin " + origin.id());
        }
        ObjectId id = new ObjectId(origin.id(), bucket, key);
        long start = ticker.read();
        ConsistencyPolicy policy = policies.forKey(bucket, key);
        Checked known = versions.getIfPresent(id);
        if (known != null && start - known.checkedAt() < policy.ttlNanos()) {
            return known.version();
        }
        try {
            return stat(id, checkWith, start, policy.checksEveryOpen());
        } catch (RuntimeException e) {
            long maxStale = policy.maxStaleNanos();
            if (maxStale > 0 && known != null && start - known.checkedAt() <= maxStale && checkWith.isUnavailable(e)) {
                counters.staleServed();
                return known.version();
            }
            throw e;
        }
    }

    /**
     * Looks the version up at the origin, or joins a lookup in flight through the same origin: any one if
     * not strict, else only one that started no earlier than this call, so a strict caller never sees a
     * version older than its call.
     */
    private ObjectVersion stat(ObjectId id, Origin via, long start, boolean strict) {
        StatKey statKey = new StatKey(id, via);
        StatCall mine = new StatCall(start, new CompletableFuture<>());
        StatCall running = stats.putIfAbsent(statKey, mine);
        if (running != null && (!strict || running.startedAt() - start >= 0)) {
            return await(running.result());
        }
        boolean shared = running == null;
        long epoch = invalidations.get();
        try {
            counters.originStat();
            ObjectVersion v = via.stat(id.bucket(), id.key());
            @Nullable Checked[] replaced = new @Nullable Checked[1];
            versions.asMap().compute(id, (k, old) -> {
                if (invalidations.get() != epoch) {
                    return old; // invalidated while we looked: our answer may predate the write
                }
                replaced[0] = old;
                return new Checked(v, start);
            });
            Checked previous = replaced[0];
            if (previous != null && !previous.version().equals(v)) {
                invalidateTiers(id); // the old version's pages are dead weight now
            }
            mine.result().complete(v);
            return v;
        } catch (RuntimeException | Error e) {
            if (!(e instanceof RuntimeException r && via.isUnavailable(r))) {
                versions.invalidate(id); // the origin answered: what we knew no longer holds
            }
            mine.result().completeExceptionally(e);
            throw e;
        } finally {
            if (shared) {
                stats.remove(statKey, mine);
            }
        }
    }

    /**
     * Reads bytes of {@code version} from {@code offset} into {@code dst}, as many as {@code dst} has room
     * for or the object has left, and returns the count (0 at the end of the object).
     *
     * @throws ObjectChangedException if the origin no longer has {@code version} and a page had to be fetched
     * @throws IndexOutOfBoundsException if {@code offset} is negative or past the end of the object
     */
    public int read(ObjectVersion version, long offset, ByteBuffer dst) {
        ensureOpen();
        if (offset < 0 || offset > version.length()) {
            throw new IndexOutOfBoundsException("offset " + offset + " outside [0, " + version.length() + "]");
        }
        int n = (int) Math.min(dst.remaining(), version.length() - offset);
        if (n == 0) {
            return 0;
        }
        int base = dst.position();
        long end = offset + n;
        long first = offset / pageSize;
        long last = (end - 1) / pageSize;
        long[] missing = NO_PAGES;
        int missingCount = 0;
        for (long p = first; p <= last; p++) {
            long pageStart = p * pageSize;
            int from = (int) (Math.max(offset, pageStart) - pageStart);
            int to = (int) (Math.min(end, pageStart + pageSize) - pageStart);
            ByteBuffer target = dst.slice(base + (int) (pageStart + from - offset), to - from);
            if (!readTiers(PageKey.of(version, p), pageLength(version, p), from, target)) {
                if (missingCount == missing.length) {
                    missing = Arrays.copyOf(missing, Math.max(4, missingCount * 2));
                }
                missing[missingCount++] = p;
            }
        }
        if (missingCount > 0) {
            fill(version, missing, missingCount, offset, end, dst, base);
        }
        dst.position(base + n);
        return n;
    }

    /**
     * A stream of {@code length} bytes of {@code version} from {@code offset} (clamped to the object's end).
     * It reads ahead one chunk of pages while the caller consumes the current one, starting with one page
     * so that the first bytes come as soon as the first page does; memory held is at most two chunks of
     * {@code maxPagesPerFetch} pages. The first chunk (up to the end of the first page) is read before this
     * returns.
     *
     * @throws ObjectChangedException if the origin no longer has {@code version} and the first page had to
     *     be fetched
     */
    public InputStream newInputStream(ObjectVersion version, long offset, long length) {
        ensureOpen();
        if (offset < 0 || offset > version.length() || length < 0) {
            throw new IndexOutOfBoundsException(
                    "range " + offset + "+" + length + " outside [0, " + version.length() + "]");
        }
        return new PageInputStream(this, version, offset, Math.min(length, version.length() - offset));
    }

    /** Forgets the version of an object and drops its pages from every tier (best effort). */
    public void invalidate(String bucket, String key) {
        ObjectId id = new ObjectId(origin.id(), bucket, key);
        invalidations.incrementAndGet();
        stats.keySet().removeIf(k -> k.id().equals(id)); // later opens must not join a lookup from before it
        versions.invalidate(id);
        invalidateTiers(id);
    }

    /** A snapshot of the counters. */
    public CacheStats stats() {
        return counters.snapshot(tiers);
    }

    /** Closes the store, its own fetch threads and its tiers. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
        for (Tier t : tiers) {
            t.close();
        }
    }

    /* --------------- Tiers --------------- */

    /** Reads one page's piece from the first tier that has it, copying it up to faster tiers. */
    private boolean readTiers(PageKey key, int pageLength, int from, ByteBuffer target) {
        for (int i = 0; i < tiers.size(); i++) {
            Tier tier = tiers.get(i);
            if (i == 0) {
                if (readTier(0, tier, key, from, target)) {
                    return true;
                }
                target.clear();
                continue;
            }
            ByteBuffer page = ByteBuffer.allocate(pageLength);
            if (readTier(i, tier, key, 0, page)) {
                page.clear();
                for (int j = 0; j < i; j++) {
                    writeTier(tiers.get(j), key, page.duplicate());
                }
                target.clear();
                target.put(0, page, from, target.remaining());
                return true;
            }
        }
        return false;
    }

    private boolean readTier(int index, Tier tier, PageKey key, int from, ByteBuffer dst) {
        boolean hit;
        try {
            hit = tier.read(key, from, dst);
        } catch (RuntimeException e) {
            counters.fault(tier.name(), e);
            hit = false;
        }
        counters.tierRead(index, hit);
        return hit;
    }

    private void writeTier(Tier tier, PageKey key, ByteBuffer page) {
        try {
            tier.write(key, page);
        } catch (RuntimeException e) {
            counters.fault(tier.name(), e);
        }
    }

    /** Forgets {@code version} if it is the one remembered for its object, and drops the object's pages. */
    private void forget(ObjectVersion version) {
        versions.asMap().computeIfPresent(version.id(), (k, c) -> c.version().equals(version) ? null : c);
        invalidateTiers(version.id());
    }

    private void invalidateTiers(ObjectId id) {
        for (Tier t : tiers) {
            try {
                t.invalidate(id);
            } catch (RuntimeException e) {
                counters.fault(t.name(), e);
            }
        }
    }

    /* --------------- Origin fills --------------- */

    /** A run of adjacent pages this reader fetches, with the futures other readers may wait on. */
    private record Run(long firstPage, List<CompletableFuture<ByteBuffer>> futures, AtomicBoolean claimed) {
        Run(long firstPage) {
            this(firstPage, new ArrayList<>(), new AtomicBoolean());
        }

        /** True for exactly one caller: the one that fetches this run. */
        boolean claim() {
            return claimed.compareAndSet(false, true);
        }
    }

    private void fill(
            ObjectVersion version, long[] missing, int count, long offset, long end, ByteBuffer dst, int base) {
        Map<Long, CompletableFuture<ByteBuffer>> waits = new HashMap<>();
        List<Run> runs = new ArrayList<>();
        Run current = null;
        for (int i = 0; i < count; i++) {
            long p = missing[i];
            CompletableFuture<ByteBuffer> mine = new CompletableFuture<>();
            CompletableFuture<ByteBuffer> theirs = inflight.putIfAbsent(PageKey.of(version, p), mine);
            if (theirs != null) {
                counters.coalesced();
                waits.put(p, theirs);
                continue;
            }
            waits.put(p, mine);
            if (current == null
                    || current.firstPage() + current.futures().size() != p
                    || current.futures().size() == maxPagesPerFetch) {
                current = new Run(p);
                runs.add(current);
            }
            current.futures().add(mine);
        }
        for (int r = 1; r < runs.size(); r++) {
            Run run = runs.get(r);
            try {
                fetchExecutor.execute(() -> {
                    if (run.claim()) {
                        fetch(version, run);
                    }
                });
            } catch (RejectedExecutionException e) {
                // fetched below, on this thread
            }
        }
        // Fetch every run no executor thread has started, so this reader never waits on a queued task: with
        // all executor threads busy (say, with streams' read-ahead reads waiting like this one), waiting on a
        // queued run could deadlock.
        for (Run run : runs) {
            if (run.claim()) {
                fetch(version, run);
            }
        }
        for (int i = 0; i < count; i++) {
            long p = missing[i];
            ByteBuffer page = await(Objects.requireNonNull(waits.get(p)));
            long pageStart = p * pageSize;
            int from = (int) (Math.max(offset, pageStart) - pageStart);
            int to = (int) (Math.min(end, pageStart + pageSize) - pageStart);
            dst.put(base + (int) (pageStart + from - offset), page, from, to - from);
        }
    }

    /** Fetches one run from the origin, completes its futures, fills the tiers. Never throws. */
    private void fetch(ObjectVersion version, Run run) {
        int pages = run.futures().size();
        long start = run.firstPage() * pageSize;
        int length = (int) (Math.min(version.length(), start + (long) pages * pageSize) - start);
        List<ByteBuffer> filled = new ArrayList<>(pages);
        try {
            counters.originFetch();
            ByteBuffer bytes = origin.fetch(version, start, length);
            if (bytes.remaining() != length) {
                throw new IllegalStateException(
                        "origin returned " + bytes.remaining() + " bytes for a range of " + length + " of " + version);
            }
            counters.originBytes(length);
            for (int i = 0; i < pages; i++) {
                long p = run.firstPage() + i;
                ByteBuffer page = bytes.slice(bytes.position() + i * pageSize, pageLength(version, p))
                        .asReadOnlyBuffer();
                filled.add(page);
                run.futures().get(i).complete(page);
            }
            for (int i = 0; i < pages; i++) {
                PageKey key = PageKey.of(version, run.firstPage() + i);
                for (Tier t : tiers) {
                    writeTier(t, key, filled.get(i).duplicate());
                }
            }
        } catch (RuntimeException | Error e) {
            if (e instanceof ObjectChangedException) {
                forget(version); // the origin no longer has it: later opens must look again
            }
            for (CompletableFuture<ByteBuffer> f : run.futures()) {
                f.completeExceptionally(e);
            }
        } finally {
            for (int i = 0; i < pages; i++) {
                inflight.remove(
                        PageKey.of(version, run.firstPage() + i), run.futures().get(i));
            }
        }
    }

    /* --------------- Helpers --------------- */

    int pageLength(ObjectVersion version, long page) {
        return (int) Math.min(pageSize, version.length() - page * pageSize);
    }

    int maxPagesPerFetch() {
        return maxPagesPerFetch;
    }

    Executor fetchExecutor() {
        return fetchExecutor;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
    }

    /** Waits for a future and rethrows its failure as it was thrown, not wrapped. */
    static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Daemon threads named tieredstore-fetch-N. */
    private static final class FetchThreads implements ThreadFactory {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "tieredstore-fetch-" + next.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }

    /** Builds a {@link TieredStore}; every setter validates its argument and may be called once. */
    public static final class Builder {
        private @Nullable Origin origin;
        private final List<Tier> tiers = new ArrayList<>();
        private int pageSize = UNSET;
        private int maxPagesPerFetch = UNSET;
        private int maxConcurrentFetches = UNSET;
        private long maxVersions = UNSET;
        private @Nullable Executor fetchExecutor;
        private @Nullable Ticker ticker;
        private @Nullable ConsistencyPolicy defaultPolicy;
        private final Map<String, ConsistencyPolicy> policies = new LinkedHashMap<>();

        private Builder() {}

        /** Where pages come from on a miss (required). */
        @CanIgnoreReturnValue
        public Builder origin(Origin origin) {
            requireState(this.origin == null, "origin was already set to %s", this.origin);
            this.origin = Objects.requireNonNull(origin, "origin");
            return this;
        }

        /** Adds a tier below those added before (add the fastest first); the store closes it. */
        @CanIgnoreReturnValue
        public Builder tier(Tier tier) {
            Objects.requireNonNull(tier, "tier");
            for (Tier t : tiers) {
                requireState(!t.name().equals(tier.name()), "a tier named %s was already added", tier.name());
            }
            tiers.add(tier);
            return this;
        }

        /** Page size in bytes (default 1 MiB); tiers must hold pages of this size. */
        @CanIgnoreReturnValue
        public Builder pageSize(int bytes) {
            requireState(pageSize == UNSET, "page size was already set to %s", pageSize);
            requireArgument(bytes > 0, "page size must be positive: %s", bytes);
            this.pageSize = bytes;
            return this;
        }

        /** Most pages one origin read may fetch (default 8). */
        @CanIgnoreReturnValue
        public Builder maxPagesPerFetch(int pages) {
            requireState(maxPagesPerFetch == UNSET, "max pages per fetch was already set to %s", maxPagesPerFetch);
            requireArgument(pages > 0, "max pages per fetch must be positive: %s", pages);
            this.maxPagesPerFetch = pages;
            return this;
        }

        /** Threads of the store's own fetch executor (default 16); not with {@link #fetchExecutor}. */
        @CanIgnoreReturnValue
        public Builder maxConcurrentFetches(int fetches) {
            requireState(
                    maxConcurrentFetches == UNSET,
                    "max concurrent fetches was already set to %s",
                    maxConcurrentFetches);
            requireArgument(fetches > 0, "max concurrent fetches must be positive: %s", fetches);
            this.maxConcurrentFetches = fetches;
            return this;
        }

        /** Runs parallel origin fetches here instead of on the store's own threads; the store does not shut it down. */
        @CanIgnoreReturnValue
        public Builder fetchExecutor(Executor executor) {
            requireState(fetchExecutor == null, "fetch executor was already set to %s", fetchExecutor);
            this.fetchExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Most object versions remembered (default 100,000); a forgotten version is looked up again. */
        @CanIgnoreReturnValue
        public Builder maxVersions(long count) {
            requireState(maxVersions == UNSET, "max versions was already set to %s", maxVersions);
            requireArgument(count > 0, "max versions must be positive: %s", count);
            this.maxVersions = count;
            return this;
        }

        /** The time source for consistency TTLs (default {@link Ticker#system()}). */
        @CanIgnoreReturnValue
        public Builder ticker(Ticker ticker) {
            requireState(this.ticker == null, "ticker was already set to %s", this.ticker);
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The policy for keys no prefix matches (default {@link ConsistencyPolicy#STRICT}). */
        @CanIgnoreReturnValue
        public Builder defaultConsistency(ConsistencyPolicy policy) {
            requireState(defaultPolicy == null, "default consistency was already set to %s", defaultPolicy);
            this.defaultPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * The policy for keys of {@code bucket} that start with {@code keyPrefix}; the longest matching
         * prefix wins.
         */
        @CanIgnoreReturnValue
        public Builder consistency(String bucket, String keyPrefix, ConsistencyPolicy policy) {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            Objects.requireNonNull(policy, "policy");
            String path = PrefixPolicies.path(bucket, keyPrefix);
            requireState(
                    !policies.containsKey(path), "consistency for %s was already set to %s", path, policies.get(path));
            policies.put(path, policy);
            return this;
        }

        /** Builds the store, which owns the tiers added and closes them with itself. */
        public TieredStore build() {
            Origin o = origin;
            requireState(o != null, "origin is required");
            requireState(
                    fetchExecutor == null || maxConcurrentFetches == UNSET,
                    "max concurrent fetches cannot be combined with a fetch executor");
            long page = pageSize == UNSET ? DEFAULT_PAGE_SIZE : pageSize;
            long pages = maxPagesPerFetch == UNSET ? DEFAULT_MAX_PAGES_PER_FETCH : maxPagesPerFetch;
            requireState(
                    page * pages <= MAX_FETCH_BYTES,
                    "page size %s times max pages per fetch %s exceeds %s bytes per fetch",
                    page,
                    pages,
                    MAX_FETCH_BYTES);
            return new TieredStore(this, Objects.requireNonNull(o));
        }

        @FormatMethod
        private static void requireState(boolean ok, @FormatString String format, @Nullable Object... args) {
            if (!ok) {
                throw new IllegalStateException(String.format(format, args));
            }
        }

        @FormatMethod
        private static void requireArgument(boolean ok, @FormatString String format, @Nullable Object... args) {
            if (!ok) {
                throw new IllegalArgumentException(String.format(format, args));
            }
        }
    }
}
