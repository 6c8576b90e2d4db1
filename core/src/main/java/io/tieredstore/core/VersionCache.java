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
            return TieredStore.await(running.result());
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
                chain.invalidate(id); // the old version's pages are dead weight now
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

    /** Forgets the object's version, so that the next open asks the origin, and drops its pages. */
    void invalidate(String bucket, String key) {
        ObjectId id = new ObjectId(origin.id(), bucket, key);
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
