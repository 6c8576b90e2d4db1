package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.Tier;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.LocalPageStore;
import io.tieredstore.parquetlookup.proto.LookupResultMessage;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** The lookup's behaviour through its public API, against the generator's oracle. */
@ExtendWith(S3Extension.class)
class ParquetLookupTest {
    private static final List<String> COLUMNS =
            ParquetTable.defaultColumns().stream().map(Column::name).toList();

    /* --------------- answers --------------- */

    @Test
    void get_sortedTableOverSeveralObjects_matchesTheOracle(S3Fixture s3) throws IOException {
        List<ParquetTable> tables = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int f = 0; f < 3; f++) {
            ParquetTable t = table(f, 5_000, ParquetTable.KeyOrder.SORTED).build();
            keys.add(upload(s3, t, "t/part-" + f + ".parquet"));
            tables.add(t);
        }
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = lookup(store, s3, keys)) {
            for (ParquetTable t : tables) {
                for (long row = 0; row < t.rows(); row += 37) {
                    Object key = t.key(row);
                    assertEquals(expected(tables, keys, key), lookup.get(key).rows(), "key " + key);
                }
            }
            assertTrue(lookup.get(tables.get(0).absentKeyAfter(-1)).isEmpty());
            LookupStats stats = lookup.stats();
            assertTrue(stats.pagesPruned() > 0, stats.toString());
            assertTrue(stats.objectsPruned() > 0, stats.toString());
        }
    }

    @Test
    void getAll_duplicatesAndShuffledKeys_matchSingleGetsAndShareReads(S3Fixture s3) throws IOException {
        ParquetTable t =
                table(7, 4_000, ParquetTable.KeyOrder.SHUFFLED).duplicates(3).build();
        List<String> keys = List.of(upload(s3, t, "dup.parquet"));
        List<Object> asked = new ArrayList<>();
        for (long k = 0; k < 60; k++) {
            asked.add(t.distinctKey(k * 7 % t.distinctKeys()));
            asked.add(t.absentKeyAfter(k));
        }
        List<LookupResult> batch;
        long batchGets;
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = lookup(store, s3, keys)) {
            batch = lookup.getAll(asked);
            batchGets = s3.counters().requests(S3Operation.RANGED_GET);
        }
        assertEquals(asked.size(), batch.size());
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = lookup(store, s3, keys)) {
            for (int i = 0; i < asked.size(); i++) {
                LookupResult one = lookup.get(asked.get(i));
                assertEquals(one, batch.get(i));
                assertEquals(expected(List.of(t), keys, asked.get(i)), one.rows());
                assertEquals(i % 2 == 0 ? 3 : 0, one.rows().size());
            }
        }
        assertTrue(batchGets > 0);
    }

    @Test
    void toProto_roundTripKeepsEveryValueAndType(S3Fixture s3) throws Exception {
        List<Column> all = new ArrayList<>();
        for (ColumnType type : ColumnType.values()) {
            all.add(Column.nullable(type.defaultName(), type, 0.3));
        }
        ParquetTable t = ParquetTable.builder()
                .rows(500)
                .keyType(ParquetTable.KeyType.STRING)
                .columns(all)
                .seed(3)
                .build();
        List<String> keys = List.of(upload(s3, t, "types.parquet"));
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = ParquetLookup.builder()
                        .store(store)
                        .bucket(s3.bucket())
                        .objects(keys)
                        .keyColumn(ParquetTable.KEY_COLUMN)
                        .columns(all.stream().map(Column::name).toList())
                        .build()) {
            for (long row = 0; row < t.rows(); row += 11) {
                LookupResult r = lookup.get(t.key(row));
                assertEquals(
                        expected(
                                List.of(t),
                                keys,
                                t.key(row),
                                all.stream().map(Column::name).toList()),
                        r.rows());
                byte[] wire = r.toProto().toByteArray();
                LookupResult back = LookupResult.fromProto(LookupResultMessage.parseFrom(wire));
                assertEquals(r, back);
                for (int i = 0; i < all.size(); i++) {
                    Object v = r.rows().get(0).get(i);
                    Object w = back.rows().get(0).get(i);
                    assertEquals(v == null ? null : v.getClass(), w == null ? null : w.getClass());
                }
            }
        }
    }

    /* --------------- reads --------------- */

    @Test
    void coldLookupWithMetadataCached_costsOneOriginRound(S3Fixture s3) throws IOException {
        ParquetTable t = table(11, 20_000, ParquetTable.KeyOrder.SORTED).build();
        List<String> keys = List.of(upload(s3, t, "cold.parquet"));
        MapTier tier = new MapTier("map");
        try (TieredStore store = store(s3, tier);
                ParquetLookup lookup = lookup(store, s3, keys)) {
            lookup.get(t.key(100)); // loads footer, page indexes and dictionaries of the only row group
            tier.clear();
            LookupStats before = lookup.stats();
            long heads = s3.counters().requests(S3Operation.HEAD);
            long gets = s3.counters().requests(S3Operation.RANGED_GET);
            Object key = t.key(15_000);
            assertEquals(expected(List.of(t), keys, key), lookup.get(key).rows());
            LookupStats after = lookup.stats();
            assertEquals(1, after.originRounds() - before.originRounds(), after.toString());
            assertEquals(0, after.metadataLoads() - before.metadataLoads(), "metadata was cached");
            assertEquals(heads, s3.counters().requests(S3Operation.HEAD));
            assertTrue(s3.counters().requests(S3Operation.RANGED_GET) - gets <= 1 + COLUMNS.size());
        }
    }

    /**
     * Nothing cached, two objects: each object is opened by one GET of its end (no HEAD: the suffix read gives
     * version, length, footer and page indexes), in parallel; then the key's pages and the projected pages it
     * prefetches in one more round.
     */
    @Test
    void fullyColdLookup_opensEachObjectWithOneReadOfItsEnd(S3Fixture s3) throws IOException {
        ParquetTable a = table(21, 20_000, ParquetTable.KeyOrder.SORTED).build();
        ParquetTable b = table(22, 20_000, ParquetTable.KeyOrder.SORTED).build();
        List<String> keys = List.of(upload(s3, a, "cold-a.parquet"), upload(s3, b, "cold-b.parquet"));
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = lookup(store, s3, keys)) {
            s3.counters().reset();
            Object key = a.key(15_000);
            assertEquals(expected(List.of(a, b), keys, key), lookup.get(key).rows());
            LookupStats stats = lookup.stats();
            assertEquals(
                    0, s3.counters().requests(S3Operation.HEAD), s3.counters().toString());
            assertEquals(2, stats.objectsOpened(), stats.toString());
            assertEquals(2, stats.originRounds(), stats + " " + s3.counters());
            // 2 tails, then 54 pages in one round (200-row pages: the key's pages in both objects and the projected
            // pages they prefetch, most of them far apart, each its own GET)
            assertEquals(56, s3.counters().totalRequests(), s3.counters().toString());
        }
    }

    /**
     * With key ranges declared (as a manifest knows them), a fully cold lookup opens only the object whose range
     * holds the key: one GET of its tail, then its pages, in two rounds. Once read, the footer's statistics replace
     * the declaration: an object declared wider than it is stops being opened for keys its footer rules out.
     */
    @Test
    void fullyColdLookup_withDeclaredKeyRanges_opensOnlyTheObjectThatMayHoldTheKey(S3Fixture s3) throws IOException {
        ParquetTable a = table(23, 20_000, ParquetTable.KeyOrder.SORTED).build(); // keys -19,998 to 20,000
        ParquetTable b = table(24, 2_000, ParquetTable.KeyOrder.SORTED).build(); // keys -1,998 to 2,000
        List<String> keys = List.of(upload(s3, a, "declared-a.parquet"), upload(s3, b, "declared-b.parquet"));
        Object aMin = a.distinctKey(0);
        Object aMax = a.distinctKey(a.distinctKeys() - 1);
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = base(store, s3, keys)
                        .keyRange(keys.get(0), aMin, aMax)
                        .keyRange(keys.get(1), -100_000, 100_000) // declared wider than it is
                        .build()) {
            s3.counters().reset();
            Object onlyInA = 15_000L;
            assertEquals(1, a.rowsForKey(onlyInA).length);
            assertEquals(
                    expected(List.of(a, b), keys, onlyInA), lookup.get(onlyInA).rows());
            LookupStats first = lookup.stats();
            // b's declared range holds the key too: both are opened, each with one GET of its tail
            assertEquals(2, first.objectsOpened(), first.toString());
            assertEquals(2, first.originRounds(), first + " " + s3.counters());
            assertEquals(
                    0, s3.counters().requests(S3Operation.HEAD), s3.counters().toString());

            s3.counters().reset();
            Object alsoOnlyInA = -15_000L;
            assertEquals(
                    expected(List.of(a, b), keys, alsoOnlyInA),
                    lookup.get(alsoOnlyInA).rows());
            LookupStats second = lookup.stats();
            assertEquals(
                    first.objectsOpened() + 1,
                    second.objectsOpened(),
                    "b's footer now rules the key out; a is opened: " + second);
        }
        try (TieredStore store = store(s3, new MapTier("map2"));
                ParquetLookup lookup = base(store, s3, keys)
                        .keyRange(keys.get(0), aMin, aMax)
                        .keyRange(keys.get(1), b.distinctKey(0), b.distinctKey(b.distinctKeys() - 1))
                        .build()) {
            s3.counters().reset();
            Object onlyInA = a.key(19_000);
            assertEquals(
                    expected(List.of(a, b), keys, onlyInA), lookup.get(onlyInA).rows());
            LookupStats stats = lookup.stats();
            assertEquals(1, stats.objectsOpened(), stats.toString());
            assertEquals(2, stats.originRounds(), stats + " " + s3.counters());
            assertEquals(
                    0, s3.counters().requests(S3Operation.HEAD), s3.counters().toString());
            // the tail, then the key page and the projected pages it prefetches
            long pages = s3.counters().totalRequests() - 1;
            assertTrue(pages >= 1 && pages <= 1 + COLUMNS.size(), s3.counters().toString());
            Object inBoth = 0L;
            assertEquals(
                    expected(List.of(a, b), keys, inBoth), lookup.get(inBoth).rows());
            assertEquals(3, lookup.stats().objectsOpened(), "a again, and b, whose range holds 0: " + lookup.stats());
        }
    }

    @Test
    void hotLookup_readsNothing(S3Fixture s3) throws IOException {
        ParquetTable t = table(12, 3_000, ParquetTable.KeyOrder.SORTED).build();
        List<String> keys = List.of(upload(s3, t, "hot.parquet"));
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = lookup(store, s3, keys)) {
            Object key = t.key(1234);
            LookupResult first = lookup.get(key);
            long requests = s3.counters().totalRequests();
            LookupStats before = lookup.stats();
            assertEquals(first, lookup.get(key));
            LookupStats after = lookup.stats();
            assertEquals(requests, s3.counters().totalRequests());
            assertEquals(before.pagesDecompressed(), after.pagesDecompressed());
            assertEquals(before.originRounds(), after.originRounds());
        }
    }

    @Test
    void withoutPageIndexes_theKeyChunkIsScannedOnceThenPruned(S3Fixture s3) throws IOException {
        ParquetTable t = table(13, 6_000, ParquetTable.KeyOrder.SORTED)
                .pageIndexes(false)
                .build();
        List<String> keys = List.of(upload(s3, t, "noindex.parquet"));
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup =
                        base(store, s3, keys).maxDecompressedBytes(0).build()) {
            for (long row = 0; row < t.rows(); row += 101) {
                assertEquals(
                        expected(List.of(t), keys, t.key(row)),
                        lookup.get(t.key(row)).rows());
            }
            LookupStats before = lookup.stats();
            lookup.get(t.key(3_000));
            LookupStats after = lookup.stats();
            // no decoded-page cache: the one key page and one page per projected column
            assertEquals(1 + COLUMNS.size(), after.pagesDecompressed() - before.pagesDecompressed(), after.toString());
        }
    }

    @Test
    void restart_pagesComeFromTheLocalPageStore(S3Fixture s3, @TempDir Path dir) throws IOException {
        ParquetTable t = table(14, 5_000, ParquetTable.KeyOrder.SORTED).build();
        List<String> keys = List.of(upload(s3, t, "restart.parquet"));
        Object key = t.key(2_500);
        try (TieredStore store = store(s3, disk(dir));
                ParquetLookup lookup = lookup(store, s3, keys)) {
            lookup.get(key);
        }
        long gets = s3.counters().requests(S3Operation.RANGED_GET);
        long heads = s3.counters().requests(S3Operation.HEAD);
        try (TieredStore store = store(s3, disk(dir));
                ParquetLookup lookup = lookup(store, s3, keys)) {
            assertEquals(expected(List.of(t), keys, key), lookup.get(key).rows());
            // the new store must learn the version: one GET of the tail (no HEAD); every other byte came from disk
            assertEquals(
                    gets + 1,
                    s3.counters().requests(S3Operation.RANGED_GET),
                    s3.counters().toString());
            assertEquals(
                    heads,
                    s3.counters().requests(S3Operation.HEAD),
                    s3.counters().toString());
            assertTrue(lookup.stats().metadataLoads() > 0, "metadata was parsed again, from the disk tier");
        }
    }

    @Test
    void bloomFilters_pruneRowGroupsOfUnorderedKeys(S3Fixture s3) throws IOException {
        ParquetTable t = table(15, 8_000, ParquetTable.KeyOrder.SHUFFLED)
                .rowGroupRowLimit(1_000)
                .keyBloomFilter(true)
                .build();
        List<String> keys = List.of(upload(s3, t, "bloom.parquet"));
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = lookup(store, s3, keys)) {
            for (long k = 0; k < t.distinctKeys(); k += 97) {
                assertEquals(
                        expected(List.of(t), keys, t.distinctKey(k)),
                        lookup.get(t.distinctKey(k)).rows());
                assertTrue(lookup.get(t.absentKeyAfter(k)).isEmpty());
            }
            LookupStats stats = lookup.stats();
            // shuffled keys: every row group's range covers nearly every key, so only the filters prune
            assertTrue(stats.bloomFilterPrunes() > 7 * 80, stats.toString());
        }
    }

    /* --------------- tables and versions --------------- */

    @Test
    void prefixTable_isListedAndRelistedOnRefresh(S3Fixture s3) throws IOException {
        ParquetTable a = table(21, 1_000, ParquetTable.KeyOrder.SORTED).build();
        ParquetTable b = table(22, 1_000, ParquetTable.KeyOrder.SORTED).build();
        upload(s3, a, "lake/a.parquet");
        s3.s3().putObject(r -> r.bucket(s3.bucket()).key("lake/_SUCCESS"), RequestBody.fromString(""));
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = ParquetLookup.builder()
                        .store(store)
                        .bucket(s3.bucket())
                        .prefix(s3.s3(), "lake/")
                        .keyColumn(ParquetTable.KEY_COLUMN)
                        .columns(COLUMNS)
                        .build()) {
            assertEquals(List.of("lake/a.parquet"), lookup.objects());
            Object onlyInB = b.key(999);
            long inA = a.rowsForKey(onlyInB).length;
            assertEquals(inA, lookup.get(onlyInB).rows().size());
            upload(s3, b, "lake/b.parquet");
            assertEquals(inA, lookup.get(onlyInB).rows().size(), "not listed again until refresh");
            assertEquals(List.of("lake/a.parquet", "lake/b.parquet"), lookup.refresh());
            assertEquals(
                    expected(List.of(a, b), List.of("lake/a.parquet", "lake/b.parquet"), onlyInB),
                    lookup.get(onlyInB).rows());
        }
    }

    @Test
    void overwrittenObject_isReadAtItsNewVersionNeverMixed(S3Fixture s3) throws IOException {
        ParquetTable before = table(31, 2_000, ParquetTable.KeyOrder.SORTED).build();
        ParquetTable after = table(32, 2_000, ParquetTable.KeyOrder.SORTED).build();
        List<String> keys = List.of(upload(s3, before, "moving.parquet"));
        Object key = before.key(1_000);
        // IMMUTABLE: the store keeps the old version, the origin answers 412, and the lookup re-reads once. No page
        // or result cache: with either, the lookup would answer from the old version without a read, as IMMUTABLE
        // allows.
        try (TieredStore store = store(s3, new MapTier("map"));
                ParquetLookup lookup = base(store, s3, keys)
                        .maxDecompressedBytes(0)
                        .maxResultBytes(0)
                        .build()) {
            assertEquals(expected(List.of(before), keys, key), lookup.get(key).rows());
            upload(s3, after, "moving.parquet");
            ((MapTier) lastTier()).clear();
            assertEquals(expected(List.of(after), keys, key), lookup.get(key).rows());
        }
    }

    /* --------------- errors --------------- */

    @Test
    void caps_makeOversizedPagesAndFootersTypedErrors(S3Fixture s3) throws IOException {
        ParquetTable t = table(41, 2_000, ParquetTable.KeyOrder.SORTED).build();
        List<String> keys = List.of(upload(s3, t, "capped.parquet"));
        try (TieredStore store = store(s3, new MapTier("map"))) {
            try (ParquetLookup lookup = base(store, s3, keys).maxPageBytes(64).build()) {
                CorruptParquetException e = assertThrows(CorruptParquetException.class, () -> lookup.get(t.key(0)));
                assertEquals(s3.bucket() + "/capped.parquet", e.object());
                assertTrue(e.getMessage().contains("cap"), e.getMessage());
            }
            try (ParquetLookup lookup = base(store, s3, keys).maxFooterBytes(16).build()) {
                assertThrows(CorruptParquetException.class, () -> lookup.get(t.key(0)));
            }
        }
    }

    @Test
    void missingOrUnreadableColumns_areTypedErrors(S3Fixture s3) throws IOException {
        ParquetTable t = table(42, 100, ParquetTable.KeyOrder.SORTED).build();
        List<String> keys = List.of(upload(s3, t, "cols.parquet"));
        try (TieredStore store = store(s3, new MapTier("map"))) {
            try (ParquetLookup lookup = ParquetLookup.builder()
                    .store(store)
                    .bucket(s3.bucket())
                    .objects(keys)
                    .keyColumn(ParquetTable.KEY_COLUMN)
                    .columns(List.of("nope"))
                    .build()) {
                assertThrows(UnsupportedParquetException.class, () -> lookup.get(t.key(0)));
            }
            try (ParquetLookup lookup = ParquetLookup.builder()
                    .store(store)
                    .bucket(s3.bucket())
                    .objects(keys)
                    .keyColumn(COLUMNS.stream()
                            .filter(c -> c.startsWith("f"))
                            .findFirst()
                            .orElseThrow())
                    .columns(List.of())
                    .build()) {
                assertThrows(UnsupportedParquetException.class, () -> lookup.get(1.5f));
            }
        }
    }

    @Test
    void builder_checksRequiredAndRepeatedSettings(S3Fixture s3) {
        assertThrows(IllegalStateException.class, () -> ParquetLookup.builder().build());
        assertThrows(
                IllegalStateException.class,
                () -> ParquetLookup.builder().bucket("a").bucket("b"));
        assertThrows(
                IllegalArgumentException.class, () -> ParquetLookup.builder().objects(List.of()));
        assertThrows(
                IllegalArgumentException.class, () -> ParquetLookup.builder().maxPageBytes(0));
        assertThrows(
                IllegalStateException.class,
                () -> ParquetLookup.builder().objects(List.of("a")).objects(List.of("b")));
        assertThrows(
                IllegalArgumentException.class,
                () -> ParquetLookup.builder().keyRange("a", 1L, 2L).keyRange("b", "x", "y"));
        assertThrows(
                IllegalArgumentException.class, () -> ParquetLookup.builder().keyRange("a", 3L, 2L));
        assertThrows(
                IllegalArgumentException.class, () -> ParquetLookup.builder().keyRange("a", 1.0, 2.0));
        assertThrows(
                IllegalStateException.class,
                () -> ParquetLookup.builder().keyRange("a", 1L, 2L).keyRange("a", 1L, 3L));
        try (TieredStore store = store(s3, new MapTier("m"))) {
            IllegalStateException unknown = assertThrows(
                    IllegalStateException.class,
                    () -> base(store, s3, List.of("a")).keyRange("typo", 1L, 2L).build());
            assertTrue(unknown.getMessage().contains("typo"), unknown.getMessage());
        }
    }

    /* --------------- helpers --------------- */

    private static ParquetTable.Builder table(long seed, long rows, ParquetTable.KeyOrder order) {
        return ParquetTable.builder()
                .rows(rows)
                .keyType(ParquetTable.KeyType.INT64)
                .keyOrder(order)
                .pageRowLimit(200)
                .seed(seed);
    }

    private static String upload(S3Fixture s3, ParquetTable t, String key) throws IOException {
        t.uploadTo(s3.s3(), s3.bucket(), key);
        return key;
    }

    private static List<Row> expected(List<ParquetTable> tables, List<String> keys, Object key) {
        return expected(tables, keys, key, COLUMNS);
    }

    private static List<Row> expected(List<ParquetTable> tables, List<String> keys, Object key, List<String> columns) {
        List<Row> out = new ArrayList<>();
        for (int g = 0; g < tables.size(); g++) {
            for (long x : tables.get(g).rowsForKey(key)) {
                List<Object> values = new ArrayList<>();
                for (String c : columns) {
                    values.add(tables.get(g).value(c, x));
                }
                out.add(new Row(keys.get(g), x, values));
            }
        }
        return out;
    }

    private static ParquetLookup.Builder base(TieredStore store, S3Fixture s3, List<String> keys) {
        return ParquetLookup.builder()
                .store(store)
                .bucket(s3.bucket())
                .objects(keys)
                .keyColumn(ParquetTable.KEY_COLUMN)
                .columns(COLUMNS);
    }

    private static ParquetLookup lookup(TieredStore store, S3Fixture s3, List<String> keys) {
        return base(store, s3, keys).build();
    }

    private final List<Tier> tiers = new ArrayList<>();

    private TieredStore store(S3Fixture s3, Tier tier) {
        tiers.add(tier);
        return TieredStore.builder()
                .origin(S3Origin.create(s3.s3()))
                .tier(tier)
                .pageSize(64 << 10)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
    }

    /** The tier of the store built last. */
    private Tier lastTier() {
        return tiers.get(tiers.size() - 1);
    }

    private static LocalPageStore disk(Path dir) {
        return LocalPageStore.builder()
                .directories(List.of(dir))
                .capacity(64L << 20)
                .pageSize(64 << 10)
                .regionSize(1 << 20)
                .recoveryExecutor(Runnable::run)
                .build();
    }
}
