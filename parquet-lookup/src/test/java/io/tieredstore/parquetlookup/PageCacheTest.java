package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.TieredStore;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultRule;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The off-heap cache of decompressed pages through the public API: hot lookups decompress nothing, the stats say
 * what it holds, its bound holds, and pages evicted while other calls read them never give wrong rows.
 */
@ExtendWith(S3Extension.class)
class PageCacheTest {
    private static final List<String> COLUMNS =
            ParquetTable.defaultColumns().stream().map(Column::name).toList();

    @Test
    void hotLookupsReadPagesFromTheCacheAndTheStatsSayWhatItHolds(S3Fixture s3) throws IOException {
        ParquetTable t = table(21, 8_000).build();
        String object = upload(s3, t, "cache/hot.parquet");
        try (TieredStore store = store(s3);
                ParquetLookup lookup = base(store, s3, object).build()) {
            Object key = t.key(4_321);
            assertEquals(expected(t, object, key), lookup.get(key).rows());
            LookupStats before = lookup.stats();
            for (int i = 0; i < 5; i++) {
                assertEquals(expected(t, object, key), lookup.get(key).rows());
            }
            LookupStats after = lookup.stats();
            assertEquals(before.pagesDecompressed(), after.pagesDecompressed(), after.toString());
            // the key page and a page per projected column, five times over
            assertEquals(5L * (1 + COLUMNS.size()), after.pageCacheHits() - before.pageCacheHits(), after.toString());
            LookupStats.PageCacheStats held = after.pageCache();
            assertEquals(before.pagesDecompressed(), held.pages(), held.toString());
            assertTrue(held.rows() >= 200L * held.pages(), held.toString());
            assertTrue(held.offHeapBytes() >= PageMemory.MIN_BLOCK * held.pages(), held.toString());
            assertTrue(held.reservedBytes() <= ParquetLookup.Builder.DEFAULT_MAX_DECOMPRESSED_BYTES, held.toString());
            assertTrue(held.offHeapBytesPerRow() > 0, held.toString());
            assertTrue(held.heapBytesPerRow() < 8, "small per-page tables, not decoded values: " + held);
            assertEquals(0, held.declined(), held.toString());
        }
    }

    @Test
    void offTheCacheHoldsNothingAndEveryLookupDecompressesAgain(S3Fixture s3) throws IOException {
        ParquetTable t = table(22, 3_000).build();
        String object = upload(s3, t, "cache/off.parquet");
        try (TieredStore store = store(s3);
                ParquetLookup lookup =
                        base(store, s3, object).maxDecompressedBytes(0).build()) {
            Object key = t.key(1_000);
            lookup.get(key);
            LookupStats before = lookup.stats();
            assertEquals(expected(t, object, key), lookup.get(key).rows());
            LookupStats after = lookup.stats();
            assertEquals(1 + COLUMNS.size(), after.pagesDecompressed() - before.pagesDecompressed(), after.toString());
            assertEquals(0, after.pageCacheHits(), after.toString());
            assertEquals(new LookupStats.PageCacheStats(0, 0, 0, 0, 0, 0, 0), after.pageCache());
        }
    }

    @Test
    void aBoundOfAFewPagesHoldsAndConcurrentLookupsUnderEvictionStayExact(S3Fixture s3) throws Exception {
        ParquetTable t = table(23, 20_000).build();
        String object = upload(s3, t, "cache/churn.parquet");
        long bound = 96 << 10; // a few dozen pages of 200 rows: far fewer than the table's
        try (TieredStore store = store(s3);
                ParquetLookup lookup =
                        base(store, s3, object).maxDecompressedBytes(bound).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Integer>> runs = new ArrayList<>();
                for (int thread = 0; thread < 2; thread++) {
                    long seed = thread;
                    runs.add(pool.submit(() -> {
                        Random random = new Random(seed);
                        int checked = 0;
                        for (int i = 0; i < 400; i++) {
                            Object key = t.key(random.nextInt((int) t.rows()));
                            assertEquals(
                                    expected(t, object, key), lookup.get(key).rows(), "key " + key);
                            LookupStats.PageCacheStats s = lookup.stats().pageCache();
                            assertTrue(s.reservedBytes() <= bound, s.toString());
                            checked++;
                        }
                        return checked;
                    }));
                }
                for (Future<Integer> run : runs) {
                    assertEquals(400, run.get());
                }
            } finally {
                pool.shutdownNow();
            }
            LookupStats stats = lookup.stats();
            assertTrue(stats.pageCacheHits() > 0, "some pages stayed: " + stats);
            assertTrue(stats.pagesDecompressed() > stats.pageCache().pages(), "and others went: " + stats);
            // every call has released what it read: what is given out is exactly what the cache holds
            assertTrue(stats.pageCache().offHeapBytes() <= bound, stats.toString());
            assertEquals(0, stats.pageCache().inUse(), stats.toString());
        }
    }

    /**
     * A lookup whose round fails (connection resets beyond the SDK's retries) releases every page it held, also
     * the pages its round's tasks decompressed before another read of the round failed: none stays in use.
     */
    @Test
    void aLookupWhoseRoundFailsReleasesThePagesItsTasksOpened(S3Fixture s3) throws IOException {
        ParquetTable t = table(24, 8_000).build();
        String object = upload(s3, t, "cache/failing.parquet");
        Random random = new Random(24);
        int failedAfterDecompressing = 0;
        for (int i = 0; i < 40 && failedAfterDecompressing < 3; i++) {
            s3.faults(FaultPlan.none());
            try (TieredStore store = store(s3);
                    ParquetLookup lookup = base(store, s3, object).build()) {
                Object warm = t.key(random.nextInt((int) t.rows()));
                assertEquals(expected(t, object, warm), lookup.get(warm).rows()); // metadata at hand: pages next
                s3.faults(FaultPlan.builder().seed(i).reset(FaultRule.rate(0.7)).build());
                long decompressed = lookup.stats().pagesDecompressed();
                Object key = t.key(random.nextInt((int) t.rows()));
                try {
                    assertEquals(expected(t, object, key), lookup.get(key).rows());
                } catch (SdkException e) {
                    if (lookup.stats().pagesDecompressed() > decompressed) {
                        failedAfterDecompressing++;
                    }
                }
                assertEquals(
                        0, lookup.stats().pageCache().inUse(), lookup.stats().toString());
            }
        }
        assertTrue(failedAfterDecompressing > 0, "some failed lookup had decompressed pages before it failed");
    }

    private static ParquetTable.Builder table(long seed, long rows) {
        return ParquetTable.builder()
                .rows(rows)
                .keyType(ParquetTable.KeyType.INT64)
                .keyOrder(ParquetTable.KeyOrder.SORTED)
                .pageRowLimit(200)
                .seed(seed);
    }

    private static String upload(S3Fixture s3, ParquetTable t, String key) throws IOException {
        t.uploadTo(s3.s3(), s3.bucket(), key);
        return key;
    }

    private static List<Row> expected(ParquetTable t, String object, Object key) {
        return expected(t, object, key, COLUMNS);
    }

    private static List<Row> expected(ParquetTable t, String object, Object key, List<String> columns) {
        List<Row> out = new ArrayList<>();
        for (long x : t.rowsForKey(key)) {
            List<Object> values = new ArrayList<>();
            for (String c : columns) {
                values.add(t.value(c, x));
            }
            out.add(new Row(object, x, values));
        }
        return out;
    }

    private static ParquetLookup.Builder base(TieredStore store, S3Fixture s3, String object) {
        return ParquetLookup.builder()
                .store(store)
                .bucket(s3.bucket())
                .objects(List.of(object))
                .keyColumn(ParquetTable.KEY_COLUMN)
                .columns(COLUMNS)
                .maxResultBytes(0); // keys looked up again read their pages: this is the page cache's test
    }

    private static TieredStore store(S3Fixture s3) {
        return TieredStore.builder()
                .origin(S3Origin.create(s3.s3()))
                .tier(new MapTier("map"))
                .pageSize(64 << 10)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
    }
}
