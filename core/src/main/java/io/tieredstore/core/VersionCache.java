package io.tieredstore.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The version cache: the last version seen of each object and when it was checked, answering
 * {@link TieredStore#open} as each key's {@link ConsistencyPolicy} allows, else asking the origin.
 */
final class VersionCache {
    /*
     * Design notes.
     *
     * `versions` caches the last version seen per object and the ticker time its check started. open()
     * returns it while the key's policy allows, else asks the origin (stat). Concurrent stats of one object
     * are shared, but under STRICT a caller only joins a stat that started after it did, so it never sees a
     * version older than its own call.
     *
     * Epoch: invalidate() (after a write through our own client) bumps `invalidations`: a stat that
     * overlapped it does not store its answer, which may predate the write, and later opens do not join it.
     * Pages are keyed by version, so a stale version can only give that version's own bytes; fills carry
     * the version (If-Match), so mixing versions is impossible. A fill that finds the version gone
     * (ObjectChangedException) forgets it and the object's pages, so the next open looks again even under
     * IMMUTABLE instead of failing on the same dead version until eviction.
     *
     * Whose check: open(bucket, key, checkWith) sends the stat through the caller's origin (the same S3 with
     * the calling client's credentials), so a check also authorises that caller; stats in flight are shared
     * only between callers of the same origin. A failed stat forgets the version unless the origin calls the
     * failure unavailability (5xx, timeout): then, if the policy serves stale on origin errors, the version
     * last checked within the bound is returned and counted (staleServed).
     */

    private final Origin origin;
    private final PrefixPolicies policies;
    private final Ticker ticker;
    private final TierChain chain;
    private final StoreCounters counters;
    private final Cache<ObjectId, Checked> versions;
    private final ConcurrentHashMap<StatKey, StatCall> stats = new ConcurrentHashMap<>();
    /** Counts invalidations; a version lookup that overlapped one does not remember its (maybe stale) result. */
    private final AtomicLong invalidations = new AtomicLong();

    /** A version and the ticker time its check started. */
    private record Checked(ObjectVersion version, long checkedAt) {}

    /** What a version lookup in flight is shared by: the object and the origin it goes through. */
    private record StatKey(ObjectId id, Origin via) {}

    /** A version lookup in flight and the ticker time it started. */
    private record StatCall(long startedAt, CompletableFuture<ObjectVersion> result) {}

    VersionCache(Origin origin, PrefixPolicies policies, Ticker ticker, long maxVersions, TierChain chain) {
        this.origin = origin;
        this.policies = policies;
        this.ticker = ticker;
        this.chain = chain;
        this.counters = chain.counters();
        this.versions = Caffeine.newBuilder()
                .maximumSize(maxVersions)
                .executor(Runnable::run)
                .build();
    }

    ConsistencyPolicy policy(String bucket, String key) {
        return policies.forKey(bucket, key);
    }

    /** The current version, through {@code checkWith} if it must be checked; see {@link TieredStore#open}. */
    ObjectVersion open(String bucket, String key, Origin checkWith) {
        ObjectId id = id(bucket, key, checkWith);
        long start = ticker.read();
        ObjectVersion fresh = fresh(id, start);
        if (fresh != null) {
            return fresh;
        }
        try {
            return stat(id, checkWith, start, policies.forKey(bucket, key).checksEveryOpen());
        } catch (RuntimeException e) {
            ObjectVersion stale = staleFor(id, start, checkWith, e);
            if (stale != null) {
                return stale;
            }
            throw e;
        }
    }

    /** The id of an object of this store's origin; refuses an origin {@code via} of another id. */
    ObjectId id(String bucket, String key, Origin via) {
        if (!via.id().equals(origin.id())) {
            throw new IllegalArgumentException("origin " + via.id() + " is not this store's origin " + origin.id());
        }
        return id(bucket, key);
    }

    private ObjectId id(String bucket, String key) {
        return new ObjectId(origin.id(), bucket, key);
    }

    /** The ticker's time now, to stamp a check that starts. */
    long now() {
        return ticker.read();
    }

    /** Whether every open of the object must check its version at the origin. */
    boolean checksEveryOpen(ObjectId id) {
        return policies.forKey(id.bucket(), id.key()).checksEveryOpen();
    }

    /** The remembered version of {@code id} if its policy lets an open at {@code start} use it unchecked. */
    @Nullable
    ObjectVersion fresh(ObjectId id, long start) {
        Checked known = versions.getIfPresent(id);
        ConsistencyPolicy policy = policies.forKey(id.bucket(), id.key());
        return known != null && start - known.checkedAt() < policy.ttlNanos() ? known.version() : null;
    }

    /** The remembered version of {@code id}, however old its check; null if none. */
    @Nullable
    ObjectVersion known(ObjectId id) {
        Checked known = versions.getIfPresent(id);
        return known == null ? null : known.version();
    }

    /**
     * The remembered version, counted as served stale, if {@code failure} of a check through {@code via}
     * that started at {@code start} is one the policy answers with it; else null.
     */
    @Nullable
    ObjectVersion staleFor(ObjectId id, long start, Origin via, RuntimeException failure) {
        Checked known = versions.getIfPresent(id);
        long maxStale = policies.forKey(id.bucket(), id.key()).maxStaleNanos();
        if (maxStale > 0 && known != null && start - known.checkedAt() <= maxStale && via.isUnavailable(failure)) {
            counters.staleServed();
            return known.version();
        }
        return null;
    }

    /** The invalidation epoch: take it before a check starts and hand it to {@link #learned}. */
    long epoch() {
        return invalidations.get();
    }

    /**
     * Remembers {@code v}, the answer of a check (a stat, or a read that learned the version) that started at
     * {@code start} in {@code epoch}, unless an invalidation came in between; drops an older version's pages.
     */
    void learned(ObjectVersion v, long start, long epoch) {
        ObjectId id = v.id();
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
            chain.invalidate(id); // the old version's pages are dead weight now
        }
    }

    /** After a check through {@code via} failed: forgets the version unless the origin could not answer. */
    void failed(ObjectId id, Origin via, Throwable failure) {
        if (!(failure instanceof RuntimeException r && via.isUnavailable(r))) {
            versions.invalidate(id); // the origin answered: what we knew no longer holds
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
            return TieredStore.await(running.result());
        }
        boolean shared = running == null;
        long epoch = epoch();
        try {
            counters.originStat();
            ObjectVersion v = via.stat(id.bucket(), id.key());
            learned(v, start, epoch);
            mine.result().complete(v);
            return v;
        } catch (RuntimeException | Error e) {
            failed(id, via, e);
            mine.result().completeExceptionally(e);
            throw e;
        } finally {
            if (shared) {
                stats.remove(statKey, mine);
            }
        }
    }

    /** Forgets the object's version, so that the next open asks the origin, and drops its pages. */
    void invalidate(String bucket, String key) {
        ObjectId id = id(bucket, key);
        invalidations.incrementAndGet();
        stats.keySet().removeIf(k -> k.id().equals(id)); // later opens must not join a lookup from before it
        versions.invalidate(id);
        chain.invalidate(id);
    }

    /** Forgets {@code version} if it is the one remembered for its object, and drops the object's pages. */
    void forget(ObjectVersion version) {
        versions.asMap().computeIfPresent(version.id(), (k, c) -> c.version().equals(version) ? null : c);
        chain.invalidate(version.id());
    }
}
