package io.tieredstore.core;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link CacheStats}: contended adders, read only by snapshots. */
final class StoreCounters {
    private final List<String> tierNames;
    private final LongAdder[] hits;
    private final LongAdder[] misses;
    /** Per tier, by outcome. */
    private final List<EnumMap<Tier.WriteOutcome, LongAdder>> writes = new ArrayList<>();

    private final LongAdder originStats = new LongAdder();
    private final LongAdder originFetches = new LongAdder();
    private final LongAdder originBytes = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder staleServed = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> faults = new ConcurrentHashMap<>();

    StoreCounters(List<String> tierNames) {
        this.tierNames = List.copyOf(tierNames);
        this.hits = adders(tierNames.size());
        this.misses = adders(tierNames.size());
        for (int i = 0; i < tierNames.size(); i++) {
            EnumMap<Tier.WriteOutcome, LongAdder> byOutcome = new EnumMap<>(Tier.WriteOutcome.class);
            for (Tier.WriteOutcome o : Tier.WriteOutcome.values()) {
                byOutcome.put(o, new LongAdder());
            }
            writes.add(byOutcome);
        }
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    void tierRead(int tier, boolean hit) {
        (hit ? hits : misses)[tier].increment();
    }

    void tierWrite(int tier, Tier.WriteOutcome outcome) {
        Objects.requireNonNull(writes.get(tier).get(outcome)).increment();
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

    /** A snapshot; what the tiers report of themselves is asked now (a tier that throws is counted, as zeros). */
    CacheStats snapshot(List<Tier> tiers) {
        Map<String, CacheStats.TierStats> perTier = new LinkedHashMap<>();
        Map<String, Long> faultCounts = new LinkedHashMap<>();
        for (int i = 0; i < tierNames.size(); i++) {
            Tier t = tiers.get(i);
            long evictions;
            long used;
            Map<String, Long> own;
            try {
                evictions = t.evictionCount();
                used = t.usedBytes();
                own = t.faultCounts();
            } catch (RuntimeException e) {
                fault(t.name(), e);
                evictions = 0;
                used = 0;
                own = Map.of();
            }
            own.forEach((cause, n) -> {
                if (n != 0) {
                    faultCounts.put(t.name() + ": " + cause, n);
                }
            });
            Map<Tier.WriteOutcome, Long> written = new EnumMap<>(Tier.WriteOutcome.class);
            writes.get(i).forEach((o, adder) -> {
                long n = adder.sum();
                if (n != 0) {
                    written.put(o, n);
                }
            });
            perTier.put(
                    tierNames.get(i),
                    new CacheStats.TierStats(hits[i].sum(), misses[i].sum(), evictions, used, written));
        }
        faults.forEach((k, v) -> faultCounts.merge(k, v.sum(), Long::sum));
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
