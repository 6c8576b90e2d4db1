package io.tieredstore.pagestore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ObjectId;
import io.tieredstore.core.PageKey;
import io.tieredstore.core.TierContractTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Concurrent stress with a content oracle: every page's bytes are a function of its key, and every hit is
 * compared byte for byte, so a read of a freed, recycled or foreign slot is caught.
 */
final class MemoryTierStressTest {
    private static final int THREADS = 8;
    private static final int PAGE_SIZE = 2048;
    private static final int SLOTS = 24;
    private static final long CAPACITY = (long) SLOTS * PAGE_SIZE;

    /** The keys of the workload and their expected content; lengths vary from 1 to PAGE_SIZE. */
    private final List<PageKey> keys = new ArrayList<>();

    private final List<byte[]> expected = new ArrayList<>();

    MemoryTierStressTest() {
        for (String object : List.of("a", "b", "c")) {
            for (String version : List.of("v1", "v2")) {
                for (long index = 0; index < 40; index++) {
                    final PageKey key = new PageKey(new ObjectId("s3", "bucket", object), version, index);
                    keys.add(key);
                    expected.add(TierContractTest.content(key, 1 + Math.floorMod(key.hashCode() * 31 + 7, PAGE_SIZE)));
                }
            }
        }
    }

    @ParameterizedTest(name = "asyncMaintenance={0}")
    @ValueSource(booleans = {false, true})
    void randomWorkload_neverReadsWrongBytes(boolean asyncMaintenance) throws Exception {
        final ExecutorService maintenance = Executors.newSingleThreadExecutor();
        final MemoryTier.Builder builder =
                MemoryTier.builder().capacity(CAPACITY).pageSize(PAGE_SIZE);
        if (asyncMaintenance) {
            builder.executor(maintenance);
        }
        final ExecutorService workers = Executors.newFixedThreadPool(THREADS);
        try (MemoryTier tier = builder.build()) {
            final LongAdder hits = new LongAdder();
            final LongAdder wrong = new LongAdder();
            final LongAdder stored = new LongAdder();
            final LongAdder overBudget = new LongAdder();
            final CyclicBarrier start = new CyclicBarrier(THREADS);
            final List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                final long seed = 1000L * t + (asyncMaintenance ? 1 : 0);
                done.add(CompletableFuture.runAsync(
                        () -> {
                            await(start);
                            runWorker(tier, new SplittableRandom(seed), 60_000, hits, wrong, stored, overBudget);
                        },
                        workers));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            assertEquals(0, wrong.sum(), "reads that returned bytes of the wrong page");
            assertEquals(0, overBudget.sum(), "observations over the byte budget");
            assertTrue(hits.sum() > 10_000, "hits: " + hits.sum());
            assertTrue(stored.sum() > 1_000, "stored writes: " + stored.sum());
            assertTrue(tier.evictionCount() > 1_000, "evictions: " + tier.evictionCount());
            assertQuiescentStateIsConsistent(tier);
        } finally {
            workers.shutdownNow();
            maintenance.shutdownNow();
        }
    }

    @Test
    void readersRacingRecycling_neverSeeTheOtherPage() throws Exception {
        // Two pages take turns in the same slot (the slab hands the last freed slot out first), while
        // readers keep reading the first: without the reference count they would copy the second's bytes.
        final PageKey first = keys.get(0);
        final PageKey second = keys.get(keys.size() - 1);
        final byte[] firstBytes = TierContractTest.content(first, PAGE_SIZE);
        final byte[] secondBytes = TierContractTest.content(second, PAGE_SIZE);
        final ExecutorService workers = Executors.newFixedThreadPool(3);
        try (MemoryTier tier = MemoryTier.builder()
                .capacity(4L * PAGE_SIZE)
                .pageSize(PAGE_SIZE)
                .build()) {
            final AtomicBoolean writing = new AtomicBoolean(true);
            final LongAdder hits = new LongAdder();
            final LongAdder misses = new LongAdder();
            final LongAdder wrong = new LongAdder();
            final CyclicBarrier start = new CyclicBarrier(3);
            final CompletableFuture<Void> writer = CompletableFuture.runAsync(
                    () -> {
                        await(start);
                        try {
                            for (int i = 0; i < 100_000; i++) {
                                tier.write(first, ByteBuffer.wrap(firstBytes));
                                tier.invalidate(first.id());
                                tier.write(second, ByteBuffer.wrap(secondBytes));
                                tier.invalidate(second.id());
                            }
                        } finally {
                            writing.set(false);
                        }
                    },
                    workers);
            final List<CompletableFuture<Void>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(CompletableFuture.runAsync(
                        () -> {
                            await(start);
                            final ByteBuffer dst = ByteBuffer.allocate(PAGE_SIZE);
                            while (writing.get()) {
                                dst.clear();
                                if (tier.read(first, 0, dst)) {
                                    hits.increment();
                                    if (!ByteBuffer.wrap(firstBytes).equals(dst.flip())) {
                                        wrong.increment();
                                    }
                                } else {
                                    misses.increment();
                                }
                            }
                        },
                        workers));
            }
            writer.get(60, TimeUnit.SECONDS);
            CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            assertEquals(0, wrong.sum(), "reads that returned the other page's bytes");
            assertTrue(hits.sum() > 100, "hits: " + hits.sum());
            assertTrue(misses.sum() > 100, "misses: " + misses.sum());
            assertQuiescentStateIsConsistent(tier);
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void close_underLoad_neverThrowsOrReadsWrongBytes() throws Exception {
        final int threads = 4;
        final ExecutorService workers = Executors.newFixedThreadPool(threads);
        try {
            final MemoryTier tier =
                    MemoryTier.builder().capacity(CAPACITY).pageSize(PAGE_SIZE).build();
            final LongAdder hits = new LongAdder();
            final LongAdder wrong = new LongAdder();
            final LongAdder stored = new LongAdder();
            final LongAdder overBudget = new LongAdder();
            final CountDownLatch warmedUp = new CountDownLatch(threads);
            final List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final SplittableRandom random = new SplittableRandom(77L + t);
                done.add(CompletableFuture.runAsync(
                        () -> {
                            runWorker(tier, random, 5_000, hits, wrong, stored, overBudget);
                            warmedUp.countDown();
                            runWorker(tier, random, 20_000, hits, wrong, stored, overBudget);
                        },
                        workers));
            }
            assertTrue(warmedUp.await(60, TimeUnit.SECONDS));
            tier.close();
            final long hitsAtClose = hits.sum();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            assertEquals(0, wrong.sum(), "reads that returned bytes of the wrong page");
            assertEquals(0, overBudget.sum());
            assertTrue(hitsAtClose > 1_000, "hits before close: " + hitsAtClose);
            assertEquals(0, tier.usedBytes());
            assertEquals(0, tier.slab().reservedBytes());
            for (PageKey key : keys) {
                assertFalse(tier.read(key, 0, ByteBuffer.allocate(1)));
            }
        } finally {
            workers.shutdownNow();
        }
    }

    private void runWorker(
            MemoryTier tier,
            SplittableRandom random,
            int operations,
            LongAdder hits,
            LongAdder wrong,
            LongAdder stored,
            LongAdder overBudget) {
        final ByteBuffer dst = ByteBuffer.allocate(PAGE_SIZE);
        for (int op = 0; op < operations; op++) {
            final double u = random.nextDouble();
            final int k = (int) (keys.size() * u * u); // skewed toward low indexes
            final PageKey key = keys.get(k);
            final byte[] bytes = expected.get(k);
            final int choice = random.nextInt(100);
            if (choice < 60) {
                final int offset = random.nextInt(bytes.length);
                final int length = random.nextInt(bytes.length - offset + 1);
                dst.clear().limit(length);
                if (tier.read(key, offset, dst)) {
                    hits.increment();
                    if (dst.position() != length
                            || !ByteBuffer.wrap(bytes, offset, length).equals(dst.flip())) {
                        wrong.increment();
                    }
                } else if (dst.position() != 0) {
                    wrong.increment();
                }
            } else if (choice < 99) {
                if (tier.write(key, ByteBuffer.wrap(bytes).asReadOnlyBuffer()).stored()) {
                    stored.increment();
                }
            } else {
                tier.invalidate(key.id());
            }
            if (op % 64 == 0 && (tier.usedBytes() > CAPACITY || tier.slab().reservedBytes() > CAPACITY)) {
                overBudget.increment();
            }
        }
    }

    /** With no reader in flight: every allocated slot is indexed and the accounting matches the index. */
    private void assertQuiescentStateIsConsistent(MemoryTier tier) {
        final long indexed = tier.indexedPages();
        long held = 0;
        for (PageKey key : keys) {
            final PageEntry entry = tier.peek(key);
            if (entry != null) {
                held += entry.length();
            }
        }
        assertEquals(indexed, tier.slab().allocatedSlots(), "allocated slots match indexed pages");
        assertEquals(held, tier.usedBytes(), "usedBytes matches the indexed pages");
        assertTrue(tier.slab().reservedBytes() <= CAPACITY, "reserved within capacity");
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
