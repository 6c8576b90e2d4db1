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
 */
public final class ConsistencyPolicy {
    /** Never revalidate after the first lookup. */
    public static final ConsistencyPolicy IMMUTABLE = new ConsistencyPolicy("IMMUTABLE", Long.MAX_VALUE);

    /** Revalidate on every open. */
    public static final ConsistencyPolicy STRICT = new ConsistencyPolicy("STRICT", 0);

    private final String name;
    private final long ttlNanos;

    private ConsistencyPolicy(String name, long ttlNanos) {
        this.name = name;
        this.ttlNanos = ttlNanos;
    }

    /** Revalidate when the last check is older than {@code ttl} (must be positive). */
    public static ConsistencyPolicy ttl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive: " + ttl);
        }
        return new ConsistencyPolicy("TTL(" + ttl + ")", ttl.toNanos());
    }

    /** How long a checked version may be used without checking again, in nanoseconds. */
    long ttlNanos() {
        return ttlNanos;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsistencyPolicy p && p.ttlNanos == ttlNanos;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(ttlNanos);
    }

    @Override
    public String toString() {
        return name;
    }
}
