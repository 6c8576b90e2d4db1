package io.tieredstore.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of a store's counters since it was built.
 *
 * @param tiers per tier, by name, in order fast to slow
 * @param originStats version lookups sent to the origin (S3: HEAD)
 * @param originFetches ranged reads sent to the origin (S3: ranged GET)
 * @param originBytes bytes the origin returned to fetches
 * @param coalescedMisses page misses served by another reader's fetch in flight instead of a fetch of their own
 * @param staleServed opens answered with a recently checked version because the origin was unavailable
 *     (only under a policy that {@link ConsistencyPolicy#serveStaleOnOriginError serves stale})
 * @param faults cache faults turned into misses or skipped writes, by {@code "tier: cause"}: the cause is the
 *     class name of an exception a tier threw, or a lower-case name of a fault the tier detected and reported
 *     itself ({@link Tier#faultCounts()}, e.g. {@code "disk: checksum"}); only causes counted at least once
 */
public record CacheStats(
        Map<String, TierStats> tiers,
        long originStats,
        long originFetches,
        long originBytes,
        long coalescedMisses,
        long staleServed,
        Map<String, Long> faults) {

    /** Copies the maps. */
    public CacheStats {
        tiers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tiers, "tiers"))); // keeps order
        faults = Map.copyOf(Objects.requireNonNull(faults, "faults"));
    }

    /** Requests sent to the origin: version lookups plus fetches. */
    public long originRequests() {
        return originStats + originFetches;
    }

    /** The counters of one tier, or all zeros if the store has no tier of that name. */
    public TierStats tier(String name) {
        return tiers.getOrDefault(name, TierStats.EMPTY);
    }

    /** Faults counted, all causes together. */
    public long faultCount() {
        return faults.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * The counters of one tier.
     *
     * @param hits page reads the tier answered
     * @param misses page reads the tier could not answer (faults included)
     * @param evictions pages the tier evicted to make room
     * @param usedBytes bytes of pages the tier holds now
     * @param writes pages offered to the tier, by what it did with them (outcomes that never happened are
     *     left out; a write that threw is a fault, not an outcome)
     */
    public record TierStats(
            long hits, long misses, long evictions, long usedBytes, Map<Tier.WriteOutcome, Long> writes) {
        static final TierStats EMPTY = new TierStats(0, 0, 0, 0, Map.of());

        /** Copies the map. */
        public TierStats {
            writes = Map.copyOf(Objects.requireNonNull(writes, "writes"));
        }

        /** Pages offered to the tier that it stored. */
        public long stored() {
            return writes(Tier.WriteOutcome.STORED);
        }

        /** Pages offered to the tier with this outcome. */
        public long writes(Tier.WriteOutcome outcome) {
            return writes.getOrDefault(outcome, 0L);
        }
    }
}
