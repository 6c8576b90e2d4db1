package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.parquetlookup.DuckDbReference.FileRows;
import io.tieredstore.parquetlookup.ReferenceReader.RefFile;
import io.tieredstore.parquetlookup.ReferenceReader.RefRow;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyOrder;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.parquet.schema.PrimitiveType;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential tests over generated tables: every lookup answer must equal, row for row, what parquet-java's own
 * reader (typed values, object and row index) and DuckDB (values, file and row number) find for the same key.
 *
 * <p>Case {@code i} (seed {@code SEED_BASE + i}) has key type {@code KeyType.values()[i % 7]} and codec
 * {@code Codec.values()[i / 7]} for its first object, so the 35 cases cover every pair once; the rest (schema with
 * every {@link ColumnType}, required or nullable, page and row-group sizes, page indexes, dictionary, page v1/v2,
 * key order, duplicates, objects per table, store page size, projection) is drawn from the seed. To reproduce
 * a failure, run the one case: its seed and settings are in the failure message.
 */
@ExtendWith(S3Extension.class)
class GeneratedTableDifferentialTest {
    private static final long SEED_BASE = 0x5EED_2026_0000L;
    private static final int CASES = KeyType.values().length * Codec.values().length;
    private static final int MAX_PRESENT_KEYS = 150;
    private static final List<KeyType> KEY_TYPES = List.of(KeyType.values());
    private static final List<Codec> CODECS = List.of(Codec.values());
    private static final List<KeyOrder> ORDERS = List.of(KeyOrder.values());

    @TempDir
    static Path dir;

    private static S3Fixture s3;
    private static DuckDbReference duck;
    private static final Map<Integer, Case> CACHE = new ConcurrentHashMap<>();

    @BeforeAll
    static void start(S3Fixture fixture) throws SQLException {
        s3 = fixture;
        duck = new DuckDbReference();
    }

    @AfterAll
    static void stop() throws SQLException {
        duck.close();
    }

    static IntStream cases() {
        return IntStream.range(0, CASES);
    }

    /** One object of a case: its key in the bucket, its generator, its local file and the reference's reading. */
    record Obj(String key, ParquetTable table, Path file, RefFile ref) {}

    /** One generated table. */
    record Case(
            int index,
            long seed,
            Obj first,
            List<Obj> objects,
            @Nullable String prefix,
            List<String> projection,
            int pageSize,
            List<Object> keys,
            Map<Path, FileRows> duck,
            List<String> duckColumns) {
        String describe() {
            StringBuilder s = new StringBuilder("case ")
                    .append(index)
                    .append(" seed=0x")
                    .append(Long.toHexString(seed))
                    .append(" pageSize=")
                    .append(pageSize)
                    .append(prefix == null ? " objects" : " prefix=" + prefix)
                    .append(" projection=")
                    .append(projection);
            for (Obj o : objects) {
                s.append("\n  ").append(o.key()).append(": ").append(o.table());
            }
            return s.toString();
        }
    }

    @Test
    void theCasesCoverEveryCodecKeyTypeAndLayout() throws IOException, SQLException {
        Set<String> pairs = new HashSet<>();
        EnumSet<KeyType> keyTypes = EnumSet.noneOf(KeyType.class);
        EnumSet<KeyOrder> orders = EnumSet.noneOf(KeyOrder.class);
        Set<String> layouts = new HashSet<>();
        for (int i = 0; i < CASES; i++) {
            Case c = generate(i);
            ParquetTable first = c.first().table();
            pairs.add(first.keyType() + "/" + first.codec());
            keyTypes.add(first.keyType());
            for (Obj o : c.objects()) {
                orders.add(o.table().keyOrder());
                String t = o.table().toString();
                layouts.add(t.contains("pageIndexes=true") ? "indexes" : "noIndexes");
                layouts.add(t.contains("dictionary=true") ? "dictionary" : "plain");
                layouts.add(t.contains("dataPageV2=true") ? "v2" : "v1");
                layouts.add(o.table().duplicates() > 1 ? "duplicates" : "unique");
                layouts.add(o.table().rows() == 0 ? "empty" : "rows");
                layouts.add(o.ref().rows().size() > 0 && t.contains("pageRowLimit=20000") ? "largePages" : "");
                for (int p = 1; p <= 10; p++) {
                    if (t.contains("pageRowLimit=" + p + ",")) {
                        layouts.add("tinyPages");
                    }
                }
            }
        }
        assertEquals(CASES, pairs.size(), "every (key type, codec) pair: " + pairs);
        assertEquals(EnumSet.allOf(KeyType.class), keyTypes);
        assertEquals(EnumSet.allOf(KeyOrder.class), orders);
        assertTrue(
                layouts.containsAll(List.of(
                        "indexes",
                        "noIndexes",
                        "dictionary",
                        "plain",
                        "v1",
                        "v2",
                        "duplicates",
                        "unique",
                        "empty",
                        "largePages",
                        "tinyPages")),
                layouts.toString());
    }

    /** The two references agree with each other, and with the generator's oracle, on every cell of every object. */
    @ParameterizedTest(name = "case {0}")
    @MethodSource("cases")
    void referencesAgree(int index) throws IOException, SQLException {
        Case c = generate(index);
        for (Obj o : c.objects()) {
            RefFile ref = o.ref();
            assertEquals(o.table().rows(), ref.rows().size(), c.describe());
            FileRows duckRows = c.duck().get(o.file());
            assertEquals(ref.rows().size(), duckRows.rows().size(), "DuckDB row count\n" + c.describe());
            for (RefRow r : ref.rows()) {
                List<String> canonical = new ArrayList<>();
                for (int col = 0; col < ref.columns().size(); col++) {
                    String name = ref.columns().get(col);
                    Object v = r.values().get(col);
                    Object oracle = o.table().value(name, r.index());
                    assertTrue(
                            ParquetValues.same(oracle, v),
                            () -> "oracle " + ParquetValues.show(oracle) + " vs parquet-java " + ParquetValues.show(v)
                                    + " at " + name + "#" + r.index() + "\n" + c.describe());
                    canonical.add(ParquetValues.canonical(ref.types().get(col), v));
                }
                assertEquals(
                        canonical,
                        duckRows.rows().get(r.index()),
                        "parquet-java vs DuckDB at " + o.key() + "#" + r.index() + "\n" + c.describe());
            }
        }
    }

    @ParameterizedTest(name = "case {0}")
    @MethodSource("cases")
    void lookupsMatchBothReferences(int index) throws IOException, SQLException {
        Case c = generate(index);
        try {
            lookupAll(c);
        } catch (RuntimeException | AssertionError e) {
            // Keep the objects for a reproduction: target/failed-cases/<object key>.
            Path kept = Path.of("target", "failed-cases");
            for (Obj o : c.objects()) {
                Path to = kept.resolve(o.key());
                Files.createDirectories(to.getParent());
                Files.copy(o.file(), to, StandardCopyOption.REPLACE_EXISTING);
            }
            throw new AssertionError(e + "\n" + c.describe() + "\nobjects kept in " + kept.toAbsolutePath(), e);
        }
    }

    private static void lookupAll(Case c) throws SQLException {
        List<String> objectKeys = c.objects().stream().map(Obj::key).toList();
        String what = c.describe();
        try (TieredStore store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, c.pageSize());
                ParquetLookup lookup = build(c, store)) {
            assertEquals(c.projection(), lookup.columns(), what);
            long asked = 0;
            long returned = 0;
            for (Object key : c.keys()) {
                LookupResult r = lookup.get(key);
                asked++;
                returned += r.rows().size();
                check(c, key, r, "get(" + ParquetValues.show(key) + ")");
            }
            assertEquals(objectKeys, lookup.objects(), "objects in listing order\n" + what);

            List<Object> batch = new ArrayList<>(c.keys());
            Random rnd = new Random(c.seed());
            Collections.shuffle(batch, rnd);
            if (!batch.isEmpty()) {
                batch.add(batch.get(0)); // the same key twice in one batch
            }
            List<LookupResult> all = lookup.getAll(batch);
            assertEquals(batch.size(), all.size(), what);
            for (int i = 0; i < batch.size(); i++) {
                check(c, batch.get(i), all.get(i), "getAll[" + i + "]=" + ParquetValues.show(batch.get(i)));
                returned += all.get(i).rows().size();
            }
            asked += batch.size();

            // Other Java types the key may be given as: Long/Integer for integral columns, byte[] for strings.
            for (Object key : c.keys().subList(0, Math.min(20, c.keys().size()))) {
                Object variant = variant(key);
                if (variant != null) {
                    LookupResult r = lookup.get(variant);
                    asked++;
                    returned += r.rows().size();
                    assertTrue(ParquetValues.same(variant, r.key()), "key as asked for\n" + what);
                    LookupHarness.assertRows(
                            expected(c, key),
                            r,
                            "get(" + variant.getClass().getSimpleName() + " " + ParquetValues.show(variant) + ")\n"
                                    + what);
                }
            }
            LookupStats stats = lookup.stats();
            assertEquals(asked, stats.lookups(), "stats.lookups\n" + what);
            assertEquals(returned, stats.rowsReturned(), "stats.rowsReturned\n" + what);
        }
    }

    private static ParquetLookup build(Case c, TieredStore store) {
        ParquetLookup.Builder b = ParquetLookup.builder()
                .store(store)
                .bucket(s3.bucket())
                .keyColumn(ParquetTable.KEY_COLUMN)
                .columns(c.projection());
        if (c.prefix() != null) {
            b.prefix(s3.s3(), c.prefix());
        } else {
            b.objects(c.objects().stream().map(Obj::key).toList());
        }
        return LookupHarness.pageCache(b).build();
    }

    private static @Nullable Object variant(Object key) {
        if (key instanceof Integer i) {
            return (long) i;
        }
        if (key instanceof Long l && l == (int) (long) l) {
            return (int) (long) l;
        }
        if (key instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        return null;
    }

    /** parquet-java's rows for {@code key}: objects in listing order, rows in file order. */
    private static List<Row> expected(Case c, Object key) {
        List<Row> out = new ArrayList<>();
        for (Obj o : c.objects()) {
            out.addAll(o.ref().rowsFor(o.key(), ParquetTable.KEY_COLUMN, key, c.projection()));
        }
        return out;
    }

    private static void check(Case c, Object key, LookupResult r, String call) throws SQLException {
        String what = call + "\n" + c.describe();
        assertTrue(ParquetValues.same(key, r.key()), "key as asked for\n" + what);
        assertEquals(c.projection(), r.columns(), what);
        LookupHarness.assertRows(expected(c, key), r, what);

        // DuckDB, independently: which (object, row) hold the key, and their values in canonical form.
        int keyColumn = c.duckColumns().indexOf(ParquetTable.KEY_COLUMN);
        PrimitiveType keyType = c.objects().get(0).ref().type(ParquetTable.KEY_COLUMN);
        String canonicalKey = ParquetValues.canonical(keyType, key);
        List<String> expectedDuck = new ArrayList<>();
        for (Obj o : c.objects()) {
            Map<Long, List<String>> rows = c.duck().get(o.file()).rows();
            for (long i = 0; i < rows.size(); i++) {
                List<String> values = rows.get(i);
                if (values.get(keyColumn).equals(canonicalKey)) {
                    expectedDuck.add(o.key() + "#" + i + project(c, values));
                }
            }
        }
        List<String> actualDuck = new ArrayList<>();
        for (Row row : r.rows()) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < row.size(); i++) {
                PrimitiveType t = c.objects().get(0).ref().type(c.projection().get(i));
                values.add(ParquetValues.canonical(t, row.get(i)));
            }
            actualDuck.add(row.object() + "#" + row.rowIndex() + values);
        }
        assertEquals(expectedDuck, actualDuck, "DuckDB: " + what);
    }

    private static List<String> project(Case c, List<String> duckValues) {
        List<String> out = new ArrayList<>();
        for (String name : c.projection()) {
            out.add(duckValues.get(c.duckColumns().indexOf(name)));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------- generation

    private static Case generate(int index) throws IOException, SQLException {
        Case c = CACHE.get(index);
        if (c == null) {
            c = create(index);
            CACHE.put(index, c);
        }
        return c;
    }

    private static Case create(int index) throws IOException, SQLException {
        long seed = SEED_BASE + index;
        Random rnd = new Random(seed);
        KeyType keyType = KEY_TYPES.get(index % KEY_TYPES.size());
        Codec firstCodec = CODECS.get(index / KEY_TYPES.size());

        List<Column> columns = new ArrayList<>();
        List<ColumnType> types = new ArrayList<>(List.of(ColumnType.values()));
        Collections.shuffle(types, rnd);
        double[] nullFractions = {0.0, 0.25, 0.9, 1.0};
        for (ColumnType t : types) {
            columns.add(
                    rnd.nextBoolean()
                            ? Column.required(t.defaultName(), t)
                            : Column.nullable(t.defaultName(), t, nullFractions[rnd.nextInt(nullFractions.length)]));
        }

        int objectCount = 1 + rnd.nextInt(3) + (index % 5 == 4 ? 1 : 0);
        String prefix = index % 2 == 1 ? "gen" + index + "/" : null;
        List<Obj> objects = new ArrayList<>();
        for (int o = 0; o < objectCount; o++) {
            boolean first = o == 0;
            ParquetTable.Builder b = ParquetTable.builder()
                    .keyType(keyType)
                    .columns(columns)
                    .seed(seed * 31 + o)
                    .codec(first ? firstCodec : CODECS.get(rnd.nextInt(CODECS.size())))
                    .keyOrder(first ? ORDERS.get(index & 1) : ORDERS.get(rnd.nextInt(2)))
                    .dataPageV2(first ? ((index >> 1) & 1) == 1 : rnd.nextBoolean())
                    .dictionary(first ? ((index >> 2) & 1) == 1 : rnd.nextBoolean())
                    .pageIndexes(first ? index % 3 != 1 : rnd.nextBoolean())
                    .duplicates(rnd.nextInt(4) == 0 ? 2 + rnd.nextInt(4) : 1);
            int layout = first ? index % 3 : rnd.nextInt(3);
            long rows;
            switch (layout) {
                case 0 -> { // tiny pages
                    b.pageRowLimit(1 + rnd.nextInt(10));
                    rows = 20L + rnd.nextInt(250);
                }
                case 1 -> { // small pages
                    b.pageRowLimit(50 + rnd.nextInt(450)).pageSize(1024 + rnd.nextInt(8192));
                    rows = 200L + rnd.nextInt(1000);
                }
                default -> rows = 200L + rnd.nextInt(1000); // parquet-java's defaults: one large page
            }
            if (rnd.nextBoolean()) {
                b.rowGroupRowLimit(50 + rnd.nextInt(1000));
            }
            if (index % 5 == 4 && o == objectCount - 1) {
                rows = 0; // an empty object
            }
            ParquetTable table = b.rows(rows).build();
            String key = (prefix != null ? prefix : "gen" + index + "-") + "part-" + o + ".parquet";
            Path file = dir.resolve("gen" + index + "-" + o + ".parquet");
            table.writeTo(file);
            s3.foreignWriter().put(key, file);
            objects.add(new Obj(key, table, file, ReferenceReader.read(file)));
        }
        Obj firstWritten = objects.get(0);
        if (prefix != null) {
            // Listing order is by key; a non-Parquet object under the prefix is not part of the table.
            objects.sort((a, b2) -> a.key().compareTo(b2.key()));
            s3.foreignWriter().put(prefix + "_SUCCESS", new byte[0]);
        } else {
            Collections.reverse(objects); // an explicit list keeps its own order
        }

        List<String> all = new ArrayList<>(objects.get(0).ref().columns());
        List<String> projection = new ArrayList<>(all);
        Collections.shuffle(projection, rnd);
        if (index % 11 == 5) {
            projection.clear(); // rows with no values: only where they are
        } else if (index % 6 != 0) {
            projection = projection.subList(0, rnd.nextInt(projection.size() + 1));
        }
        int[] pageSizes = {4096, 64 << 10, 1 << 20};
        int pageSize = pageSizes[rnd.nextInt(pageSizes.length)];

        List<Object> keys = keys(objects, rnd);
        List<PrimitiveType> types2 = objects.get(0).ref().types();
        Map<Path, FileRows> duckRows =
                duck.readAll(objects.stream().map(Obj::file).toList(), all, types2);
        return new Case(
                index, seed, firstWritten, objects, prefix, List.copyOf(projection), pageSize, keys, duckRows, all);
    }

    /**
     * Keys to look up: every present key when there are few, else the keys at every page and row-group boundary
     * plus a seeded sample; and absent keys below, above and between the keys of every object.
     */
    private static List<Object> keys(List<Obj> objects, Random rnd) throws IOException {
        Map<String, Object> present = new LinkedHashMap<>();
        Map<String, Object> boundaries = new LinkedHashMap<>();
        for (Obj o : objects) {
            for (Object k : o.ref().distinct(ParquetTable.KEY_COLUMN)) {
                present.put(ParquetValues.show(k), k);
            }
            for (long first : ReferenceReader.pageFirstRows(o.file(), ParquetTable.KEY_COLUMN)) {
                for (long row = first - 1; row <= first; row++) {
                    if (row >= 0 && row < o.table().rows()) {
                        Object k = o.table().key(row);
                        boundaries.put(ParquetValues.show(k), k);
                    }
                }
            }
            if (o.table().rows() > 0) {
                Object last = o.table().key(o.table().rows() - 1);
                boundaries.put(ParquetValues.show(last), last);
            }
        }
        List<Object> keys = new ArrayList<>();
        if (present.size() <= MAX_PRESENT_KEYS) {
            keys.addAll(present.values());
        } else {
            keys.addAll(boundaries.values());
            List<Object> rest = new ArrayList<>(present.values());
            Collections.shuffle(rest, rnd);
            keys.addAll(rest.subList(0, Math.max(0, MAX_PRESENT_KEYS - keys.size())));
        }
        for (Obj o : objects) {
            long d = o.table().distinctKeys();
            keys.add(o.table().absentKeyAfter(-1));
            if (d > 0) {
                keys.add(o.table().absentKeyAfter(d - 1));
                for (int i = 0; i < 10; i++) {
                    keys.add(o.table().absentKeyAfter(rnd.nextLong(d)));
                }
            }
        }
        return keys;
    }
}
