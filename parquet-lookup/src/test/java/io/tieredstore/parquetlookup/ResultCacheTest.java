package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.PartitionedTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The result cache in S3Mock: a key looked up again is answered without reading or decompressing a page, and never
 * for versions its rows were not read from: an object overwritten (seen by a STRICT check or a refresh), added or
 * removed changes the next answer; repeated keys of every kind answer what a lookup without the cache answers; the
 * cache stays within its bound.
 */
@ExtendWith(S3Extension.class)
class ResultCacheTest {
    /** Four parts of 200 rows, three columns. */
    private static final PartVersions T = new PartVersions(4, 200, 3, 5, 77);

    private static final PartitionedTable A = T.a;
    private static final PartitionedTable B = T.b;

    @BeforeAll
    static void write(@TempDir Path dir) throws IOException {
        T.write(dir);
    }

    @Test
    void get_sameKeyAgain_isAnsweredWithoutReadingOrDecompressingAPage(S3Fixture s3) {
        T.upload(s3, 3);
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
                ParquetLookup lookup = lookup(store, s3, ParquetLookup.Builder.DEFAULT_MAX_RESULT_BYTES)) {
            long g = T.rows + 17;
            LookupHarness.assertRows(List.of(row(A, 1, g)), lookup.get(A.key(g)), "first");
            LookupHarness.assertRows(List.of(row(A, 1, g)), lookup.get(A.key(g)), "second: the catalog now prunes");
            long absent = A.key(g) + 1; // keys are not dense here
            LookupHarness.assertRows(List.of(), lookup.get(absent), "absent");
            LookupStats before = lookup.stats();
            long requests = store.stats().originRequests();
            LookupHarness.assertRows(List.of(row(A, 1, g)), lookup.get(A.key(g)), "third");
            LookupHarness.assertRows(List.of(), lookup.get(absent), "absent again");
            LookupStats after = lookup.stats();
            assertEquals(before.resultHits() + 2, after.resultHits(), "the third lookup and the absent key again");
            assertEquals(before.pagesDecompressed(), after.pagesDecompressed(), "no page was decompressed");
            assertEquals(before.pageCacheHits(), after.pageCacheHits(), "no page was read for a cached key");
            assertEquals(requests, store.stats().originRequests(), "nothing went to S3");
            assertTrue(after.resultCache().rows() >= 1, "the key's row is held");
            assertTrue(after.resultCache().heapBytesPerRow() > 0);
        }
    }

    @Test
    void get_objectOverwrittenUnderStrict_answersTheNewVersionsRows(S3Fixture s3) {
        T.upload(s3, 3);
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.STRICT, 64 << 10);
                ParquetLookup lookup = lookup(store, s3, ParquetLookup.Builder.DEFAULT_MAX_RESULT_BYTES)) {
            long g = 2 * T.rows + 9;
            for (int i = 0; i < 3; i++) {
                LookupHarness.assertRows(List.of(row(A, 2, g)), lookup.get(A.key(g)), "before, " + i);
            }
            assertTrue(lookup.stats().resultHits() >= 1, "the key was cached");
            PartVersions.put(s3, PartVersions.name(2), T.b(2));
            long hits = lookup.stats().resultHits();
            LookupHarness.assertRows(List.of(row(B, 2, g)), lookup.get(A.key(g)), "after the overwrite");
            assertEquals(hits, lookup.stats().resultHits(), "the old version's rows are not served");
            LookupHarness.assertRows(List.of(row(B, 2, g)), lookup.get(A.key(g)), "the new rows, cached");
            assertEquals(hits + 1, lookup.stats().resultHits());
        }
    }

    @Test
    void get_objectsAddedChangedAndRemovedByRefresh_changeTheCachedKeysAnswers(S3Fixture s3) {
        T.upload(s3, 3);
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
                ParquetLookup lookup = lookup(store, s3, ParquetLookup.Builder.DEFAULT_MAX_RESULT_BYTES)) {
            long g0 = 5;
            long g1 = T.rows + 5;
            long g3 = 3 * T.rows + 5;
            for (int i = 0; i < 2; i++) {
                LookupHarness.assertRows(List.of(row(A, 0, g0)), lookup.get(A.key(g0)), "part 0");
                LookupHarness.assertRows(List.of(row(A, 1, g1)), lookup.get(A.key(g1)), "part 1");
                LookupHarness.assertRows(List.of(), lookup.get(A.key(g3)), "part 3 is not in the table yet");
            }
            // part 0 changes, part 1 goes, part 3 comes, and a copy of part 3 under a new name holds the same keys
            PartVersions.put(s3, PartVersions.name(0), T.b(0));
            s3.s3().deleteObject(b -> b.bucket(s3.bucket()).key(PartVersions.name(1)));
            PartVersions.put(s3, PartVersions.name(3), T.a(3));
            PartVersions.put(s3, "t/z-copy.parquet", T.a(3));
            lookup.refresh();
            for (int i = 0; i < 2; i++) {
                LookupHarness.assertRows(List.of(row(B, 0, g0)), lookup.get(A.key(g0)), "changed part 0, " + i);
                LookupHarness.assertRows(List.of(), lookup.get(A.key(g1)), "removed part 1, " + i);
                LookupHarness.assertRows(
                        List.of(row(A, 3, g3), new Row("t/z-copy.parquet", g3 % T.rows, T.values(A, g3))),
                        lookup.get(A.key(g3)),
                        "added part 3 and its copy, " + i);
            }
        }
    }

    @Test
    void getAll_repeatedKeysOfEveryKind_answerWhatALookupWithoutTheCacheAnswers(S3Fixture s3) {
        T.upload(s3, 4);
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
                ParquetLookup cached = lookup(store, s3, 16 << 10); // small: entries come and go
                ParquetLookup plain = lookup(store, s3, 0)) {
            Random random = new Random(11);
            for (int round = 0; round < 40; round++) {
                List<Object> keys = new ArrayList<>();
                for (int i = 0; i < 1 + random.nextInt(6); i++) {
                    long g = random.nextInt((int) (4 * T.rows));
                    long key = A.key(g);
                    keys.add(
                            switch (random.nextInt(4)) {
                                case 0 -> key;
                                case 1 -> (int) key; // the same rows under another key type
                                case 2 -> key + 1; // absent where keys are not dense
                                default -> A.key(random.nextInt(8)); // a few very hot keys
                            });
                }
                List<LookupResult> expected = plain.getAll(keys);
                List<LookupResult> actual = cached.getAll(keys);
                for (int i = 0; i < keys.size(); i++) {
                    LookupHarness.assertRows(expected.get(i).rows(), actual.get(i), "round " + round + " key " + i);
                    assertEquals(keys.get(i), actual.get(i).key(), "the key as asked");
                }
            }
            LookupStats s = cached.stats();
            assertTrue(s.resultHits() > 0, "repeated keys were answered from the cache");
            assertTrue(s.resultCache().heapBytes() <= 16 << 10, "within the bound: " + s.resultCache());
            assertEquals(0, plain.stats().resultHits());
            assertEquals(new LookupStats.ResultCacheStats(0, 0), plain.stats().resultCache());
        }
    }

    @Test
    void get_everyColumnType_comesBackFromTheCacheAsTheFirstAnswerHadIt(S3Fixture s3, @TempDir Path dir)
            throws IOException {
        PartitionedTable wide = PartitionedTable.builder()
                .parts(1)
                .rowsPerPart(300)
                .columns(ParquetTable.defaultColumns())
                .codec(ParquetTable.Codec.ZSTD)
                .seed(3)
                .build();
        PartVersions.put(
                s3,
                "w/" + PartitionedTable.fileName(0),
                Files.readAllBytes(wide.writeTo(dir).get(0)));
        List<String> all =
                ParquetTable.defaultColumns().stream().map(Column::name).toList();
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
                ParquetLookup lookup = ParquetLookup.builder()
                        .store(store)
                        .bucket(s3.bucket())
                        .objects(List.of("w/" + PartitionedTable.fileName(0)))
                        .keyColumn(ParquetTable.KEY_COLUMN)
                        .columns(all)
                        .build()) {
            for (long g = 0; g < 300; g += 7) {
                List<@Nullable Object> values = new ArrayList<>();
                for (String c : all) {
                    values.add(wide.value(c, g));
                }
                List<Row> expected = List.of(new Row("w/" + PartitionedTable.fileName(0), g, values));
                LookupHarness.assertRows(expected, lookup.get(wide.key(g)), "first, row " + g);
                long hits = lookup.stats().resultHits();
                LookupHarness.assertRows(expected, lookup.get(wide.key(g)), "from the cache, row " + g);
                assertEquals(hits + 1, lookup.stats().resultHits(), "row " + g);
            }
        }
    }

    private static ParquetLookup lookup(TieredStore store, S3Fixture s3, long maxResultBytes) {
        return T.lookup(store, s3).maxResultBytes(maxResultBytes).build();
    }

    private static Row row(PartitionedTable t, int part, long g) {
        return T.row(t, PartVersions.name(part), g);
    }
}
