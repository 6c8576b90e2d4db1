package io.tieredstore.core;

import static io.tieredstore.core.internal.Checks.requireArgument;
import static io.tieredstore.core.internal.Checks.requireState;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
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
     * The store is a facade over four parts, each in its own file:
     *   VersionCache  open/stat/invalidate: the last version seen per object, the consistency policies,
     *                 shared stats in flight and the invalidation epoch;
     *   TierChain     the one place that asks the tiers in order, copies hits up and counts what each tier
     *                 did (hits, misses, write outcomes, faults);
     *   PageFills     the runs of missing pages fetched from the origin, singleflight, the fetch executor;
     *   FirstReads    openRead: an open that must learn the version reads the bytes it is for instead of a
     *                 stat first, widened to whole pages (a cold read is one origin request).
     * Streams (PageInputStream) read through the tiers and, where the pages go cold, switch to one streamed
     * origin read (FillingStream) that offers each whole page that passes to the chain.
     * A read cuts its byte range into pages once (PageSpan), asks the chain for each page, and hands the
     * pages no tier has to the fills, which copy them into the caller's buffer as they arrive.
     *
     * Faults: every tier call goes through the chain, which turns any exception into a miss (or a skipped
     * write) and counts it by tier and cause. Only origin exceptions reach callers, as thrown.
     *
     * Peers: a remote tier (Builder.peers) is the chain's last tier. It is attached once the store is built,
     * and serves other instances through readFullyLocal, which skips it: one hop at most. close() closes it
     * first, so the instance leaves its group while its local tiers can still answer requests in flight.
     */

    private static final int UNSET = -1;
    private static final int[] NO_PIECES = {};
    private static final PageKey[] NO_KEYS = {};

    private final Origin origin;
    private final int pageSize;
    private final int maxPagesPerFetch;
    private final TierChain chain;
    private final VersionCache versions;
    private final PageFills fills;
    private final FirstReads firstReads;

    private volatile boolean closed;

    private TieredStore(Builder b, Origin origin, int pageSize) {
        this.origin = origin;
        this.pageSize = pageSize;
        this.maxPagesPerFetch = b.maxPagesPerFetch == UNSET ? DEFAULT_MAX_PAGES_PER_FETCH : b.maxPagesPerFetch;
        this.chain = new TierChain(b.tiers, b.peers);
        PrefixPolicies policies =
                new PrefixPolicies(b.policies, b.defaultPolicy == null ? ConsistencyPolicy.STRICT : b.defaultPolicy);
        this.versions = new VersionCache(
                origin,
                policies,
                b.ticker == null ? Ticker.system() : b.ticker,
                b.maxVersions == UNSET ? DEFAULT_MAX_VERSIONS : b.maxVersions,
                chain);
        int threads = b.maxConcurrentFetches == UNSET ? DEFAULT_MAX_CONCURRENT_FETCHES : b.maxConcurrentFetches;
        this.fills = new PageFills(origin, chain, versions, pageSize, maxPagesPerFetch, b.fetchExecutor, threads);
        this.firstReads = new FirstReads(chain, versions, pageSize, (long) pageSize * maxPagesPerFetch);
    }

    /**
     * Default page size: 64 KiB, the unit a cold random read fetches (a 4 KiB read costs 64 KiB from the
     * origin, not a megabyte); sequential reads still go out as one large request.
     */
    public static final int DEFAULT_PAGE_SIZE = 64 << 10;

    /** Default cap on pages per origin fetch: 128 (8 MiB per ranged read with the default page size). */
    public static final int DEFAULT_MAX_PAGES_PER_FETCH = 128;

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
        return versions.policy(bucket, key);
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
        return versions.open(bucket, key, checkWith);
    }

    /**
     * Opens an object for a read of {@code range}: as {@link #open}, but when the version must be looked up
     * and the range's first page is not cached, the origin read that learns it brings the range's pages too
     * (S3: one GET, no HEAD). Take the bytes with {@link OpenedRead#stream}, or close it.
     */
    public OpenedRead openRead(String bucket, String key, ReadRange range) {
        return openRead(bucket, key, range, origin);
    }

    /**
     * As {@link #openRead(String, String, ReadRange)}, with the origin requests that check the version sent
     * through {@code checkWith}, as {@link #open(String, String, Origin)} does.
     *
     * @throws IllegalArgumentException if {@code checkWith} has another origin id
     */
    public OpenedRead openRead(String bucket, String key, ReadRange range, Origin checkWith) {
        ensureOpen();
        return firstReads.open(this, bucket, key, range, checkWith);
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
        readPages(version, offset, n, dst, false);
        return n;
    }

    /**
     * Reads {@code n} bytes (at least one, within the object) into {@code dst} and advances it; returns how
     * many of the range's pages no tier had (fetched by this read, or by another read in flight it joined).
     */
    private int readPages(ObjectVersion version, long offset, int n, ByteBuffer dst, boolean localOnly) {
        int base = dst.position();
        PageSpan span = new PageSpan(version, pageSize, offset, n);
        int[] missing = NO_PIECES;
        PageKey[] missingKeys = NO_KEYS;
        int missingCount = 0;
        for (int i = 0; i < span.pages(); i++) {
            PageKey key = span.key(i);
            ByteBuffer target = dst.slice(base + span.at(i), span.length(i));
            if (!chain.read(version, key, span.pageLength(i), span.from(i), target, localOnly)) {
                if (missingCount == missing.length) {
                    missing = Arrays.copyOf(missing, Math.max(4, missingCount * 2));
                    missingKeys = Arrays.copyOf(missingKeys, missing.length);
                }
                missing[missingCount] = i;
                missingKeys[missingCount++] = key;
            }
        }
        if (missingCount > 0) {
            fills.fill(span, missing, missingKeys, missingCount, dst, base);
        }
        dst.position(base + n);
        return missingCount;
    }

    /** Throws if {@code length} bytes from {@code offset} are not all within {@code version}. */
    private static void checkRange(ObjectVersion version, long offset, long length) {
        if (offset < 0 || offset > version.length() - length) {
            throw new IndexOutOfBoundsException(
                    "range " + offset + "+" + length + " outside [0, " + version.length() + "]");
        }
    }

    /**
     * Reads exactly {@code dst.remaining()} bytes of {@code version} from {@code offset} into {@code dst}, and
     * returns how many of the range's pages came from the origin, fetched by this read or by another read in
     * flight that it joined (0: every page was in a tier), so that a caller can count its own origin rounds.
     *
     * @throws ObjectChangedException if the origin no longer has {@code version} and a page had to be fetched
     * @throws IndexOutOfBoundsException if the range is not within the object
     */
    @CanIgnoreReturnValue
    public int readFully(ObjectVersion version, long offset, ByteBuffer dst) {
        ensureOpen();
        checkRange(version, offset, dst.remaining());
        return dst.hasRemaining() ? readPages(version, offset, dst.remaining(), dst, false) : 0;
    }

    /**
     * As {@link #readFully}, but asks only this instance's own tiers before the origin, never its peers: how an
     * instance answers another's request for a page it owns, so that no request travels more than one hop.
     *
     * @throws ObjectChangedException if the origin no longer has {@code version} and a page had to be fetched
     * @throws IndexOutOfBoundsException if the range is not within the object
     */
    @CanIgnoreReturnValue
    public int readFullyLocal(ObjectVersion version, long offset, ByteBuffer dst) {
        ensureOpen();
        checkRange(version, offset, dst.remaining());
        return dst.hasRemaining() ? readPages(version, offset, dst.remaining(), dst, true) : 0;
    }

    /**
     * Reads exactly {@code dst.remaining()} bytes of {@code version} from {@code offset} into {@code dst} only if
     * every page of the range is in this instance's own tiers now: never asks the origin or a peer, and waits for
     * nothing. Returns whether it read them; if not, the position of {@code dst} is unchanged (some of its bytes
     * may be written) and nothing is counted, so that the read that follows (e.g. {@link #readFullyLocal}) counts
     * the range once. How an owner answers a peer's
     * request for a page it holds without leaving the network thread.
     *
     * @throws IndexOutOfBoundsException if the range is not within the object
     */
    public boolean readFullyIfLocal(ObjectVersion version, long offset, ByteBuffer dst) {
        ensureOpen();
        checkRange(version, offset, dst.remaining());
        if (!dst.hasRemaining()) {
            return true;
        }
        int base = dst.position();
        PageSpan span = new PageSpan(version, pageSize, offset, dst.remaining());
        int[] hitAt = new int[span.pages()];
        for (int i = 0; i < span.pages(); i++) {
            ByteBuffer target = dst.slice(base + span.at(i), span.length(i));
            hitAt[i] = chain.readUncounted(version, span.key(i), span.pageLength(i), span.from(i), target);
            if (hitAt[i] < 0) {
                return false; // the caller reads the range again, over what was copied so far
            }
        }
        for (int h : hitAt) {
            chain.countRead(h);
        }
        dst.position(dst.limit());
        return true;
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
        versions.invalidate(bucket, key);
    }

    /** A snapshot of the counters. */
    public CacheStats stats() {
        return chain.snapshot();
    }

    /**
     * Closes the store: its peer tier first (leaving the group, then answering the requests in flight), then its
     * own fetch threads and its local tiers.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        chain.closeRemote();
        closed = true;
        fills.close();
        chain.close();
    }

    /* --------------- Helpers --------------- */

    int maxPagesPerFetch() {
        return maxPagesPerFetch;
    }

    /** Whether a tier holds page {@code page} of {@code version}, or a peer would be asked for it (asked quietly). */
    boolean holds(ObjectVersion version, long page) {
        int length = (int) Math.min(pageSize, version.length() - page * pageSize);
        return length > 0 && chain.holds(version, PageKey.of(version, page), length);
    }

    /** The reader's bytes {@code [from, to)} of an opening read's body, filling the pages that pass. */
    InputStream filling(OriginRead read, long from, long to) {
        long bodyEnd = read.offset() + read.length();
        return new FillingStream(this, chain, read.version(), read.body(), read.offset(), bodyEnd, from, to);
    }

    /**
     * The reader's bytes {@code [from, to)} of {@code version} as one streamed origin read of the pages they
     * touch, filling those pages as they pass; the request goes out now.
     *
     * @throws ObjectChangedException if the origin no longer has {@code version}
     */
    InputStream streamPages(ObjectVersion version, long from, long to) {
        long start = from / pageSize * pageSize;
        long end = Math.min(version.length(), (to + pageSize - 1) / pageSize * pageSize);
        InputStream body = originStream(version, start, end - start);
        return new FillingStream(this, chain, version, body, start, end, from, to);
    }

    /**
     * A streamed origin read of exactly {@code version} (counted as a fetch); a version the origin no longer
     * has is forgotten, with its pages, before the exception is thrown.
     */
    InputStream originStream(ObjectVersion version, long offset, long length) {
        chain.counters().originFetch();
        try {
            return origin.stream(version, offset, length);
        } catch (ObjectChangedException e) {
            versions.forget(version);
            throw e;
        }
    }

    Executor fetchExecutor() {
        return fills.executor();
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

    /** Builds a {@link TieredStore}; every setter validates its argument and may be called once. */
    public static final class Builder {
        private @Nullable Origin origin;
        private final List<Tier> tiers = new ArrayList<>();
        private @Nullable RemoteTier peers;
        private int pageSize = UNSET;
        private int maxPagesPerFetch = UNSET;
        private int maxConcurrentFetches = UNSET;
        private long maxVersions = UNSET;
        private @Nullable Executor fetchExecutor;
        private @Nullable Ticker ticker;
        private @Nullable ConsistencyPolicy defaultPolicy;
        private final Map<String, ConsistencyPolicy> policies = new LinkedHashMap<>();
        private boolean built;

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
            requireState(
                    peers == null || !peers.name().equals(tier.name()),
                    "a tier named %s was already added",
                    tier.name());
            requireArgument(!(tier instanceof RemoteTier), "add a remote tier with peers(), not tier()");
            tiers.add(tier);
            return this;
        }

        /**
         * The peer tier, asked after every local tier and before the origin (such as {@code PeerTier} of
         * {@code tieredstore-peers}); the store attaches it once built, so that it serves this store's pages to
         * its peers, and closes it first.
         */
        @CanIgnoreReturnValue
        public Builder peers(RemoteTier tier) {
            requireState(peers == null, "peers were already set to %s", peers);
            Objects.requireNonNull(tier, "tier");
            for (Tier t : tiers) {
                requireState(!t.name().equals(tier.name()), "a tier named %s was already added", tier.name());
            }
            this.peers = tier;
            return this;
        }

        /** Page size in bytes (default {@value #DEFAULT_PAGE_SIZE}); every tier must be built for this page size. */
        @CanIgnoreReturnValue
        public Builder pageSize(int bytes) {
            requireState(pageSize == UNSET, "page size was already set to %s", pageSize);
            requireArgument(bytes > 0, "page size must be positive: %s", bytes);
            this.pageSize = bytes;
            return this;
        }

        /** Most pages one origin read may fetch (default {@value #DEFAULT_MAX_PAGES_PER_FETCH}). */
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

        /**
         * Builds the store, which owns the tiers added and closes them with itself. This does not alter the
         * builder; it may be called again only if no tier was added, since tiers belong to one store.
         *
         * @throws IllegalStateException if a setting is missing or settings conflict, if a tier was built for
         *     another page size than the store's, or if this builder's tiers already belong to a store
         */
        public TieredStore build() {
            Origin o = origin;
            requireState(o != null, "origin is required");
            requireState(
                    fetchExecutor == null || maxConcurrentFetches == UNSET,
                    "max concurrent fetches cannot be combined with a fetch executor");
            int page = pageSize == UNSET ? DEFAULT_PAGE_SIZE : pageSize;
            long pages = maxPagesPerFetch == UNSET ? DEFAULT_MAX_PAGES_PER_FETCH : maxPagesPerFetch;
            requireState(
                    (long) page * pages <= MAX_FETCH_BYTES,
                    "page size %s times max pages per fetch %s exceeds %s bytes per fetch",
                    page,
                    pages,
                    MAX_FETCH_BYTES);
            TierChain.checkPageSize(tiers, page);
            RemoteTier remote = peers;
            if (remote != null) {
                TierChain.checkPageSize(List.of(remote), page);
            }
            requireState(
                    !built || (tiers.isEmpty() && remote == null),
                    "this builder's tiers already belong to the store built before");
            built = true;
            TieredStore store = new TieredStore(this, Objects.requireNonNull(o), page);
            if (remote != null) {
                try {
                    remote.attach(store);
                } catch (RuntimeException e) {
                    store.close();
                    throw e;
                }
            }
            return store;
        }
    }
}
