package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tieredstore.testfixtures.parquet.ParquetTable;
import io.tieredstore.testfixtures.parquet.ParquetTable.Codec;
import io.tieredstore.testfixtures.parquet.ParquetTable.Column;
import io.tieredstore.testfixtures.parquet.ParquetTable.ColumnType;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyOrder;
import io.tieredstore.testfixtures.parquet.ParquetTable.KeyType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/**
 * The row-level page view ({@link PageDecoder#open} then {@link RawPage#rows}) against parquet-column's whole-page
 * decode ({@link WholePageReference}), row by row, on pages parquet-java writes with every encoding it has (data
 * pages v1 and v2, dictionary on and off), required and optional columns with no, some and only nulls, five codecs;
 * on every flat column of parquet-testing (which adds BYTE_STREAM_SPLIT of every type, DELTA_LENGTH_BYTE_ARRAY,
 * INT96, dictionaries of every type); and on damaged pages, where the view must either refuse with a typed error
 * or read what parquet-column reads, and never throw another exception or allocate what a damaged header claims.
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

    @Test
    void damagedPagesAreRefusedOrReadAsParquetColumnReadsThem(TestReporter report) throws IOException {
        Random r = new Random(7);
        int trials = 0;
        int refused = 0;
        int agreed = 0;
        long seed = 100;
        for (Config c : configs()) {
            if (c.codec() != Codec.UNCOMPRESSED && c.codec() != Codec.SNAPPY) {
                continue;
            }
            List<PageRowsCheck.Page> pages = PageRowsCheck.pages("t", write(c, seed++));
            for (PageRowsCheck.Page p : pages) {
                for (int t = 0; t < 12; t++) {
                    byte[] bad = damage(p, r, t % 4);
                    trials++;
                    int outcome = tryPage(p, bad, c + " " + p.leaf().name() + " damage " + t % 4);
                    refused += outcome == 0 ? 1 : 0;
                    agreed += outcome == 1 ? 1 : 0;
                }
            }
        }
        report.publishEntry(
                "damaged pages", trials + " trials, " + refused + " refused, " + agreed + " read as parquet-column");
        assertTrue(refused > trials / 10, refused + " of " + trials + " refused");
        assertTrue(agreed > trials / 10, agreed + " of " + trials + " agreed");
    }

    /** 0: refused with a typed error; 1: read as the reference reads it; 2: read while the reference fails. */
    private static int tryPage(PageRowsCheck.Page p, byte[] bad, String what) {
        @Nullable Object[] expected = PageRowsCheck.reference(p, bad);
        PageDecoder.Dict dict = PageRowsCheck.dict(p);
        PageRows heap;
        RawPage raw;
        try {
            raw = PageDecoder.open("t", p.leaf(), p.codec(), bad, 0, -1, PageRowsCheck.LIMITS);
            heap = raw.rows(dict);
        } catch (CorruptParquetException | UnsupportedParquetException typed) {
            return 0;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
        @Nullable Object[] read;
        try {
            read = PageRowsCheck.readAll(heap, p.leaf());
            PageRowsCheck.Direct direct = new PageRowsCheck.Direct(raw.bodyBytes());
            PageRows off = raw.rows(direct.slice(), dict);
            PageRowsCheck.assertSame(read, PageRowsCheck.readAll(off, p.leaf()), what + " direct");
            direct.assertGuards(what);
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": an accessor threw " + e, e);
        }
        if (expected == null) {
            return 2;
        }
        PageRowsCheck.assertSame(expected, read, what);
        assertEquals(PageRowsCheck.ascending(p.leaf(), expected), heap.ascending(), what);
        return 1;
    }

    /** A copy of the page, its checksum dropped, with one kind of damage. */
    private static byte[] damage(PageRowsCheck.Page p, Random r, int kind) {
        try {
            PageHeader h = p.header().deepCopy();
            h.unsetCrc();
            byte[] body =
                    Arrays.copyOfRange(p.bytes(), p.bytes().length - h.getCompressed_page_size(), p.bytes().length);
            boolean plain = p.codec() == org.apache.parquet.format.CompressionCodec.UNCOMPRESSED;
            switch (kind) {
                case 0 -> { // bit flips in the body
                    for (int i = 0, n = 1 + r.nextInt(3); i < n && body.length > 0; i++) {
                        body[r.nextInt(body.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> { // a body cut short, its sizes saying so
                    int cut = body.length == 0 ? 0 : r.nextInt(body.length);
                    body = Arrays.copyOf(body, cut);
                    h.setCompressed_page_size(cut);
                    if (plain) {
                        h.setUncompressed_page_size(cut);
                    }
                }
                case 2 -> { // a wrong count of values
                    int delta = 1 + r.nextInt(700);
                    if (h.getType() == PageType.DATA_PAGE) {
                        var d = h.getData_page_header();
                        d.setNum_values(Math.max(0, d.getNum_values() + (r.nextBoolean() ? delta : -delta)));
                    } else {
                        var d = h.getData_page_header_v2();
                        int n = Math.max(0, d.getNum_values() + (r.nextBoolean() ? delta : -delta));
                        d.setNum_values(n);
                        d.setNum_rows(n);
                    }
                }
                default -> { // a byte set to a large value (dictionary ids, lengths, bit widths, run headers)
                    if (body.length > 0) {
                        body[r.nextInt(Math.min(body.length, 64))] = (byte) (0x80 | r.nextInt(128));
                    }
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Util.writePageHeader(h, out);
            out.write(body);
            return out.toByteArray();
        } catch (IOException e) {
            fail(e);
            throw new AssertionError(e);
        }
    }
}
