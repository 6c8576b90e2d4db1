package io.tieredstore.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link CacheStats}: contended adders, read only by snapshots. */
final class StoreCounters {
    private final List<String> tierNames;
    private final LongAdder[] hits;
    private final LongAdder[] misses;
    private final LongAdder originStats = new LongAdder();
    private final LongAdder originFetches = new LongAdder();
    private final LongAdder originBytes = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder staleServed = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> faults = new ConcurrentHashMap<>();

    StoreCounters(List<String> tierNames) {
        this.tierNames = List.copyOf(tierNames);
        this.hits = new LongAdder[tierNames.size()];
        this.misses = new LongAdder[tierNames.size()];
        for (int i = 0; i < hits.length; i++) {
            hits[i] = new LongAdder();
            misses[i] = new LongAdder();
        }
    }

    void tierRead(int tier, boolean hit) {
        (hit ? hits : misses)[tier].increment();
    }

    void originStat() {
        originStats.increment();
    }

    void originFetch() {
        originFetches.increment();
    }

    void originBytes(long n) {
        originBytes.add(n);
    }

    void coalesced() {
        coalesced.increment();
    }

    void staleServed() {
        staleServed.increment();
    }

    void fault(String tier, Throwable cause) {
        faults.computeIfAbsent(tier + ": " + cause.getClass().getName(), k -> new LongAdder())
                .increment();
    }

    CacheStats snapshot(List<Tier> tiers) {
        Map<String, CacheStats.TierStats> perTier = new LinkedHashMap<>();
        for (int i = 0; i < tierNames.size(); i++) {
            Tier t = tiers.get(i);
            long evictions;
            long used;
            try {
                evictions = t.evictionCount();
                used = t.usedBytes();
            } catch (RuntimeException e) {
                fault(t.name(), e);
                evictions = 0;
                used = 0;
            }
            perTier.put(tierNames.get(i), new CacheStats.TierStats(hits[i].sum(), misses[i].sum(), evictions, used));
        }
        Map<String, Long> faultCounts = new LinkedHashMap<>();
        faults.forEach((k, v) -> faultCounts.put(k, v.sum()));
        return new CacheStats(
                perTier,
                originStats.sum(),
                originFetches.sum(),
                originBytes.sum(),
                coalesced.sum(),
                staleServed.sum(),
                faultCounts);
    }
}
