package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.parquetlookup.LookupHarness.Outcome;
import io.tieredstore.parquetlookup.ReferenceReader.RefFile;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.PageType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of {@code parquet-testing/data} (files written by parquet-mr, Arrow C++, arrow-rs, Impala, Spark...):
 * each flat column of a key type is used as the key and every distinct value in it is looked up (plus absent
 * values), projecting every flat column; the answers must equal parquet-java's reader row by row. Nested columns
 * must be refused with {@link UnsupportedParquetException}; floating-point and boolean key columns too. Files the
 * reference cannot read must give a typed error or DuckDB's answer. The {@code *_expect.csv} files are checked
 * against lookups as well. Files without a key column are reported (TestReporter entry "skipped") with the reason.
 */
@ExtendWith(S3Extension.class)
class ParquetTestingCorpusTest {
    private static final String PREFIX = "corpus/";

    /** The corpus's one BROTLI file (Arrow C++ 11): a single {@code MAP<VARCHAR, INT>} column, two rows. */
    private static final String BROTLI_FILE = "large_string_map.brotli.parquet";

    private static S3Fixture s3;
    private static TieredStore store;
    private static DuckDbReference duck;

    @BeforeAll
    static void start(S3Fixture fixture) throws SQLException {
        s3 = fixture;
        store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 64 << 10);
        duck = new DuckDbReference();
        for (Path p : LookupHarness.parquetTesting("data")) {
            s3.foreignWriter().put(PREFIX + p.getFileName(), p);
        }
    }

    @AfterAll
    static void stop() throws SQLException {
        store.close();
        duck.close();
    }

    static Stream<String> files() {
        return LookupHarness.parquetTesting("data").stream()
                .map(p -> p.getFileName().toString());
    }

    static Stream<String> expectations() throws IOException {
        Path dir = LookupHarness.sharedData().resolve("parquet-testing").resolve("data");
        try (Stream<Path> s = Files.list(dir)) {
            List<String> out = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith("_expect.csv"))
                    .sorted()
                    .toList();
            assertFalse(out.isEmpty(), "no *_expect.csv in " + dir);
            return out.stream();
        }
    }

    private static Path local(String name) {
        return LookupHarness.sharedData()
                .resolve("parquet-testing")
                .resolve("data")
                .resolve(name);
    }

    private static ParquetLookup lookup(String name, String keyColumn, List<String> columns) {
        return LookupHarness.lookup(store, s3, List.of(PREFIX + name), keyColumn, columns)
                .build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void everyKeyMatchesParquetJava(String name, TestReporter report) throws IOException, SQLException {
        Path file = local(name);
        String object = PREFIX + name;
        RefFile ref;
        try {
            ref = ReferenceReader.read(file);
        } catch (IOException | RuntimeException | LinkageError e) {
            report.publishEntry("reference-unreadable", name + ": " + e);
            unreadableByReference(name, file, e);
            return;
        }
        MessageType schema = ref.schema();
        List<String> flat = ref.columns();
        List<String> nested = schema.getFields().stream()
                .filter(t -> !ParquetValues.isFlat(t))
                .map(Type::getName)
                .toList();
        List<String> keyColumns = new ArrayList<>();
        for (int i = 0; i < flat.size(); i++) {
            if (ParquetValues.isKeyType(ref.types().get(i))) {
                keyColumns.add(flat.get(i));
            }
        }

        for (String key : keyColumns) {
            List<Object> present = ref.distinct(key);
            List<Object> keys = new ArrayList<>(present);
            keys.addAll(CorpusKeys.absent(ref.type(key), present));
            try (ParquetLookup lookup = lookup(name, key, flat)) {
                if (key.equals(keyColumns.get(0))) {
                    for (Object k : keys) {
                        String what = name + " key " + key + " = " + ParquetValues.show(k);
                        LookupHarness.assertRows(ref.rowsFor(object, key, k, flat), get(lookup, k, what), what);
                    }
                }
                List<LookupResult> all = lookup.getAll(keys);
                assertEquals(keys.size(), all.size());
                for (int i = 0; i < keys.size(); i++) {
                    Object k = keys.get(i);
                    String what = name + " getAll, key " + key + " = " + ParquetValues.show(k);
                    LookupHarness.assertRows(ref.rowsFor(object, key, k, flat), all.get(i), what);
                }
            }
        }

        // Flat columns of other types as keys: floating point and boolean are documented as unsupported; others
        // (INT96, FIXED_LEN_BYTE_ARRAY without DECIMAL) either work or are refused with a typed error.
        for (int i = 0; i < flat.size(); i++) {
            String key = flat.get(i);
            PrimitiveType type = ref.types().get(i);
            if (keyColumns.contains(key)) {
                continue;
            }
            List<Object> present = ref.distinct(key);
            Object k = present.isEmpty() ? CorpusKeys.sample(type) : present.get(0);
            String what = name + " non-key-type column " + key + " (" + type + ") = " + ParquetValues.show(k);
            try (ParquetLookup lookup = lookup(name, key, flat)) {
                if (ParquetValues.isDocumentedUnsupportedKey(type)) {
                    UnsupportedParquetException e =
                            assertThrows(UnsupportedParquetException.class, () -> lookup.get(k), what);
                    assertTrue(e.getMessage().contains(key) || e.object().contains(name), what + ": " + e);
                } else {
                    LookupResult r = Outcome.of(() -> lookup.get(k)).typedErrorOrValue(what);
                    if (r != null) {
                        LookupHarness.assertRows(ref.rowsFor(object, key, k, flat), r, what);
                    }
                }
            }
        }

        // Nested columns: refused as key and in the projection.
        for (String n : nested) {
            String keyColumn = keyColumns.isEmpty() ? (flat.isEmpty() ? n : flat.get(0)) : keyColumns.get(0);
            Object k = anyKey(ref, keyColumn);
            List<UnsupportedParquetException> refusals = new ArrayList<>();
            try (ParquetLookup lookup = lookup(name, keyColumn, List.of(n))) {
                refusals.add(assertThrows(
                        UnsupportedParquetException.class,
                        () -> lookup.get(k),
                        name + ": nested column " + n + " in the projection"));
            }
            try (ParquetLookup lookup = lookup(name, n, flat)) {
                refusals.add(assertThrows(
                        UnsupportedParquetException.class,
                        () -> lookup.get(1),
                        name + ": nested column " + n + " as key"));
            }
            if (name.equals(BROTLI_FILE)) {
                // Its only column is a map: refused for being nested, not for its codec (BROTLI is read, see
                // brotliPagesDecodeAsDuckDbReadsThem).
                for (UnsupportedParquetException e : refusals) {
                    assertTrue(e.getMessage().contains("nested or repeated"), name + ": " + e);
                    assertFalse(e.getMessage().contains("codec"), name + ": " + e);
                }
            }
        }

        if (keyColumns.isEmpty()) {
            // Not silently skipped: say why, and check the reason holds.
            List<String> described = new ArrayList<>();
            for (int i = 0; i < flat.size(); i++) {
                assertFalse(ParquetValues.isKeyType(ref.types().get(i)));
                described.add(flat.get(i) + " " + ref.types().get(i).getPrimitiveTypeName());
            }
            report.publishEntry(
                    "skipped",
                    name + ": no flat column of a key type (flat: " + described + ", nested: " + nested + ")");
            assertTrue(flat.size() + nested.size() > 0, name + " has no columns at all");
        }
    }

    private static Object anyKey(RefFile ref, String column) {
        if (!ref.columns().contains(column)) {
            return 1;
        }
        List<Object> present = ref.distinct(column);
        return present.isEmpty() ? CorpusKeys.sample(ref.type(column)) : present.get(0);
    }

    private static LookupResult get(ParquetLookup lookup, Object key, String what) {
        try {
            return lookup.get(key);
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
    }

    /**
     * parquet-java cannot read the file (an unknown codec such as BROTLI, a failing checksum...): each lookup must
     * give a typed error, or the answer DuckDB gives where DuckDB reads the file.
     */
    private static void unreadableByReference(String name, Path file, Throwable why) throws SQLException {
        MessageType schema;
        try {
            schema = ReferenceReader.schema(file);
        } catch (IOException | RuntimeException | LinkageError e) {
            try (ParquetLookup lookup = lookup(name, "id", List.of())) {
                Outcome<LookupResult> o = Outcome.of(() -> lookup.get(1));
                assertTrue(o.failed() && LookupHarness.isTyped(o.error()), name + ": unreadable footer: " + o);
            }
            return;
        }
        List<PrimitiveType> flat = new ArrayList<>();
        for (Type t : schema.getFields()) {
            if (ParquetValues.isFlat(t)) {
                flat.add(t.asPrimitiveType());
            }
        }
        List<String> names = flat.stream().map(Type::getName).toList();
        Map<Path, DuckDbReference.FileRows> duckRows = null;
        try {
            duckRows = duck.readAll(List.of(file), names, flat);
        } catch (SQLException e) {
            // Neither reference reads it: only a typed error (or no row at all) is acceptable.
        }
        boolean checked = false;
        for (int c = 0; c < flat.size(); c++) {
            PrimitiveType t = flat.get(c);
            if (!ParquetValues.isKeyType(t)) {
                continue;
            }
            List<Object> keys = new ArrayList<>();
            keys.add(CorpusKeys.sample(t));
            if (duckRows != null
                    && t.getLogicalTypeAnnotation() == null
                    && t.getPrimitiveTypeName() != PrimitiveType.PrimitiveTypeName.BINARY) {
                for (List<String> row : duckRows.get(file).rows().values()) {
                    String v = row.get(c);
                    if (v.startsWith("i") && keys.size() < 200) {
                        long n = Long.parseLong(v.substring(1));
                        keys.add(
                                t.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.INT32
                                        ? (Object) (int) n
                                        : n);
                    }
                }
            }
            try (ParquetLookup lookup = lookup(name, names.get(c), names)) {
                for (Object k : keys) {
                    String what = name + " (parquet-java: " + why + ") key " + names.get(c) + " = " + k;
                    LookupResult r = Outcome.of(() -> lookup.get(k)).typedErrorOrValue(what);
                    checked = true;
                    if (r == null) {
                        continue;
                    }
                    if (duckRows == null) {
                        assertTrue(r.isEmpty(), what + ": rows that no reference can confirm: " + r.rows());
                        continue;
                    }
                    List<String> expected = new ArrayList<>();
                    String canonicalKey = ParquetValues.canonical(t, k);
                    Map<Long, List<String>> rows = duckRows.get(file).rows();
                    for (long i = 0; i < rows.size(); i++) {
                        if (rows.get(i).get(c).equals(canonicalKey)) {
                            expected.add(PREFIX + name + "#" + i + rows.get(i));
                        }
                    }
                    List<String> actual = new ArrayList<>();
                    for (Row row : r.rows()) {
                        List<String> values = new ArrayList<>();
                        for (int i = 0; i < row.size(); i++) {
                            values.add(ParquetValues.canonical(flat.get(i), row.get(i)));
                        }
                        actual.add(row.object() + "#" + row.rowIndex() + values);
                    }
                    assertEquals(expected, actual, what + " vs DuckDB");
                }
            }
        }
        if (!checked) {
            // No flat key column: a lookup on whatever column exists must be refused with a typed error.
            String column = flat.isEmpty() ? schema.getFields().get(0).getName() : names.get(0);
            try (ParquetLookup lookup = lookup(name, column, names)) {
                Outcome<LookupResult> o = Outcome.of(() -> lookup.get(1));
                assertTrue(o.failed() && LookupHarness.isTyped(o.error()), name + ": " + o);
            }
        }
    }

    /**
     * The corpus's BROTLI file cannot be looked up (its only column is a map), so its pages are decoded directly:
     * every page small enough to hold in a test decodes to exactly its header's size, and the value column's
     * dictionary holds DuckDB's map values. Its two other pages each hold the 1 GiB key string; their headers' sizes
     * must match DuckDB's key length (plus the PLAIN length prefix, and the levels of the data page).
     */
    @Test
    void brotliPagesDecodeAsDuckDbReadsThem(TestReporter report) throws IOException, SQLException {
        Path file = local(BROTLI_FILE);
        byte[] whole = Files.readAllBytes(file);
        List<ParquetPages.Page> pages = ParquetPages.of(whole);
        List<Long> keyLengths = duck.longs("SELECT length(unnest(map_keys(arr))) FROM read_parquet("
                + DuckDbReference.quoteString(file.toString()) + ")");
        List<Long> values = duck.longs("SELECT DISTINCT unnest(map_values(arr)) AS v FROM read_parquet("
                + DuckDbReference.quoteString(file.toString()) + ") ORDER BY v");
        assertEquals(List.of(1L << 30, 1L << 30), keyLengths, "DuckDB's view of " + BROTLI_FILE);
        int decoded = 0;
        for (ParquetPages.Page p : pages) {
            assertEquals(CompressionCodec.BROTLI, p.codec(), p.toString());
            if (p.uncompressedSize() > (1 << 20)) {
                assertEquals("arr.key_value.key", p.column(), p.toString());
                long header = p.type() == PageType.DICTIONARY_PAGE ? 4 : 16; // length prefix; and levels
                assertEquals(keyLengths.get(0) + header, p.uncompressedSize(), p.toString());
                continue;
            }
            byte[] page = Codecs.decompress(
                    BROTLI_FILE, p.codec(), whole, p.bodyOffset(), p.compressedSize(), p.uncompressedSize());
            assertEquals(p.uncompressedSize(), page.length, p.toString());
            decoded++;
            if (p.column().equals("arr.key_value.value") && p.type() == PageType.DICTIONARY_PAGE) {
                List<Long> dictionary = new ArrayList<>();
                ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
                while (b.remaining() >= 4) {
                    dictionary.add((long) b.getInt()); // PLAIN INT32
                }
                assertEquals(values, dictionary, BROTLI_FILE + ": the value dictionary vs DuckDB");
            }
        }
        assertEquals(3, decoded, BROTLI_FILE + ": pages decoded of " + pages);
        report.publishEntry("brotli", BROTLI_FILE + ": " + decoded + " of " + pages.size() + " pages decoded");
    }

    /**
     * The {@code *_expect.csv} files hold the decoded values of the delta-encoded files: row i of the CSV is row i
     * of the file. Each row is looked up by its first column and must be among the answers with the CSV's values.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("expectations")
    void expectedCsvValuesAreLookedUp(String csvName) throws IOException {
        String name = csvName.replace("_expect.csv", ".parquet");
        Path file = local(name);
        List<String> lines = Files.readAllLines(local(csvName), StandardCharsets.UTF_8);
        MessageType schema = ReferenceReader.schema(file);
        List<String> columns = schema.getFields().stream().map(Type::getName).toList();
        List<String> header = csv(lines.get(0));
        assertEquals(columns.size(), header.size(), csvName + " header " + header + " vs " + columns);
        PrimitiveType keyType = schema.getType(0).asPrimitiveType();
        int checked = 0;
        try (ParquetLookup lookup = lookup(name, columns.get(0), columns)) {
            for (int i = 1; i < lines.size(); i++) {
                List<String> cells = csv(lines.get(i));
                assertEquals(columns.size(), cells.size(), csvName + " line " + (i + 1));
                String keyText = cells.get(0);
                if (keyText == null) {
                    continue; // a null key matches nothing
                }
                Object key = switch (keyType.getPrimitiveTypeName()) {
                    case INT32 -> Integer.parseInt(keyText);
                    case INT64 -> Long.parseLong(keyText);
                    case BINARY -> keyText;
                    default -> fail("unexpected key type " + keyType);
                };
                long rowIndex = i - 1L;
                LookupResult r = get(lookup, key, csvName + " line " + (i + 1));
                Row row = r.rows().stream()
                        .filter(x -> x.rowIndex() == rowIndex)
                        .findFirst()
                        .orElseThrow(() -> new AssertionError(csvName + ": row " + rowIndex
                                + " missing from the answer for " + keyText + ": " + r.rows()));
                List<@Nullable String> got = new ArrayList<>();
                for (Object v : row.values()) {
                    got.add(v == null ? null : v.toString());
                }
                assertEquals(cells, got, csvName + " line " + (i + 1));
                checked++;
            }
        }
        assertTrue(checked > 0, csvName + ": no row checked");
    }

    /** One CSV line: quoted or bare fields; an empty bare field is null. */
    private static List<@Nullable String> csv(String line) {
        List<@Nullable String> out = new ArrayList<>();
        int i = 0;
        while (true) {
            if (i < line.length() && line.charAt(i) == '"') {
                StringBuilder s = new StringBuilder();
                i++;
                while (true) {
                    char ch = line.charAt(i++);
                    if (ch == '"') {
                        if (i < line.length() && line.charAt(i) == '"') {
                            s.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        s.append(ch);
                    }
                }
                out.add(s.toString());
            } else {
                int end = line.indexOf(',', i);
                String field = line.substring(i, end < 0 ? line.length() : end);
                out.add(field.isEmpty() ? null : field);
                i = end < 0 ? line.length() : end;
            }
            if (i >= line.length()) {
                return out;
            }
            i++; // the comma
            if (i == line.length()) {
                out.add(null);
                return out;
            }
        }
    }
}
