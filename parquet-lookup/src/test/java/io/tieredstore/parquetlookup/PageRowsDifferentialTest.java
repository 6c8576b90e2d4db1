package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyOrder;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/**
 * The row-level page view ({@link PageDecoder#open} then {@link RawPage#rows}) against parquet-column's whole-page
 * decode ({@link WholePageReference}), row by row, on pages parquet-java writes with every encoding it has (data
 * pages v1 and v2, dictionary on and off), required and optional columns with no, some and only nulls, five codecs;
 * on every flat column of parquet-testing (which adds BYTE_STREAM_SPLIT of every type, DELTA_LENGTH_BYTE_ARRAY,
 * INT96, dictionaries of every type).
 */
class PageRowsDifferentialTest {
    private static final Path CORPUS = Path.of("/work/shared/data/parquet-testing/data");

    @TempDir
    Path dir;

    /** One writer configuration. */
    record Config(boolean v2, boolean dictionary, Codec codec) {}

    private static List<Config> configs() {
        List<Config> out = new ArrayList<>();
        Codec[] codecs = {Codec.UNCOMPRESSED, Codec.SNAPPY, Codec.GZIP, Codec.ZSTD, Codec.LZ4_RAW};
        int c = 0;
        for (boolean v2 : new boolean[] {false, true}) {
            for (boolean dictionary : new boolean[] {false, true}) {
                out.add(new Config(v2, dictionary, codecs[c++ % codecs.length]));
                out.add(new Config(v2, dictionary, codecs[c++ % codecs.length]));
            }
        }
        return out;
    }

    /** A file from the fixtures' parquet-java writer: every column type, required, with some and with only nulls. */
    private byte[] write(Config c, long seed) throws IOException {
        List<Column> columns = new ArrayList<>();
        for (ColumnType t : ColumnType.values()) {
            String n = t.name().toLowerCase(java.util.Locale.ROOT);
            columns.add(Column.required(n, t));
            columns.add(Column.nullable(n + "_some", t, 0.3));
            columns.add(Column.nullable(n + "_all", t, 1.0));
        }
        Path path = dir.resolve("t-" + seed + ".parquet");
        ParquetTable.builder()
                .rows(3000)
                .keyType(seed % 2 == 0 ? KeyType.INT64 : KeyType.STRING)
                .keyOrder(KeyOrder.SORTED)
                .columns(columns)
                .codec(c.codec())
                .dictionary(c.dictionary())
                .dataPageV2(c.v2())
                .pageRowLimit(700)
                .seed(seed)
                .build()
                .writeTo(path);
        return Files.readAllBytes(path);
    }

    @Test
    void parquetJavaPagesReadAsParquetColumnReadsThem(TestReporter report) throws IOException {
        Set<String> seen = new TreeSet<>();
        long seed = 1;
        for (Config c : configs()) {
            seen.addAll(PageRowsCheck.check(c.toString(), write(c, seed++)));
        }
        report.publishEntry("page kinds", String.join("\n", seen));
        for (String v : new String[] {"v1", "v2"}) {
            for (String type :
                    new String[] {"INT32", "INT64", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY", "BOOLEAN"
                    }) {
                for (String mix : new String[] {"required", "some-null", "all-null"}) {
                    boolean delta = v.equals("v2") && !type.equals("FLOAT") && !type.equals("DOUBLE");
                    if (!delta) {
                        assertSeen(seen, type + " PLAIN " + v + " " + mix);
                    }
                }
            }
            String dictionary = v.equals("v1") ? "PLAIN_DICTIONARY" : "RLE_DICTIONARY";
            for (String type : new String[] {"BYTE_ARRAY"}) { // numbers (and v1 FLBA) fall back to PLAIN here
                assertSeen(seen, type + " " + dictionary + " " + v + " required");
                assertSeen(seen, type + " " + dictionary + " " + v + " some-null");
            }
        }
        for (String type : new String[] {"INT32", "INT64"}) {
            assertSeen(seen, type + " DELTA_BINARY_PACKED v2 required");
            assertSeen(seen, type + " DELTA_BINARY_PACKED v2 some-null");
            assertSeen(seen, type + " DELTA_BINARY_PACKED v2 all-null");
        }
        assertSeen(seen, "BYTE_ARRAY DELTA_BYTE_ARRAY v2 some-null");
        assertSeen(seen, "FIXED_LEN_BYTE_ARRAY DELTA_BYTE_ARRAY v2 required");
        assertSeen(seen, "FIXED_LEN_BYTE_ARRAY RLE_DICTIONARY v2 some-null");
        assertSeen(seen, "BOOLEAN RLE v2 required");
        assertSeen(seen, "BOOLEAN RLE v2 some-null");
        assertSeen(seen, "BOOLEAN RLE v2 all-null");
    }

    private static void assertSeen(Set<String> seen, String kind) {
        assertTrue(seen.contains(kind), "no page of kind " + kind + " among " + seen);
    }

    @Test
    void corpusPagesReadAsParquetColumnReadsThem(TestReporter report) throws IOException {
        Set<String> seen = new TreeSet<>();
        int files = 0;
        try (Stream<Path> list = Files.list(CORPUS)) {
            for (Path f :
                    list.filter(p -> p.toString().endsWith(".parquet")).sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.contains("corrupt") || name.contains("malformed")) {
                    continue; // damaged on purpose (checksum, dictionary): BadDataTest covers them
                }
                byte[] file = Files.readAllBytes(f);
                List<PageRowsCheck.Page> pages;
                try {
                    pages = PageRowsCheck.pages(name, file);
                } catch (RuntimeException | IOException unreadable) {
                    continue; // a schema the engine refuses (nested only, unknown types): no flat column to check
                }
                if (pages.stream().anyMatch(p -> PageRowsCheck.reference(p, p.bytes()) == null)) {
                    continue; // parquet-column cannot read a page of it (an encoding it lacks): nothing to compare
                }
                seen.addAll(PageRowsCheck.check(name, file));
                files++;
            }
        }
        report.publishEntry("corpus page kinds", files + " files\n" + String.join("\n", seen));
        assertTrue(files >= 40, files + " corpus files checked");
        assertSeen(seen, "BYTE_ARRAY DELTA_LENGTH_BYTE_ARRAY v2 no-null");
        assertSeen(seen, "INT32 DELTA_BINARY_PACKED v2 no-null");
        assertSeen(seen, "INT64 DELTA_BINARY_PACKED v2 some-null");
        assertSeen(seen, "BOOLEAN RLE v2 some-null");
        assertSeen(seen, "INT96 PLAIN v1 no-null");
        for (String type : new String[] {"INT32", "INT64", "FLOAT", "DOUBLE", "INT96"}) {
            assertSeen(seen, type + " PLAIN_DICTIONARY v1 no-null");
        }
        for (String type : new String[] {"INT32", "INT64", "FLOAT", "DOUBLE", "FIXED_LEN_BYTE_ARRAY"}) {
            assertSeen(seen, type + " BYTE_STREAM_SPLIT v1 no-null");
        }
    }
}
