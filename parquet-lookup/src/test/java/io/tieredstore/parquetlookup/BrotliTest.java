package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.parquetlookup.LookupHarness.Outcome;
import io.tieredstore.parquetlookup.ParquetPages.Page;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.PageType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BROTLI pages, written by DuckDB (parquet-java cannot write or read BROTLI without Hadoop's native codec, so
 * DuckDB is both the writer and the reference reader here): lookups of present and absent keys equal DuckDB's
 * rows over the same file; damaged pages give {@link CorruptParquetException} or bytes that decode exactly as a
 * reader of the damaged file decodes them, never other rows.
 */
@ExtendWith(S3Extension.class)
class BrotliTest {
    private static final String PREFIX = "brotli/";
    private static final List<String> COLUMNS = List.of("id", "name", "amount", "note", "qty");

    /**
     * The files: {@code shuffled} has keys in no order with about two rows per key (so no row group is pruned by
     * its statistics), {@code sorted} one row per key in key order with gaps (so statistics prune).
     */
    private static final Map<String, String> SELECTS = Map.of(
            "shuffled",
            "SELECT (i * 7919) % 20011 AS id, 'name-' || (i % 977) || repeat('x', (i % 13)::INTEGER) AS name,"
                    + " (i * 0.25)::DOUBLE AS amount,"
                    + " CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || (i % 101) END AS note,"
                    + " CASE WHEN i % 5 = 0 THEN NULL ELSE (i % 1000)::INTEGER END AS qty"
                    + " FROM range(0, 40000) t(i)",
            "sorted",
            "SELECT i * 3 AS id, 'row ' || i AS name, (i / 7)::DOUBLE AS amount,"
                    + " CASE WHEN i % 3 = 0 THEN NULL ELSE md5(i::VARCHAR) END AS note,"
                    + " CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 77)::INTEGER END AS qty"
                    + " FROM range(0, 30000) t(i) ORDER BY id");

    @TempDir
    static Path dir;

    private static S3Fixture s3;
    private static TieredStore store;
    private static DuckDbReference duck;

    @BeforeAll
    static void start(S3Fixture fixture) throws SQLException, IOException {
        s3 = fixture;
        store = LookupHarness.store(s3, ConsistencyPolicy.IMMUTABLE, 16 << 10);
        duck = new DuckDbReference();
        for (Map.Entry<String, String> e : SELECTS.entrySet()) {
            Path file = file(e.getKey());
            duck.execute("COPY (" + e.getValue() + ") TO " + DuckDbReference.quoteString(file.toString())
                    + " (FORMAT parquet, COMPRESSION brotli, ROW_GROUP_SIZE 8192)");
            s3.foreignWriter().put(PREFIX + e.getKey() + ".parquet", file);
        }
    }

    @AfterAll
    static void stop() throws SQLException {
        store.close();
        duck.close();
    }

    private static Path file(String name) {
        return dir.resolve(name + ".parquet");
    }

    /** A file as DuckDB reads it: its flat columns' types, and its rows in canonical form by row number. */
    private record Reference(List<PrimitiveType> types, Map<Long, List<String>> rows) {
        static Reference of(Path file) throws IOException, SQLException {
            MessageType schema = ReferenceReader.schema(file);
            List<PrimitiveType> types = new ArrayList<>();
            for (String c : COLUMNS) {
                types.add(schema.getType(c).asPrimitiveType());
            }
            return new Reference(
                    types, duck.readAll(List.of(file), COLUMNS, types).get(file).rows());
        }

        /** DuckDB's rows for {@code key} as {@code object#row[values]}, in row order. */
        List<String> expected(String object, Object key) throws SQLException {
            String canonicalKey = ParquetValues.canonical(types.get(0), key);
            List<String> out = new ArrayList<>();
            for (long i = 0; i < rows.size(); i++) {
                if (rows.get(i).get(0).equals(canonicalKey)) {
                    out.add(object + "#" + i + rows.get(i));
                }
            }
            return out;
        }

        /** The present keys, in key order. */
        List<Long> keys() {
            TreeSet<Long> keys = new TreeSet<>();
            for (List<String> row : rows.values()) {
                keys.add(Long.parseLong(row.get(0).substring(1)));
            }
            return new ArrayList<>(keys);
        }
    }

    private static List<String> actual(List<PrimitiveType> types, LookupResult r) throws SQLException {
        List<String> out = new ArrayList<>();
        for (Row row : r.rows()) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < row.size(); i++) {
                values.add(ParquetValues.canonical(types.get(i), row.get(i)));
            }
            out.add(row.object() + "#" + row.rowIndex() + values);
        }
        return out;
    }

    /** Every 7th present key, the first and last, and absent keys below, between and above them. */
    private static List<Object> keys(List<Long> present) {
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < present.size(); i += 7) {
            keys.add(present.get(i));
        }
        keys.add(present.get(present.size() - 1));
        long first = present.get(0);
        long last = present.get(present.size() - 1);
        keys.addAll(List.of(first - 1, last + 1, last + 1_000_000, Long.MIN_VALUE, Long.MAX_VALUE));
        for (int i = 1; i < present.size(); i += present.size() / 20) {
            if (present.get(i) - present.get(i - 1) > 1) {
                keys.add(present.get(i - 1) + 1); // a gap: absent between present keys
            }
        }
        return keys;
    }

    /**
     * The file really has what the test claims: BROTLI pages only, several row groups, dictionary and data pages.
     * DuckDB starts a new data page only past 100 MB of uncompressed values, so each column chunk has one data page
     * (after its dictionary page, where DuckDB chose a dictionary); chunks of several data pages are the same code
     * for every codec and are covered by the fixtures' files.
     */
    @ParameterizedTest
    @ValueSource(strings = {"shuffled", "sorted"})
    void duckDbWroteBrotliPagesInSeveralRowGroups(String name) throws IOException {
        List<Page> pages = ParquetPages.of(Files.readAllBytes(file(name)));
        TreeSet<String> types = new TreeSet<>();
        for (Page p : pages) {
            assertEquals(CompressionCodec.BROTLI, p.codec(), name + ": " + p);
            types.add(p.type().name());
        }
        int rowGroups = pages.stream().mapToInt(Page::rowGroup).max().orElse(-1) + 1;
        assertTrue(rowGroups >= 3, name + ": " + rowGroups + " row groups");
        assertTrue(types.contains(PageType.DICTIONARY_PAGE.name()), name + ": page types " + types);
        assertTrue(
                types.contains(PageType.DATA_PAGE.name()) || types.contains(PageType.DATA_PAGE_V2.name()),
                name + ": page types " + types);
    }

    @ParameterizedTest
    @ValueSource(strings = {"shuffled", "sorted"})
    void lookupsEqualDuckDb(String name, TestReporter report) throws IOException, SQLException {
        Path file = file(name);
        String object = PREFIX + name + ".parquet";
        Reference ref = Reference.of(file);
        List<Object> keys = keys(ref.keys());
        int present = 0;
        int rows = 0;
        try (ParquetLookup lookup =
                LookupHarness.lookup(store, s3, List.of(object), "id", COLUMNS).build()) {
            for (Object k : keys) {
                LookupResult r = Outcome.of(() -> lookup.get(k)).typedErrorOrValue(name + " key " + k);
                assertTrue(r != null, name + " key " + k + ": a typed error on an intact file");
                List<String> expected = ref.expected(object, k);
                assertEquals(expected, actual(ref.types(), r), name + " key " + k + " vs DuckDB");
                present += expected.isEmpty() ? 0 : 1;
                rows += expected.size();
            }
            List<LookupResult> all = lookup.getAll(keys);
            assertEquals(keys.size(), all.size());
            for (int i = 0; i < keys.size(); i++) {
                assertEquals(
                        ref.expected(object, keys.get(i)),
                        actual(ref.types(), all.get(i)),
                        name + " getAll key " + keys.get(i) + " vs DuckDB");
            }
        }
        assertTrue(present > 100 && present < keys.size(), name + ": " + present + " of " + keys.size() + " present");
        report.publishEntry(
                "compared",
                name + ": " + keys.size() + " keys (" + present + " present, " + rows + " rows) by get and getAll");
    }

    /**
     * Every BROTLI page of the file decodes to exactly its header's size; cut short, fed with a wrong size or
     * replaced by garbage it gives {@link CorruptParquetException}, or (a cut of trailing bits the decoder does
     * not need) exactly the intact bytes; never another exception.
     */
    @Test
    void truncatedOrMissizedBrotliPagesAreCorrupt(TestReporter report) throws IOException {
        byte[] whole = Files.readAllBytes(file("shuffled"));
        List<Page> pages = ParquetPages.of(whole);
        Random rnd = new Random(20261201L);
        int corrupt = 0;
        int same = 0;
        for (Page p : pages) {
            byte[] intact =
                    Codecs.decompress("p", p.codec(), whole, p.bodyOffset(), p.compressedSize(), p.uncompressedSize());
            assertEquals(p.uncompressedSize(), intact.length, p.toString());
            assertThrows(
                    CorruptParquetException.class,
                    () -> Codecs.decompress(
                            "p", p.codec(), whole, p.bodyOffset(), p.compressedSize(), p.uncompressedSize() - 1),
                    "a page that runs long: " + p);
            assertThrows(
                    CorruptParquetException.class,
                    () -> Codecs.decompress(
                            "p", p.codec(), whole, p.bodyOffset(), p.compressedSize(), p.uncompressedSize() + 1),
                    "a page that ends early: " + p);
            TreeSet<Integer> cuts = new TreeSet<>(List.of(0, 1, 2, 3));
            for (int i = 1; i <= 4; i++) {
                cuts.add(p.compressedSize() - i);
            }
            cuts.add(p.compressedSize() / 2);
            cuts.add(rnd.nextInt(p.compressedSize()));
            for (int cut : cuts) {
                if (cut < 0 || cut >= p.compressedSize()) {
                    continue;
                }
                byte[] got = decodeOrCorrupt(whole, p.bodyOffset(), cut, p, "cut to " + cut);
                if (got == null) {
                    corrupt++;
                } else {
                    assertArrayEquals(intact, got, p + " cut to " + cut + " decoded to other bytes");
                    same++;
                }
            }
            byte[] garbage = new byte[p.compressedSize()];
            rnd.nextBytes(garbage);
            byte[] got = decodeOrCorrupt(garbage, 0, garbage.length, p, "random bytes");
            if (got == null) {
                corrupt++;
            } else {
                fail(p + ": random bytes decoded to exactly the page's size");
            }
        }
        assertTrue(corrupt > pages.size() * 4, corrupt + " corrupt over " + pages.size() + " pages");
        report.publishEntry(
                "cuts", pages.size() + " pages: " + corrupt + " corrupt, " + same + " cuts decoded the intact bytes");
    }

    /** The decoded bytes, or null for a CorruptParquetException; any other exception fails. */
    private static byte @Nullable [] decodeOrCorrupt(byte[] src, int offset, int length, Page p, String what) {
        try {
            return Codecs.decompress("p", p.codec(), src, offset, length, p.uncompressedSize());
        } catch (CorruptParquetException e) {
            assertTrue(e.getMessage().contains("BROTLI"), what + ": " + e);
            return null;
        } catch (RuntimeException e) {
            throw new AssertionError(p + " " + what + ": untyped " + e, e);
        }
    }

    /**
     * Seeded bit flips inside BROTLI page bodies, through lookups: each lookup gives a typed error, or DuckDB's
     * answer over the intact file (the flip was in bytes it did not need), or DuckDB's answer over the damaged file
     * (brotli has no checksum, so without a page CRC a flipped literal decodes to another value for every reader);
     * nothing else.
     */
    @Test
    void flippedBitsInBrotliPagesNeverGiveWrongRows(TestReporter report) throws IOException, SQLException {
        Path original = file("shuffled");
        byte[] whole = Files.readAllBytes(original);
        List<Page> pages = ParquetPages.of(whole);
        Reference ref = Reference.of(original);
        List<Long> present = ref.keys();
        Random rnd = new Random(20261202L);
        int mutants = 40;
        int typed = 0;
        int asIntact = 0;
        int asDamaged = 0;
        int lookups = 0;
        for (int m = 0; m < mutants; m++) {
            Page p = pages.get(rnd.nextInt(pages.size()));
            int at = p.bodyOffset() + rnd.nextInt(p.compressedSize());
            byte[] mutant = whole.clone();
            mutant[at] ^= (byte) (1 << rnd.nextInt(8));
            Path mutantFile = dir.resolve("flip-" + m + ".parquet");
            Files.write(mutantFile, mutant);
            @Nullable Reference damaged;
            try {
                damaged = Reference.of(mutantFile);
            } catch (SQLException e) {
                damaged = null; // DuckDB refuses the damaged file: only a typed error or the intact answer remain
            }
            String object = PREFIX + "flip/" + m + ".parquet";
            s3.foreignWriter().put(object, mutant);
            try (ParquetLookup lookup = LookupHarness.lookup(store, s3, List.of(object), "id", COLUMNS)
                    .build()) {
                for (int i = 0; i < 12; i++) {
                    long k = i == 11 ? -5 : present.get(rnd.nextInt(present.size()));
                    String what = "mutant " + m + " (bit flipped at " + at + " in " + p + ") key " + k;
                    LookupResult r = Outcome.of(() -> lookup.get(k)).typedErrorOrValue(what);
                    lookups++;
                    if (r == null) {
                        typed++;
                        continue;
                    }
                    List<String> got = actual(ref.types(), r);
                    if (got.equals(ref.expected(object, k))) {
                        asIntact++;
                    } else if (damaged != null && got.equals(damaged.expected(object, k))) {
                        asDamaged++;
                    } else {
                        fail(what + ": answered " + got + "\nDuckDB over the intact file: " + ref.expected(object, k)
                                + "\nDuckDB over the damaged file: "
                                + (damaged == null ? "(unreadable)" : damaged.expected(object, k)));
                    }
                }
            }
        }
        assertTrue(typed > 0, "no flip in " + mutants + " gave a typed error");
        report.publishEntry(
                "flips",
                mutants + " mutants, " + lookups + " lookups: " + typed + " typed errors, " + asIntact
                        + " as the intact file, " + asDamaged + " as DuckDB reads the damaged file");
    }

    /** The CorruptParquetException names the object and the codec. */
    @Test
    void aDamagedPageNamesTheObjectAndTheCodec() throws IOException {
        byte[] whole = Files.readAllBytes(file("sorted"));
        Page p = ParquetPages.of(whole).get(0);
        byte[] cut = Arrays.copyOfRange(whole, p.bodyOffset(), p.bodyOffset() + p.compressedSize() / 2);
        CorruptParquetException e = assertThrows(
                CorruptParquetException.class,
                () -> Codecs.decompress("b/k.parquet", p.codec(), cut, 0, cut.length, p.uncompressedSize()));
        assertEquals("b/k.parquet", e.object());
        assertTrue(e.getMessage().contains("BROTLI"), e.getMessage());
        assertInstanceOf(java.io.IOException.class, e.getCause(), "the decoder's error is kept as the cause");
    }
}
