package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.jspecify.annotations.Nullable;

/**
 * Pulls the pages of a Parquet file apart and checks the engine's row-level view of each against
 * {@link WholePageReference}: every row's null bit and value, {@code compareBytes} and {@code ascending()}, on a heap
 * body and on a direct body that is a slice of a larger buffer whose guard bytes must stay untouched.
 */
final class PageRowsCheck {
    private PageRowsCheck() {}

    static final PageDecoder.Limits LIMITS = new PageDecoder.Limits(64 << 20);
    private static final int GUARD = 64;
    private static final byte FILL = (byte) 0x5a;

    /** One page of a flat column: its whole bytes (header first), its column and its chunk's dictionary page. */
    static final class Page {
        private final Schema.Leaf leaf;
        private final org.apache.parquet.format.CompressionCodec codec;
        private final byte[] bytes;
        private final byte @Nullable [] dict;
        private final PageHeader header;

        Page(
                Schema.Leaf leaf,
                org.apache.parquet.format.CompressionCodec codec,
                byte[] bytes,
                byte @Nullable [] dict,
                PageHeader header) {
            this.leaf = leaf;
            this.codec = codec;
            this.bytes = bytes;
            this.dict = dict;
            this.header = header;
        }

        /** The page's column. */
        Schema.Leaf leaf() {
            return leaf;
        }

        /** Its chunk's codec. */
        org.apache.parquet.format.CompressionCodec codec() {
            return codec;
        }

        /** Its bytes, header first. */
        byte[] bytes() {
            return bytes;
        }

        /** Its chunk's dictionary page, or {@code null}. */
        byte @Nullable [] dict() {
            return dict;
        }

        /** Its parsed header. */
        PageHeader header() {
            return header;
        }

        /** The page's encoding, version and null mix, e.g. {@code INT64 DELTA_BINARY_PACKED v2 some-null}. */
        String describe(@Nullable Object[] rows) {
            boolean v2 = header.getType() == PageType.DATA_PAGE_V2;
            var encoding = v2
                    ? header.getData_page_header_v2().getEncoding()
                    : header.getData_page_header().getEncoding();
            long nulls = Arrays.stream(rows).filter(Objects::isNull).count();
            String mix = leaf.maxDefinition() == 0
                    ? "required"
                    : nulls == 0 ? "no-null" : nulls == rows.length ? "all-null" : "some-null";
            return leaf.type() + " " + encoding + (v2 ? " v2 " : " v1 ") + mix;
        }
    }

    /** Every data page of every flat column of {@code file}. */
    static List<Page> pages(String name, byte[] file) throws IOException {
        int footerLength = ByteBuffer.wrap(file, file.length - 8, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        FileMetaData meta =
                Util.readFileMetaData(new ByteArrayInputStream(file, file.length - 8 - footerLength, footerLength));
        Schema schema = Schema.parse(name, meta.getSchema());
        List<Page> out = new ArrayList<>();
        for (var g : meta.getRow_groups()) {
            for (ColumnChunk cc : g.getColumns()) {
                ColumnMetaData md = cc.getMeta_data();
                if (md.getPath_in_schema().size() != 1) {
                    continue;
                }
                Schema.Leaf leaf = schema.leaf(md.getPath_in_schema().get(0));
                if (leaf == null) {
                    continue;
                }
                long start = md.isSetDictionary_page_offset() && md.getDictionary_page_offset() > 0
                        ? Math.min(md.getDictionary_page_offset(), md.getData_page_offset())
                        : md.getData_page_offset();
                long end = start + md.getTotal_compressed_size();
                int at = Math.toIntExact(start);
                byte[] dict = null;
                while (at < end) {
                    ByteArrayInputStream in = new ByteArrayInputStream(file, at, Math.toIntExact(end - at));
                    int before = in.available();
                    PageHeader h = Util.readPageHeader(in);
                    int next = at + before - in.available() + h.getCompressed_page_size();
                    byte[] bytes = Arrays.copyOfRange(file, at, next);
                    if (h.getType() == PageType.DICTIONARY_PAGE) {
                        dict = bytes;
                    } else if (h.getType() == PageType.DATA_PAGE || h.getType() == PageType.DATA_PAGE_V2) {
                        out.add(new Page(leaf, md.getCodec(), bytes, dict, h));
                    }
                    at = next;
                }
            }
        }
        return out;
    }

    /** parquet-column's reading of a page, or {@code null} if parquet-column fails on it. */
    static @Nullable Object @Nullable [] reference(Page p, byte[] bytes) {
        try {
            byte[] d = p.dict();
            Dictionary dict =
                    d == null ? null : WholePageReference.dictionary(p.leaf().descriptor(), p.codec(), d);
            return WholePageReference.rows(p.leaf().descriptor(), p.codec(), bytes, dict);
        } catch (Exception | AssertionError e) {
            return null;
        } catch (OutOfMemoryError e) {
            return null; // parquet-column's DELTA readers allocate what a damaged header claims
        }
    }

    /** The engine's dictionary of the page's chunk, or {@code null} if it has none. */
    static PageDecoder.@Nullable Dict dict(Page p) {
        byte[] d = p.dict();
        return d == null ? null : PageDecoder.dictionary("t", p.leaf(), p.codec(), d, LIMITS);
    }

    /** Row {@code i} of {@code rows} as a boxed physical value, {@code null} if null. */
    static @Nullable Object value(PageRows rows, Schema.Leaf leaf, int i) {
        if (rows.isNull(i)) {
            return null;
        }
        return switch (leaf.type()) {
            case INT32 -> rows.int32(i);
            case INT64 -> rows.int64(i);
            case FLOAT -> rows.float32(i);
            case DOUBLE -> rows.float64(i);
            case BOOLEAN -> rows.bool(i);
            default -> rows.bytes(i);
        };
    }

    /** Reads every row of {@code rows} through every accessor its type has (to show none throws). */
    static @Nullable Object[] readAll(PageRows rows, Schema.Leaf leaf) {
        @Nullable Object[] out = new Object[rows.rows()];
        byte[] probe = {0x40};
        for (int i = 0; i < out.length; i++) {
            out[i] = value(rows, leaf, i);
            if (out[i] instanceof byte[] b) {
                assertEquals(0, rows.compareBytes(i, b), "compareBytes with itself");
                assertEquals(
                        Integer.signum(Arrays.compareUnsigned(b, probe)), Integer.signum(rows.compareBytes(i, probe)));
            }
        }
        rows.ascending();
        rows.heapBytes();
        rows.offHeapBytes();
        return out;
    }

    /** Whether the reference rows ascend as {@link PageRows#ascending()} promises. */
    static boolean ascending(Schema.Leaf leaf, @Nullable Object[] rows) {
        switch (leaf.type()) {
            case INT32, INT64, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96 -> {}
            default -> {
                return false;
            }
        }
        for (Object v : rows) {
            if (v == null) {
                return false;
            }
        }
        for (int i = 1; i < rows.length; i++) {
            Object a = rows[i - 1];
            Object b = rows[i];
            int c = switch (leaf.type()) {
                case INT32 -> Integer.compare((Integer) a, (Integer) b);
                case INT64 -> Long.compare((Long) a, (Long) b);
                case BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96 -> Arrays.compareUnsigned((byte[]) a, (byte[]) b);
                default -> 1;
            };
            if (c > 0) {
                return false;
            }
        }
        return true;
    }

    /** Asserts that two rows' arrays hold the same values. */
    static void assertSame(@Nullable Object[] expected, @Nullable Object[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": rows");
        for (int i = 0; i < expected.length; i++) {
            if (!Objects.deepEquals(expected[i], actual[i])) {
                throw new AssertionError(what + ": row " + i + " is " + show(actual[i]) + ", not " + show(expected[i]));
            }
        }
    }

    private static String show(@Nullable Object v) {
        return v instanceof byte[] b ? Arrays.toString(b) : String.valueOf(v);
    }

    /** The view of a page opened on a direct slice of a larger buffer with guard bytes around; checks the guards. */
    static final class Direct {
        final ByteBuffer big;
        final int bodyBytes;

        Direct(int bodyBytes) {
            this.bodyBytes = bodyBytes;
            this.big = ByteBuffer.allocateDirect(bodyBytes + 3 * GUARD);
            for (int i = 0; i < big.capacity(); i++) {
                big.put(i, FILL);
            }
        }

        /** The slice handed to {@code rows}: {@code GUARD} spare bytes past the body, then guards. */
        ByteBuffer slice() {
            return big.slice(GUARD, bodyBytes + GUARD);
        }

        /** Asserts that nothing before the slice or past the body was written. */
        void assertGuards(String what) {
            for (int i = 0; i < big.capacity(); i++) {
                if (i >= GUARD && i < GUARD + bodyBytes) {
                    continue;
                }
                assertEquals(FILL, big.get(i), what + ": byte " + i + " outside the body was written");
            }
        }
    }

    /** Checks every row of every page of {@code file} against the reference; returns the pages' descriptions. */
    static List<String> check(String name, byte[] file) throws IOException {
        List<String> seen = new ArrayList<>();
        for (Page p : pages(name, file)) {
            @Nullable Object[] expected = reference(p, p.bytes());
            assertTrue(expected != null, name + " " + p.leaf().name() + ": parquet-column fails on a page");
            String what = name + " " + p.leaf().name() + " " + p.describe(expected);
            seen.add(p.describe(expected));
            PageDecoder.Dict dict = dict(p);
            RawPage raw = PageDecoder.open(name, p.leaf(), p.codec(), p.bytes(), 0, expected.length, LIMITS);
            PageRows heap = raw.rows(dict);
            assertSame(expected, readAll(heap, p.leaf()), what + " (heap)");
            assertEquals(ascending(p.leaf(), expected), heap.ascending(), what + ": ascending");
            assertEquals(0, heap.offHeapBytes(), what);
            if (heap instanceof PageView) {
                assertTrue(heap.heapBytes() > 0 && heap.heapBytes() < 256 + expected.length, what + ": heap bytes");
            } else {
                assertTrue(heap.heapBytes() >= 4L * expected.length, what + ": heap bytes of the arrays");
            }
            Direct direct = new Direct(raw.bodyBytes());
            PageRows off = raw.rows(direct.slice(), dict);
            assertSame(expected, readAll(off, p.leaf()), what + " (direct)");
            assertEquals(heap.ascending(), off.ascending(), what);
            if (off instanceof PageView) {
                assertEquals(raw.bodyBytes(), off.offHeapBytes(), what + ": off-heap bytes");
                assertTrue(off.heapBytes() < 256 + expected.length, what + ": under a byte a row on the heap");
            } else {
                assertEquals(0, off.offHeapBytes(), what);
            }
            direct.assertGuards(what);
        }
        return seen;
    }
}
