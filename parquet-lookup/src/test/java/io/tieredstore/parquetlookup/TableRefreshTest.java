package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.PartitionedTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * A table listed under a prefix in S3Mock: an overwritten object is seen by the next lookup and its catalog summary
 * replaced; refresh() keeps the summaries of unchanged objects (their ETag and size match the listing) and drops
 * removed ones, and added and changed objects are read on their next lookup; preload() loads every object so that
 * lookups parse no metadata, and reports a corrupt object with its typed exception while the others load.
 */
@ExtendWith(S3Extension.class)
class TableRefreshTest {
    /** Seven parts of 20 rows, two columns; the table starts with the first six. */
    private static final PartVersions T = new PartVersions(7, 20, 2, 21, 99);

    private static final PartitionedTable A = T.a;
    private static final PartitionedTable B = T.b;

    @BeforeAll
    static void write(@TempDir Path dir) throws IOException {
        T.write(dir);
    }

    @Test
    void get_objectOverwrittenWithOtherKeys_isSeenByTheNextLookupAndItsSummaryReplaced(S3Fixture s3) {
        T.upload(s3, 6);
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.STRICT, 64 << 10);
                ParquetLookup lookup = lookup(store, s3)) {
            long inPart2 = A.key(2 * T.rows + 5);
            long inPart3 = A.key(3 * T.rows + 7);
            LookupHarness.assertRows(
                    List.of(T.row(A, PartVersions.name(2), 2 * T.rows + 5)), lookup.get(inPart2), "before");
            PartVersions.put(s3, PartVersions.name(2), T.a(3)); // part 2 now holds part 3's rows
            LookupHarness.assertRows(List.of(), lookup.get(inPart2), "the old range no longer holds the key");
            // object 2, now holding part 3's rows, answers for a key of part 3 too
            LookupHarness.assertRows(
                    List.of(
                            T.row(A, PartVersions.name(2), 3 * T.rows + 7),
                            T.row(A, PartVersions.name(3), 3 * T.rows + 7)),
                    lookup.get(inPart3),
                    "the new range");
            assertEquals(6, lookup.stats().catalogObjects());
        }
    }

    @Test
    void refresh_keepsUnchangedSummariesDropsRemovedAndReadsAddedAndChanged(S3Fixture s3) {
        T.upload(s3, 6);
        // IMMUTABLE: without refresh() invalidating it, the store would keep serving part 4's old version
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
                ParquetLookup lookup = lookup(store, s3)) {
            for (int p = 0; p < 6; p++) {
                long g = p * T.rows + 3;
                LookupHarness.assertRows(List.of(T.row(A, PartVersions.name(p), g)), lookup.get(A.key(g)), "part " + p);
            }
            assertEquals(6, lookup.stats().catalogObjects());
            s3.s3().deleteObject(b -> b.bucket(s3.bucket()).key(PartVersions.name(1)));
            PartVersions.put(s3, PartVersions.name(4), T.b(4));
            PartVersions.put(s3, PartVersions.name(6), T.a(6));

            assertEquals(
                    List.of(
                            PartVersions.name(0),
                            PartVersions.name(2),
                            PartVersions.name(3),
                            PartVersions.name(4),
                            PartVersions.name(5),
                            PartVersions.name(6)),
                    lookup.refresh());
            assertEquals(4, lookup.stats().catalogObjects(), "parts 0, 2, 3 and 5 are unchanged");

            LookupStats s = lookup.stats();
            long g4 = 4 * T.rows + 3;
            LookupHarness.assertRows(
                    List.of(T.row(B, PartVersions.name(4), g4)), lookup.get(A.key(g4)), "changed part 4");
            assertEquals(2, lookup.stats().objectsOpened() - s.objectsOpened(), "parts 4 and 6, not yet summarized");
            long g6 = 6 * T.rows + 3;
            LookupHarness.assertRows(
                    List.of(T.row(A, PartVersions.name(6), g6)), lookup.get(A.key(g6)), "added part 6");
            LookupHarness.assertRows(List.of(), lookup.get(A.key(T.rows + 3)), "removed part 1");

            s = lookup.stats();
            LookupHarness.assertRows(
                    List.of(T.row(A, PartVersions.name(0), 3)), lookup.get(A.key(3)), "unchanged part 0");
            assertEquals(1, lookup.stats().objectsOpened() - s.objectsOpened());
            assertEquals(s.metadataLoads(), lookup.stats().metadataLoads(), "part 0's metadata is still cached");
            assertEquals(6, lookup.stats().catalogObjects());
        }
    }

    @Test
    void preload_whileLookupsRun_thenLookupsLoadNoMetadata(S3Fixture s3) throws Exception {
        List<ParquetTable> tables = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ParquetTable t = ParquetTable.builder()
                    .rows(300)
                    .columns(ParquetTable.defaultColumns().subList(0, 2))
                    .keyOrder(i % 2 == 0 ? ParquetTable.KeyOrder.SORTED : ParquetTable.KeyOrder.SHUFFLED)
                    .keyBloomFilter(i == 1)
                    .dictionary(false) // lookups decode dictionaries, which preload does not read
                    .pageRowLimit(50)
                    .seed(40 + i)
                    .build();
            String name = String.format(java.util.Locale.ROOT, "p/t%d.parquet", i);
            t.uploadTo(s3.s3(), s3.bucket(), name);
            tables.add(t);
            names.add(name);
        }
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
                ParquetLookup lookup = ParquetLookup.builder()
                        .store(store)
                        .bucket(s3.bucket())
                        .prefix(s3.s3(), "p/")
                        .keyColumn(ParquetTable.KEY_COLUMN)
                        .columns(T.columns)
                        .build()) {
            CompletableFuture<PreloadResult> preload = lookup.preload(2);
            for (long key = 0; key < 40; key++) { // meanwhile, lookups stay exact
                LookupHarness.assertRows(expected(tables, names, key), lookup.get(key), "during preload, key " + key);
            }
            PreloadResult r = preload.get(60, TimeUnit.SECONDS);
            assertEquals(4, r.objects());
            assertEquals(4, r.objectsLoaded());
            assertEquals(List.of(), List.copyOf(r.failures().keySet()));
            LookupStats loaded = lookup.stats();
            assertEquals(4, loaded.catalogObjects());
            for (long key = 0; key < 620; key += 3) {
                LookupHarness.assertRows(expected(tables, names, key), lookup.get(key), "key " + key);
            }
            LookupStats after = lookup.stats();
            assertEquals(loaded.metadataLoads(), after.metadataLoads(), after.toString());
            assertTrue(after.metadataHits() > loaded.metadataHits());
        }
    }

    @Test
    void preload_corruptObject_isReportedTypedAndTheOthersLoad(S3Fixture s3) throws Exception {
        T.upload(s3, 3);
        byte[] good = T.a(5);
        PartVersions.put(s3, "t/part-bad.parquet", Arrays.copyOf(good, good.length / 2));
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
                ParquetLookup lookup = lookup(store, s3)) {
            PreloadResult r = lookup.preload().get(60, TimeUnit.SECONDS);
            assertEquals(4, r.objects());
            assertEquals(3, r.objectsLoaded());
            assertEquals(List.of("t/part-bad.parquet"), List.copyOf(r.failures().keySet()));
            assertInstanceOf(CorruptParquetException.class, r.failures().get("t/part-bad.parquet"));
            assertEquals(3, lookup.stats().catalogObjects());
        }
    }

    @Test
    void refresh_overlapping_theListingThatStartedLastStaysWhicheverFinishesLast(S3Fixture s3) throws Exception {
        T.upload(s3, 3);
        PausingLister lister = new PausingLister(s3.s3());
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
                ParquetLookup lookup = ParquetLookup.builder()
                        .store(store)
                        .bucket(s3.bucket())
                        .prefix(lister, "t/")
                        .keyColumn(ParquetTable.KEY_COLUMN)
                        .columns(T.columns)
                        .build()) {
            assertEquals(List.of(PartVersions.name(0), PartVersions.name(1), PartVersions.name(2)), lookup.objects());
            lister.pauseNext(); // the next listing returns what it saw only once released
            CompletableFuture<List<String>> slow = CompletableFuture.supplyAsync(lookup::refresh);
            assertTrue(lister.listed.await(30, TimeUnit.SECONDS), "the slow refresh listed the three parts");
            PartVersions.put(s3, PartVersions.name(3), T.a(3));
            assertEquals(
                    List.of(PartVersions.name(0), PartVersions.name(1), PartVersions.name(2), PartVersions.name(3)),
                    lookup.refresh(),
                    "a later refresh");
            lister.release.countDown();
            assertEquals(
                    List.of(PartVersions.name(0), PartVersions.name(1), PartVersions.name(2), PartVersions.name(3)),
                    slow.get(30, TimeUnit.SECONDS),
                    "the slow refresh returns the newer listing");
            assertEquals(
                    List.of(PartVersions.name(0), PartVersions.name(1), PartVersions.name(2), PartVersions.name(3)),
                    lookup.objects(),
                    "and leaves it in place");
            long g3 = 3 * T.rows + 1;
            LookupHarness.assertRows(
                    List.of(T.row(A, PartVersions.name(3), g3)), lookup.get(A.key(g3)), "part 3 is in the table");
        }
    }

    /** A lister whose next listing, once armed, waits after S3 answered until the test releases it. */
    private static final class PausingLister implements S3Client {
        private final S3Client s3;
        private volatile boolean armed;
        final CountDownLatch listed = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        PausingLister(S3Client s3) {
            this.s3 = s3;
        }

        void pauseNext() {
            armed = true;
        }

        @Override
        public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
            ListObjectsV2Response response = s3.listObjectsV2(request);
            if (armed) {
                armed = false;
                listed.countDown();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return response;
        }

        @Override
        public String serviceName() {
            return s3.serviceName();
        }

        @Override
        public void close() {
            // the fixture's client is the fixture's to close
        }
    }

    private static ParquetLookup lookup(TieredStore store, S3Fixture s3) {
        return T.lookup(store, s3).build();
    }

    private static List<Row> expected(List<ParquetTable> tables, List<String> names, long key) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            for (long x : tables.get(i).rowsForKey(key)) {
                List<@Nullable Object> values = new ArrayList<>();
                for (String c : T.columns) {
                    values.add(tables.get(i).value(c, x));
                }
                out.add(new Row(names.get(i), x, values));
            }
        }
        return out;
    }
}
