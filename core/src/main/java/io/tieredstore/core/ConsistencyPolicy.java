package io.tieredstore.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How often the store checks that the version it caches is still the origin's current one, for keys under
 * a prefix. Cached bytes are always those of the version checked (pages are keyed by version); the policy
 * only decides how stale that version may be.
 *
 * <ul>
 *   <li>{@link #IMMUTABLE}: check once, then never (data-lake files that are written once).
 *   <li>{@link #ttl(Duration)}: check again after the duration; an overwrite may go unseen that long.
 *   <li>{@link #STRICT}: check on every open (one HEAD), as S3's own read-after-write consistency; the
 *       default, safe for applications that overwrite keys.
 * </ul>
 *
 * <p>Any of them may opt in to {@link #serveStaleOnOriginError(Duration) serving a recently checked version}
 * when a check fails because the origin is unavailable (S3: 5xx, timeouts): availability in a brownout at
 * the price of a bounded staleness. Off by default.
 */
public final class ConsistencyPolicy {
    /** Never revalidate after the first lookup. */
    public static final ConsistencyPolicy IMMUTABLE = new ConsistencyPolicy("IMMUTABLE", Long.MAX_VALUE, 0);

    /** Revalidate on every open. */
    public static final ConsistencyPolicy STRICT = new ConsistencyPolicy("STRICT", 0, 0);

    private final String name;
    private final long ttlNanos;
    private final long maxStaleNanos;

    private ConsistencyPolicy(String name, long ttlNanos, long maxStaleNanos) {
        this.name = name;
        this.ttlNanos = ttlNanos;
        this.maxStaleNanos = maxStaleNanos;
    }

    /** Revalidate when the last check is older than {@code ttl} (must be positive). */
    public static ConsistencyPolicy ttl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive: " + ttl);
        }
        return new ConsistencyPolicy("TTL(" + ttl + ")", ttl.toNanos(), 0);
    }

    /**
     * This policy, but when a check fails because the origin is unavailable (as the origin classifies the
     * failure: for S3, a 5xx answer or a timeout), the version last checked successfully is served instead
     * if that check is no older than {@code maxStaleness} (positive), and counted in
     * {@link CacheStats#staleServed()}. Any other failure (missing object, access denied) still fails.
     */
    public ConsistencyPolicy serveStaleOnOriginError(Duration maxStaleness) {
        Objects.requireNonNull(maxStaleness, "maxStaleness");
        if (maxStaleness.isNegative() || maxStaleness.isZero()) {
            throw new IllegalArgumentException("max staleness must be positive: " + maxStaleness);
        }
        String base = maxStaleNanos == 0 ? name : name.substring(0, name.indexOf('+'));
        return new ConsistencyPolicy(
                base + "+serveStaleOnOriginError(" + maxStaleness + ")", ttlNanos, maxStaleness.toNanos());
    }

    /** Whether every open checks the version at the origin ({@link #STRICT}, with or without stale serving). */
    public boolean checksEveryOpen() {
        return ttlNanos == 0;
    }

    /** Whether a version, once checked, is used for ever ({@link #IMMUTABLE}, with or without stale serving). */
    public boolean checksOnce() {
        return ttlNanos == Long.MAX_VALUE;
    }

    /** How long a checked version may be used without checking again, in nanoseconds. */
    long ttlNanos() {
        return ttlNanos;
    }

    /** How old a checked version may be served when a check fails for unavailability; 0 = never. */
    long maxStaleNanos() {
        return maxStaleNanos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsistencyPolicy p && p.ttlNanos == ttlNanos && p.maxStaleNanos == maxStaleNanos;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(ttlNanos) * 31 + Long.hashCode(maxStaleNanos);
    }

    @Override
    public String toString() {
        return name;
    }
}
