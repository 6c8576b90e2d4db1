package io.tieredstore.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TieredStoreTest {
    private static final int PAGE = 100;
    private static final String B = "bucket";

    private final MemoryOrigin origin = new MemoryOrigin();
    private final MapTier memory = new MapTier("memory");
    private final List<TieredStore> stores = new ArrayList<>();

    @AfterEach
    void closeStores() {
        stores.forEach(TieredStore::close);
    }

    private TieredStore store(ConsistencyPolicy policy, Tier... tiers) {
        TieredStore.Builder b = TieredStore.builder()
                .origin(origin)
                .pageSize(PAGE)
                .maxPagesPerFetch(8)
                .defaultConsistency(policy);
        for (Tier t : tiers) {
            b.tier(t);
        }
        TieredStore s = b.build();
        stores.add(s);
        return s;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(TieredStore store, ObjectVersion v, long offset, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length);
        int n = store.read(v, offset, dst);
        return Arrays.copyOf(dst.array(), n);
    }

    /** Waits for a condition the test cannot be told about, without sleeping: spins until a deadline. */
    private static void awaitCondition(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    /* --------------- Reads --------------- */

    @ParameterizedTest
    @ValueSource(ints = {0, 1, PAGE - 1, PAGE, PAGE + 1, 10 * PAGE, 10 * PAGE + 37})
    void read_anyRange_returnsTheOriginsBytes_coldAndWarm(int size) {
        byte[] data = bytes(size, size);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        assertEquals(size, v.length());
        Random random = new Random(size);
        for (int i = 0; i < 200; i++) {
            int offset = size == 0 ? 0 : random.nextInt(size + 1);
            int length = random.nextInt(3 * PAGE);
            byte[] expected = Arrays.copyOfRange(data, offset, Math.min(size, offset + length));
            assertArrayEquals(expected, read(store, v, offset, length), "offset " + offset + " length " + length);
        }
    }

    @Test
    void read_outsideTheObject_isRejected() {
        origin.put(B, "k", bytes(10, 1));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        assertEquals(0, store.read(v, 10, ByteBuffer.allocate(5)), "at the end: nothing left");
        assertThrows(IndexOutOfBoundsException.class, () -> store.read(v, 11, ByteBuffer.allocate(1)));
        assertThrows(IndexOutOfBoundsException.class, () -> store.read(v, -1, ByteBuffer.allocate(1)));
    }

    @Test
    void read_writesOnlyTheRequestedBytes_atTheBuffersPosition() {
        byte[] data = bytes(3 * PAGE, 2);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        for (int pass = 0; pass < 2; pass++) { // cold, then from the tier
            byte[] backing = new byte[200];
            Arrays.fill(backing, (byte) 7);
            ByteBuffer dst = ByteBuffer.wrap(backing, 50, 120).slice();
            dst.position(10);
            dst.limit(110);
            assertEquals(100, store.read(v, 150, dst));
            assertEquals(110, dst.position());
            assertArrayEquals(Arrays.copyOfRange(data, 150, 250), Arrays.copyOfRange(backing, 60, 160));
            for (int i = 0; i < 60; i++) {
                assertEquals(7, backing[i], "byte before the range, index " + i);
            }
            for (int i = 160; i < 200; i++) {
                assertEquals(7, backing[i], "byte after the range, index " + i);
            }
        }
    }

    @Test
    void secondRead_isATierHit_withoutAnotherFetch() {
        origin.put(B, "k", bytes(5 * PAGE, 3));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        read(store, v, 0, 5 * PAGE);
        assertEquals(1, origin.fetches.get(), "five adjacent missing pages, one ranged read");
        read(store, v, 120, 250);
        assertEquals(1, origin.fetches.get());
        CacheStats stats = store.stats();
        assertEquals(5, stats.tier("memory").misses());
        assertEquals(3, stats.tier("memory").hits());
        assertEquals(5 * PAGE, stats.originBytes());
        assertEquals(1, stats.originStats());
        assertEquals(5 * PAGE, stats.tier("memory").usedBytes());
    }

    @Test
    void adjacentMisses_goOutAsRunsOfAtMostMaxPagesPerFetch_andGapsSplitRuns() {
        origin.put(B, "k", bytes(30 * PAGE, 4));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        read(store, v, 10 * PAGE, PAGE); // page 10 cached: splits the next read's misses
        origin.fetched.clear();
        read(store, v, 0, 20 * PAGE);
        List<String> ranges = new ArrayList<>();
        for (long[] r : origin.fetched) {
            ranges.add(r[0] / PAGE + "+" + r[1] / PAGE);
        }
        ranges.sort(null);
        assertEquals(List.of("0+8", "11+8", "19+1", "8+2"), ranges);
    }

    @Test
    void separateRuns_areFetchedInParallel() throws Exception {
        origin.put(B, "k", bytes(3 * PAGE, 5));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        read(store, v, PAGE, 1); // cache page 1: pages 0 and 2 become two runs
        CountDownLatch bothStarted = new CountDownLatch(2);
        origin.duringFetch = r -> {
            bothStarted.countDown();
            try {
                // Each fetch waits for the other: only parallel fetches get past this.
                assertTrue(bothStarted.await(10, TimeUnit.SECONDS), "the other run was not fetched in parallel");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        read(store, v, 0, 3 * PAGE);
        assertEquals(0, bothStarted.getCount());
    }

    @Test
    void aReadNeverWaitsOnARunQueuedBehindABusyExecutor() throws Exception {
        byte[] data = bytes(3 * PAGE, 20);
        origin.put(B, "k", data);
        ExecutorService fetchPool = Executors.newSingleThreadExecutor();
        CountDownLatch poolBusy = new CountDownLatch(1);
        CountDownLatch releasePool = new CountDownLatch(1);
        fetchPool.execute(
                () -> { // occupies the only fetch thread, as a stream's read-ahead might
                    poolBusy.countDown();
                    try {
                        releasePool.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            assertTrue(poolBusy.await(10, TimeUnit.SECONDS));
            TieredStore store = TieredStore.builder()
                    .origin(origin)
                    .pageSize(PAGE)
                    .tier(memory)
                    .fetchExecutor(fetchPool)
                    .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                    .build();
            stores.add(store);
            ObjectVersion v = store.open(B, "k");
            read(store, v, PAGE, 1); // page 1 cached: pages 0 and 2 are two runs, one queued on the pool
            Future<byte[]> all = reader.submit(() -> read(store, v, 0, 3 * PAGE));
            assertArrayEquals(data, all.get(10, TimeUnit.SECONDS), "the reader fetched the queued run itself");
        } finally {
            releasePool.countDown();
            fetchPool.shutdownNow();
            reader.shutdownNow();
        }
    }

    /* --------------- Miss coalescing --------------- */

    @Test
    void concurrentMissesOfOnePage_shareOneFetch() throws Exception {
        byte[] data = bytes(PAGE, 6);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        int threads = 32;
        CountDownLatch release = new CountDownLatch(1);
        origin.duringFetch = r -> {
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return read(store, v, 10, 50);
                }));
            }
            awaitCondition(() -> store.stats().coalescedMisses() == threads - 1, "31 readers waiting on the fetch");
            release.countDown();
            for (Future<byte[]> f : results) {
                assertArrayEquals(Arrays.copyOfRange(data, 10, 60), f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, origin.fetches.get());
        assertEquals(threads - 1, store.stats().coalescedMisses());
    }

    @Test
    void concurrentColdOpens_shareOneLookup_unlessStrict() throws Exception {
        origin.put(B, "k", bytes(10, 17));
        assertEquals(1, openConcurrently(store(ConsistencyPolicy.IMMUTABLE, memory), 16));
        origin.stats.set(0);
        int strict = openConcurrently(store(ConsistencyPolicy.STRICT), 16);
        assertTrue(strict >= 1 && strict <= 16, "STRICT joins only lookups that started after it: " + strict);
    }

    /** Opens one object from many threads while the origin's lookup is held; returns the lookups made. */
    private int openConcurrently(TieredStore store, int threads) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        origin.duringStat = () -> {
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        List<Thread> openers = new ArrayList<>();
        List<ObjectVersion> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> seen.add(store.open(B, "k")));
            openers.add(t);
            t.start();
        }
        // Every opener is parked: one in the origin's lookup, the others waiting on it (or on their own).
        awaitCondition(
                () -> openers.stream()
                        .allMatch(t ->
                                t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING),
                "all openers blocked");
        release.countDown();
        for (Thread t : openers) {
            t.join(10_000);
        }
        origin.duringStat = () -> {};
        assertEquals(threads, seen.size());
        assertEquals(1, seen.stream().distinct().count());
        return origin.stats.get();
    }

    @Test
    void anInvalidation_winsOverALookupThatStartedBeforeIt() throws Exception {
        origin.put(B, "k", bytes(10, 18));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        CountDownLatch inLookup = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        origin.duringStat = () -> {
            inLookup.countDown();
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        Thread early = new Thread(() -> store.open(B, "k"));
        early.start();
        assertTrue(inLookup.await(10, TimeUnit.SECONDS));
        origin.put(B, "k", bytes(20, 19)); // a write through our own client...
        store.invalidate(B, "k"); // ...then its invalidation, while the early lookup still runs
        origin.duringStat = () -> {};
        release.countDown();
        early.join(10_000);
        assertEquals(20, store.open(B, "k").length(), "the lookup that predates the write was not remembered");
    }

    @Test
    void aFailedFetch_failsEveryWaiter_withTheOriginsException_andIsNotCached() throws Exception {
        origin.put(B, "k", bytes(PAGE, 7));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        RuntimeException boom = new IllegalStateException("503 from the origin");
        CountDownLatch release = new CountDownLatch(1);
        origin.duringFetch = r -> {
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw boom;
        };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> read(store, v, 0, 10)));
            }
            awaitCondition(() -> store.stats().coalescedMisses() == 3, "3 readers waiting on the fetch");
            release.countDown();
            for (Future<byte[]> f : results) {
                java.util.concurrent.ExecutionException e =
                        assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                assertSame(boom, e.getCause(), "the origin's own exception, not a wrapper");
            }
        } finally {
            pool.shutdownNow();
        }
        origin.duringFetch = r -> {};
        assertEquals(10, read(store, v, 0, 10).length, "the failure was not cached: the next read fetches");
    }

    /* --------------- Versions and consistency --------------- */

    @Test
    void strict_seesAnOverwriteOnTheNextOpen() {
        origin.put(B, "k", "one".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        TieredStore store = store(ConsistencyPolicy.STRICT, memory);
        ObjectVersion v1 = store.open(B, "k");
        assertEquals("one", new String(read(store, v1, 0, 10), java.nio.charset.StandardCharsets.UTF_8));
        origin.put(B, "k", "two!".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ObjectVersion v2 = store.open(B, "k");
        assertNotEquals(v1, v2);
        assertEquals("two!", new String(read(store, v2, 0, 10), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(2, origin.stats.get(), "STRICT checks on every open");
    }

    @Test
    void immutable_neverChecksAgain_andKeepsServingTheVersionItSaw() {
        origin.put(B, "k", "one".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v1 = store.open(B, "k");
        read(store, v1, 0, 3);
        origin.put(B, "k", "two".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ObjectVersion again = store.open(B, "k");
        assertEquals(v1, again);
        assertEquals("one", new String(read(store, again, 0, 3), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(1, origin.stats.get());
    }

    @Test
    void ttl_checksAgainOnlyAfterTheDuration() {
        AtomicLong now = new AtomicLong();
        TieredStore store = TieredStore.builder()
                .origin(origin)
                .pageSize(PAGE)
                .ticker(now::get)
                .defaultConsistency(ConsistencyPolicy.ttl(Duration.ofSeconds(10)))
                .build();
        stores.add(store);
        origin.put(B, "k", bytes(5, 1));
        ObjectVersion v1 = store.open(B, "k");
        origin.put(B, "k", bytes(6, 2));
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertEquals(v1, store.open(B, "k"), "within the TTL");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertEquals(6, store.open(B, "k").length(), "TTL expired: checked again");
        assertEquals(2, origin.stats.get());
    }

    @Test
    void policies_longestPrefixWins() {
        TieredStore store = TieredStore.builder()
                .origin(origin)
                .consistency(B, "tables/", ConsistencyPolicy.IMMUTABLE)
                .consistency(B, "tables/hot/", ConsistencyPolicy.STRICT)
                .consistency(B, "tables/h", ConsistencyPolicy.ttl(Duration.ofMinutes(1)))
                .consistency("other", "", ConsistencyPolicy.IMMUTABLE)
                .build();
        stores.add(store);
        assertEquals(ConsistencyPolicy.IMMUTABLE, store.policy(B, "tables/a.parquet"));
        assertEquals(ConsistencyPolicy.STRICT, store.policy(B, "tables/hot/a"));
        assertEquals(ConsistencyPolicy.ttl(Duration.ofMinutes(1)), store.policy(B, "tables/ha"));
        assertEquals(ConsistencyPolicy.STRICT, store.policy(B, "logs/x"), "default: STRICT");
        assertEquals(ConsistencyPolicy.IMMUTABLE, store.policy("other", "anything"));
        assertEquals(ConsistencyPolicy.STRICT, store.policy("otherbucket", "x"));
    }

    @Test
    void anOverwriteBetweenTwoFillsOfOneRead_isObjectChanged_neverMixedBytes() {
        byte[] data = bytes(4 * PAGE, 8);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        read(store, v, 0, PAGE); // page 0 cached
        origin.put(B, "k", bytes(4 * PAGE, 9));
        ObjectChangedException e = assertThrows(ObjectChangedException.class, () -> read(store, v, 0, 2 * PAGE));
        assertEquals(v, e.expected());
    }

    /**
     * A field report: under IMMUTABLE a version that a fill found gone kept failing every read until it was
     * evicted. The 412 forgets it and its pages: the next open looks again and finds the new version.
     */
    @Test
    void aFillThatFindsTheVersionGone_forgetsItAndItsPages() {
        origin.put(B, "k", bytes(3 * PAGE, 8));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        read(store, v, 0, 10);
        assertEquals(1, memory.size());
        byte[] replaced = bytes(PAGE, 9);
        origin.put(B, "k", replaced);
        assertThrows(ObjectChangedException.class, () -> read(store, v, 0, 3 * PAGE));
        assertEquals(0, memory.size(), "the dead version's pages are dropped");
        int statsBefore = origin.stats.get();
        ObjectVersion now = store.open(B, "k");
        assertEquals(statsBefore + 1, origin.stats.get(), "looked up again, although IMMUTABLE");
        assertArrayEquals(replaced, read(store, now, 0, PAGE));
    }

    /** A check through another origin (another principal's client) never joins one in flight through this one. */
    @Test
    void openThroughAnotherOrigin_checksThereAndJoinsOnlyItsOwn() throws Exception {
        origin.put(B, "k", bytes(PAGE, 12));
        TieredStore store = store(ConsistencyPolicy.STRICT, memory);
        MemoryOrigin other = new MemoryOrigin();
        other.put(B, "k", bytes(PAGE, 12));
        CountDownLatch inStat = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        origin.duringStat = () -> {
            inStat.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<ObjectVersion> held = pool.submit(() -> store.open(B, "k"));
            inStat.await();
            ObjectVersion viaOther = store.open(B, "k", other);
            assertEquals(1, other.stats.get(), "checked through the other origin, not joined");
            release.countDown();
            held.get(10, TimeUnit.SECONDS);
            assertEquals("v1", viaOther.version());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        Origin foreign = new Origin() {
            @Override
            public String id() {
                return "elsewhere";
            }

            @Override
            public ObjectVersion stat(String bucket, String key) {
                throw new AssertionError("never asked");
            }

            @Override
            public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
                throw new AssertionError("never asked");
            }
        };
        assertThrows(IllegalArgumentException.class, () -> store.open(B, "k", foreign));
    }

    /** Serving stale: only for unavailability, only within the bound, counted; the default never does. */
    @Test
    void serveStaleOnOriginError_servesARecentVersionWhenTheOriginIsUnavailable() {
        AtomicLong now = new AtomicLong();
        RuntimeException down = new IllegalStateException("origin down");
        Origin flaky = new Origin() {
            @Override
            public String id() {
                return origin.id();
            }

            @Override
            public ObjectVersion stat(String bucket, String key) {
                if (now.get() > 0) {
                    throw down;
                }
                return origin.stat(bucket, key);
            }

            @Override
            public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
                return origin.fetch(version, offset, length);
            }

            @Override
            public boolean isUnavailable(RuntimeException failure) {
                return failure instanceof IllegalStateException; // what this origin throws when down
            }
        };
        origin.put(B, "k", bytes(PAGE, 13));
        TieredStore store = TieredStore.builder()
                .origin(flaky)
                .pageSize(PAGE)
                .ticker(now::get)
                .consistency(B, "stale/", ConsistencyPolicy.STRICT.serveStaleOnOriginError(Duration.ofSeconds(10)))
                .build();
        stores.add(store);
        origin.put(B, "stale/k", bytes(PAGE, 14));
        ObjectVersion strict = store.open(B, "k");
        ObjectVersion stale = store.open(B, "stale/k");

        now.set(Duration.ofSeconds(10).toNanos());
        assertSame(down, assertThrows(IllegalStateException.class, () -> store.open(B, "k")), "default: fails");
        assertEquals(stale, store.open(B, "stale/k"));
        assertEquals(stale, store.open(B, "stale/k"), "the bound counts from the last successful check");
        assertEquals(2, store.stats().staleServed());
        now.set(Duration.ofSeconds(10).toNanos() + 1);
        assertThrows(IllegalStateException.class, () -> store.open(B, "stale/k"), "older than the bound");
        assertEquals(2, store.stats().staleServed());
        assertEquals("v1", strict.version());
        assertEquals(
                "STRICT+serveStaleOnOriginError(PT10S)",
                store.policy(B, "stale/x").toString());
        assertTrue(store.policy(B, "stale/x").checksEveryOpen());
        assertThrows(
                IllegalArgumentException.class, () -> ConsistencyPolicy.STRICT.serveStaleOnOriginError(Duration.ZERO));
    }

    @Test
    void originErrors_reachTheCallerUnchanged() {
        TieredStore store = store(ConsistencyPolicy.STRICT, memory);
        assertThrows(MemoryOrigin.NoSuchObject.class, () -> store.open(B, "missing"));
    }

    @Test
    void invalidate_forgetsTheVersionAndDropsThePages() {
        origin.put(B, "k", bytes(2 * PAGE, 10));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        read(store, store.open(B, "k"), 0, 2 * PAGE);
        assertEquals(2, memory.size());
        store.invalidate(B, "k");
        assertEquals(0, memory.size());
        origin.put(B, "k", bytes(3, 11));
        assertEquals(3, store.open(B, "k").length(), "the version is looked up again");
    }

    /* --------------- Tiers --------------- */

    @Test
    void aHitInASlowerTier_isCopiedUpToTheFasterOnes() {
        MapTier disk = new MapTier("disk");
        byte[] data = bytes(2 * PAGE, 12);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory, disk);
        ObjectVersion v = store.open(B, "k");
        read(store, v, 0, 2 * PAGE);
        memory.clear();
        assertArrayEquals(Arrays.copyOfRange(data, 150, 170), read(store, v, 150, 20));
        assertEquals(1, origin.fetches.get());
        assertEquals(1, memory.size(), "page 1 promoted into memory");
        CacheStats stats = store.stats();
        assertEquals(1, stats.tier("disk").hits());
        assertEquals(List.of("memory", "disk"), List.copyOf(stats.tiers().keySet()));
    }

    @Test
    void tierFaults_areCountedMisses_neverCallerErrors() {
        byte[] data = bytes(3 * PAGE, 13);
        origin.put(B, "k", data);
        memory.failReads(true);
        memory.failWrites(true);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        assertArrayEquals(data, read(store, v, 0, 3 * PAGE));
        assertArrayEquals(data, read(store, v, 0, 3 * PAGE));
        CacheStats stats = store.stats();
        assertEquals(6, stats.faults().get("memory: java.lang.IllegalStateException"));
        assertEquals(6, stats.faults().get("memory: java.io.UncheckedIOException"));
        assertEquals(12, stats.faultCount());
        assertEquals(2, origin.fetches.get());
    }

    @Test
    void stats_countWhatEachTierDidWithAWrite_andTheFaultsATierReportsItself() {
        byte[] data = bytes(4 * PAGE, 17);
        origin.put(B, "k", data);
        MapTier small = new MapTier("small", PAGE, PAGE); // holds one page: the second write evicts the first
        Tier picky = new DecliningTier("picky");
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, small, picky);
        ObjectVersion v = store.open(B, "k");
        assertArrayEquals(data, read(store, v, 0, 4 * PAGE));
        CacheStats stats = store.stats();
        assertEquals(4, stats.tier("small").stored());
        assertEquals(3, stats.tier("small").evictions());
        assertEquals(
                Map.of(Tier.WriteOutcome.DECLINED_BY_ADMISSION, 4L),
                stats.tier("picky").writes());
        assertEquals(0, stats.tier("picky").stored());
        assertEquals(4L, stats.faults().get("picky: checksum"), "a tier's own fault counts reach the store's stats");
        assertEquals(4, stats.faultCount());
        assertTrue(stats.faults().keySet().stream().noneMatch(k -> k.startsWith("small")), stats.toString());
    }

    /** Declines every page and reports each offer as a fault it found itself. */
    private static final class DecliningTier implements Tier {
        private final String name;
        private final AtomicLong offers = new AtomicLong();

        DecliningTier(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public OptionalInt pageSize() {
            return OptionalInt.of(PAGE);
        }

        @Override
        public boolean read(PageKey key, int offsetInPage, ByteBuffer dst) {
            return false;
        }

        @Override
        public WriteOutcome write(PageKey key, ByteBuffer page) {
            offers.incrementAndGet();
            return WriteOutcome.DECLINED_BY_ADMISSION;
        }

        @Override
        public void invalidate(ObjectId id) {}

        @Override
        public long evictionCount() {
            return 0;
        }

        @Override
        public long usedBytes() {
            return 0;
        }

        @Override
        public Map<String, Long> faultCounts() {
            return Map.of("checksum", offers.get(), "short_read", 0L);
        }

        @Override
        public void close() {}
    }

    @Test
    void build_refusesATierBuiltForAnotherPageSize() {
        TieredStore.Builder b = TieredStore.builder()
                .origin(origin)
                .pageSize(PAGE)
                .tier(new MapTier("memory", 10L * PAGE, PAGE))
                .tier(new MapTier("disk", 10L * 2 * PAGE, 2 * PAGE));
        assertEquals(
                "tier disk holds pages of 200 bytes, but the store's page size is 100: build both with one page size",
                assertThrows(IllegalStateException.class, b::build).getMessage());
        TieredStore any = TieredStore.builder()
                .origin(origin)
                .pageSize(PAGE)
                .tier(new MapTier("any"))
                .build();
        stores.add(any);
        assertEquals(PAGE, any.pageSize());
    }

    @Test
    void build_canBeRepeatedWithoutTiers_butTiersBelongToOneStore() {
        TieredStore.Builder plain = TieredStore.builder().origin(origin).pageSize(PAGE);
        TieredStore first = plain.build();
        TieredStore second = plain.build();
        stores.add(first);
        stores.add(second);
        assertNotSame(first, second);
        assertEquals(PAGE, second.pageSize());
        TieredStore.Builder withTier = TieredStore.builder().origin(origin).tier(new MapTier("m"));
        stores.add(withTier.build());
        assertThrows(IllegalStateException.class, withTier::build);
    }

    @Test
    void readFully_fillsTheBuffer_countsPagesFromTheOrigin_orRefusesARangePastTheEnd() {
        byte[] data = bytes(3 * PAGE + 5, 18);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        ByteBuffer dst = ByteBuffer.allocate(PAGE + 10); // 106 bytes from PAGE - 3: pages 0, 1 and 2
        dst.position(4);
        assertEquals(3, store.readFully(v, PAGE - 3, dst), "three pages came from the origin");
        assertEquals(dst.limit(), dst.position());
        assertEquals(0, store.readFully(v, PAGE, ByteBuffer.allocate(PAGE)), "then every page is in a tier");
        assertEquals(1, store.readFully(v, 3 * PAGE, ByteBuffer.allocate(5)), "the last page, never read before");
        assertArrayEquals(
                Arrays.copyOfRange(data, PAGE - 3, PAGE - 3 + PAGE + 6),
                Arrays.copyOfRange(dst.array(), 4, dst.limit()));
        assertThrows(
                IndexOutOfBoundsException.class, () -> store.readFully(v, 2 * PAGE, ByteBuffer.allocate(PAGE + 6)));
        assertThrows(IndexOutOfBoundsException.class, () -> store.readFully(v, -1, ByteBuffer.allocate(1)));
        ByteBuffer empty = ByteBuffer.allocate(0);
        store.readFully(v, data.length, empty);
        assertEquals(0, empty.position());
    }

    /* --------------- Streaming --------------- */

    @Test
    void stream_returnsTheRange_andStartsAfterTheFirstPage() throws IOException {
        byte[] data = bytes(100 * PAGE + 17, 14);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        CountDownLatch readAheadMayRun = new CountDownLatch(1);
        origin.duringFetch = r -> {
            if (r[0] > 5 * PAGE) { // everything after the first page waits until the first byte is out
                try {
                    assertTrue(readAheadMayRun.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        try (InputStream in = store.newInputStream(v, 5 * PAGE + 3, data.length)) {
            int first = in.read();
            assertEquals(data[5 * PAGE + 3] & 0xFF, first, "first byte arrives with only its own page fetched");
            readAheadMayRun.countDown();
            byte[] rest = in.readAllBytes();
            assertArrayEquals(Arrays.copyOfRange(data, 5 * PAGE + 4, data.length), rest);
        }
        for (long[] r : origin.fetched) { // a cold stream is one origin stream, fetched in bounded pieces here
            assertTrue(r[1] <= PieceStream.MAX_PIECE, "every fetch is bounded: " + r[1]);
        }
    }

    @Test
    void stream_skip_andBoundedLength() throws IOException {
        byte[] data = bytes(20 * PAGE, 15);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        try (InputStream in = store.newInputStream(v, 10, 5 * PAGE)) {
            assertEquals(3 * PAGE, in.skip(3 * PAGE));
            byte[] rest = in.readAllBytes();
            assertArrayEquals(Arrays.copyOfRange(data, 10 + 3 * PAGE, 10 + 5 * PAGE), rest);
            assertEquals(-1, in.read());
        }
    }

    @Test
    void stream_ofAVersionGone_failsWhenOpened_beforeAnyByte() throws IOException {
        origin.put(B, "k", bytes(5 * PAGE, 19));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        origin.put(B, "k", bytes(5 * PAGE, 20));
        ObjectChangedException e =
                assertThrows(ObjectChangedException.class, () -> store.newInputStream(v, 7, 4 * PAGE));
        assertEquals(v, e.expected());
        ObjectVersion now = store.open(B, "k");
        int fetches = origin.fetches.get();
        try (InputStream in = store.newInputStream(now, 0, 0)) {
            assertEquals(fetches, origin.fetches.get(), "an empty stream fetches nothing when opened");
            assertEquals(-1, in.read());
        }
    }

    @Test
    void stream_readOnlyWithinItsFirstPage_fetchesThatPageOnly() throws IOException {
        byte[] data = bytes(40 * PAGE, 21);
        origin.put(B, "k", data);
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        ObjectVersion v = store.open(B, "k");
        try (InputStream in = store.newInputStream(v, 3 * PAGE + 10, 30 * PAGE)) {
            assertEquals(1, origin.fetches.get(), "the first page is read when the stream opens");
            byte[] head = in.readNBytes(PAGE - 10);
            assertArrayEquals(Arrays.copyOfRange(data, 3 * PAGE + 10, 4 * PAGE), head);
        }
        assertEquals(1, origin.fetches.get(), "no read-ahead for a reader that stayed within the first page");
        assertEquals(1, memory.size());
    }

    /* --------------- Builder and lifecycle --------------- */

    @Test
    void builder_validates() {
        assertEquals(
                "origin is required",
                assertThrows(
                                IllegalStateException.class,
                                () -> TieredStore.builder().build())
                        .getMessage());
        TieredStore.Builder b = TieredStore.builder().pageSize(4096);
        assertEquals(
                "page size was already set to 4096",
                assertThrows(IllegalStateException.class, () -> b.pageSize(8192))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> TieredStore.builder().pageSize(0));
        assertThrows(IllegalArgumentException.class, () -> TieredStore.builder().maxPagesPerFetch(0));
        assertThrows(IllegalArgumentException.class, () -> TieredStore.builder().maxConcurrentFetches(-1));
        assertThrows(
                IllegalStateException.class,
                () -> TieredStore.builder().tier(new MapTier("m")).tier(new MapTier("m")));
        assertThrows(
                IllegalStateException.class,
                () -> TieredStore.builder()
                        .origin(origin)
                        .fetchExecutor(Runnable::run)
                        .maxConcurrentFetches(2)
                        .build());
        assertThrows(IllegalArgumentException.class, () -> ConsistencyPolicy.ttl(Duration.ZERO));
        assertEquals(
                "page size 67108864 times max pages per fetch 32 exceeds 1073741824 bytes per fetch",
                assertThrows(
                                IllegalStateException.class,
                                () -> TieredStore.builder()
                                        .origin(origin)
                                        .pageSize(64 << 20)
                                        .maxPagesPerFetch(32)
                                        .build())
                        .getMessage());
    }

    @Test
    void close_closesTheStore() {
        origin.put(B, "k", bytes(1, 16));
        TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory);
        store.close();
        assertThrows(IllegalStateException.class, () -> store.open(B, "k"));
    }
}
