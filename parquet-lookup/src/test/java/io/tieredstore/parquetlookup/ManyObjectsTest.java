package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.MemoryOrigin;
import io.tieredstore.core.TieredStore;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.PartitionedTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables of many objects: 10,000 tiny sorted parts (two rows each), served from memory through a real store. After
 * the catalog knows every object, a lookup opens only the objects whose key range may hold its key, and answers
 * equal the generator's oracle; with overlapping parts of a second table shuffled in, the candidates still equal a
 * scan of every object's oracle.
 */
class ManyObjectsTest {
    private static final String BUCKET = "lake";
    private static final List<String> COLUMNS =
            ParquetTable.defaultColumns().stream().map(Column::name).limit(2).toList();
    private static final int PARTS = 10_000;

    /** The 10,000 parts: part p holds keys 4p and 4p + 2. */
    private static final PartitionedTable SMALL = PartitionedTable.builder()
            .parts(PARTS)
            .rowsPerPart(2)
            .columns(ParquetTable.defaultColumns().subList(0, 2))
            .codec(ParquetTable.Codec.UNCOMPRESSED)
            .seed(5)
            .build();

    /** Wider parts overlapping the small ones: part q holds the even keys from 100q - 48 to 100q + 50. */
    private static final PartitionedTable WIDE = PartitionedTable.builder()
            .parts(100)
            .rowsPerPart(50)
            .columns(ParquetTable.defaultColumns().subList(0, 2))
            .codec(ParquetTable.Codec.UNCOMPRESSED)
            .seed(9)
            .build();

    private static final MemoryOrigin ORIGIN = new MemoryOrigin();
    private static final List<String> SMALL_NAMES = new ArrayList<>();
    private static final List<String> WIDE_NAMES = new ArrayList<>();
    private static final List<byte[]> SMALL_FILES = new ArrayList<>();

    @BeforeAll
    static void write(@TempDir Path dir) throws IOException {
        for (Path p : SMALL.writeTo(dir.resolve("small"))) {
            String name = "small/" + p.getFileName();
            SMALL_FILES.add(Files.readAllBytes(p));
            ORIGIN.put(BUCKET, name, SMALL_FILES.get(SMALL_FILES.size() - 1));
            SMALL_NAMES.add(name);
        }
        for (Path p : WIDE.writeTo(dir.resolve("wide"))) {
            String name = "wide/" + p.getFileName();
            ORIGIN.put(BUCKET, name, Files.readAllBytes(p));
            WIDE_NAMES.add(name);
        }
    }

    @Test
    void get_afterTheFirstLookup_opensOnlyCandidateObjectsAndMatchesTheOracle() {
        try (TieredStore store = store();
                ParquetLookup lookup = lookup(store, SMALL_NAMES)) {
            assertRows(expected(List.of(SMALL), List.of(SMALL_NAMES), 0L), lookup.get(0L), "first lookup");
            LookupStats first = lookup.stats();
            assertEquals(PARTS, first.objectsOpened(), "the first lookup opens every object, to summarize it");
            assertEquals(PARTS, first.catalogObjects());
            long perObject = first.catalogBytes() / PARTS;
            assertTrue(
                    perObject >= TableCatalog.Summary.FIXED_BYTES
                            && perObject <= TableCatalog.Summary.FIXED_BYTES + 100,
                    "catalog bytes per object: " + perObject);
            for (long key : sample(new Random(1), 4L * PARTS)) {
                LookupStats before = lookup.stats();
                assertRows(expected(List.of(SMALL), List.of(SMALL_NAMES), key), lookup.get(key), "key " + key);
                long opened = lookup.stats().objectsOpened() - before.objectsOpened();
                assertTrue(opened <= 1, "key " + key + " opened " + opened + " objects");
            }
        }
    }

    @Test
    void preload_loadsEveryObjectSoThatLookupsOpenOneAndReadNoPageMaps() throws Exception {
        try (TieredStore store = store();
                ParquetLookup lookup = lookup(store, SMALL_NAMES)) {
            PreloadResult r = lookup.preload().get(120, TimeUnit.SECONDS);
            assertEquals(PARTS, r.objects());
            assertEquals(PARTS, r.objectsLoaded());
            assertEquals(List.of(), List.copyOf(r.failures().keySet()));
            assertTrue(r.metadataBytes() > 0);
            assertEquals(PARTS, lookup.stats().catalogObjects());
            for (long key : sample(new Random(2), 4L * PARTS)) {
                LookupStats before = lookup.stats();
                assertRows(expected(List.of(SMALL), List.of(SMALL_NAMES), key), lookup.get(key), "key " + key);
                LookupStats after = lookup.stats();
                assertTrue(after.objectsOpened() - before.objectsOpened() <= 1, "key " + key);
                // footers and page maps are loaded: only a dictionary per column may be decoded for a new object
                assertTrue(
                        after.metadataLoads() - before.metadataLoads() <= 1 + COLUMNS.size(),
                        "key " + key + ": " + (after.metadataLoads() - before.metadataLoads()) + " metadata loads");
            }
        }
    }

    @Test
    void get_overlappingRangesInShuffledOrder_equalsAScanOfEveryObject() {
        List<String> names = new ArrayList<>(SMALL_NAMES.subList(0, 2_500));
        names.addAll(WIDE_NAMES);
        Collections.shuffle(names, new Random(3));
        try (TieredStore store = store();
                ParquetLookup lookup = lookup(store, names)) {
            lookup.get(-1L); // summarizes every object
            for (long key : sample(new Random(4), 10_000)) {
                LookupStats before = lookup.stats();
                List<Row> expected = scan(names, key);
                assertRows(expected, lookup.get(key), "key " + key);
                long opened = lookup.stats().objectsOpened() - before.objectsOpened();
                assertTrue(opened <= 2, "key " + key + " opened " + opened + " objects");
            }
            List<Long> keys = sample(new Random(5), 10_000).subList(0, 200);
            List<LookupResult> all = lookup.getAll(keys);
            for (int i = 0; i < keys.size(); i++) {
                assertRows(scan(names, keys.get(i)), all.get(i), "getAll key " + keys.get(i));
            }
        }
    }

    @Test
    void get_strictPolicy_opensEveryObjectAndSeesAnOverwriteThatMovesItsRange() {
        List<String> names = SMALL_NAMES.subList(0, 1_000);
        MemoryOrigin origin = new MemoryOrigin();
        for (int p = 0; p < names.size(); p++) {
            origin.put(BUCKET, names.get(p), SMALL_FILES.get(p));
        }
        try (TieredStore store = TieredStore.builder()
                        .origin(origin)
                        .tier(new MapTier("memory"))
                        .defaultConsistency(ConsistencyPolicy.STRICT)
                        .build();
                ParquetLookup lookup = lookup(store, names)) {
            long inPart10 = SMALL.key(2 * 10);
            long inPart20 = SMALL.key(2 * 20 + 1);
            assertRows(List.of(row(SMALL, names.get(10), 20)), lookup.get(inPart10), "before");
            long stats = origin.stats.get();
            assertRows(List.of(row(SMALL, names.get(20), 41)), lookup.get(inPart20), "before");
            assertEquals(1_000, origin.stats.get() - stats, "STRICT: one check per object per lookup");
            origin.put(BUCKET, names.get(10), SMALL_FILES.get(20)); // part 10 now holds part 20's rows
            assertRows(List.of(), lookup.get(inPart10), "the old range no longer holds the key");
            assertRows(
                    List.of(row(SMALL, names.get(10), 41), row(SMALL, names.get(20), 41)),
                    lookup.get(inPart20),
                    "the moved range");
        }
    }

    /** Present and absent keys in {@code [-60, span + 60)}, and the ends. */
    private static List<Long> sample(Random random, long span) {
        List<Long> keys = new ArrayList<>(List.of(-100L, -2L, 0L, 2L, span - 2, span, span + 100));
        for (int i = 0; i < 300; i++) {
            keys.add(random.nextLong(span + 120) - 60);
        }
        return keys;
    }

    /** The rows holding {@code key} in every object of {@code names}, in that order, from each object's oracle. */
    private static List<Row> scan(List<String> names, long key) {
        List<Row> out = new ArrayList<>();
        for (String name : names) {
            boolean small = name.startsWith("small/");
            PartitionedTable t = small ? SMALL : WIDE;
            int part = (small ? SMALL_NAMES : WIDE_NAMES).indexOf(name);
            long g = t.rowOf(key);
            if (g >= 0 && t.partOf(g) == part) {
                out.add(row(t, name, g));
            }
        }
        return out;
    }

    private static List<Row> expected(List<PartitionedTable> tables, List<List<String>> names, long key) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            PartitionedTable t = tables.get(i);
            long g = t.rowOf(key);
            if (g >= 0) {
                out.add(row(t, names.get(i).get(t.partOf(g)), g));
            }
        }
        return out;
    }

    private static Row row(PartitionedTable t, String name, long g) {
        List<@Nullable Object> values = new ArrayList<>();
        for (String c : COLUMNS) {
            values.add(t.value(c, g));
        }
        return new Row(name, g % t.rowsPerPart(), values);
    }

    private static void assertRows(List<Row> expected, LookupResult actual, String what) {
        LookupHarness.assertRows(expected, actual, what);
    }

    private static TieredStore store() {
        return TieredStore.builder()
                .origin(ORIGIN)
                .tier(new MapTier("memory"))
                .pageSize(64 << 10)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
    }

    private static ParquetLookup lookup(TieredStore store, List<String> names) {
        return ParquetLookup.builder()
                .store(store)
                .bucket(BUCKET)
                .objects(names)
                .keyColumn(ParquetTable.KEY_COLUMN)
                .columns(COLUMNS)
                .build();
    }
}
