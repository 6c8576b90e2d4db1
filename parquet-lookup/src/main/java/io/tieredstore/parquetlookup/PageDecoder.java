package io.tieredstore.parquetlookup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.zip.CRC32;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.column.values.dictionary.DictionaryValuesReader;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.DataPageHeader;
import org.apache.parquet.format.DataPageHeaderV2;
import org.apache.parquet.format.DictionaryPageHeader;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.jspecify.annotations.Nullable;

/**
 * Decodes one page of a flat column from its bytes (header included) with parquet-column's value readers: levels
 * and values for data pages v1 and v2, every encoding parquet-column has, and dictionaries decoded once into
 * primitive arrays so that dictionary-encoded pages cost an array load per value.
 *
 * <p>Every size is checked against the page's bytes and the caps before anything is allocated, a page checksum
 * is verified when the writer stored one, and any failure of the decoders on bad bytes becomes a
 * {@link CorruptParquetException}.
 */
final class PageDecoder {
    private PageDecoder() {}

    /** A parsed page header and where its body starts. */
    record Header(PageHeader header, int bodyOffset) {}

    /** A dictionary decoded into a primitive array by physical type (as {@link ArrayRows} holds values). */
    record Dict(Object values, int size, int weight) implements Weighted {}

    /** Caps on what one page may make us allocate. */
    record Limits(int maxPageBytes) {
        int maxValues() {
            return Math.max(1 << 16, maxPageBytes / 4);
        }
    }

    /** Parses the page header at {@code offset} of {@code bytes} (at most {@code length} bytes long). */
    static Header header(String object, byte[] bytes, int offset, int length) {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes, offset, length);
        try {
            PageHeader h = Util.readPageHeader(in);
            int consumed = length - in.available();
            return new Header(h, offset + consumed);
        } catch (IOException | RuntimeException e) {
            throw new CorruptParquetException(object, "unreadable page header at " + offset + ": " + e.getMessage(), e);
        }
    }

    /** Decodes a dictionary page; {@code bytes} holds the whole page, header first. */
    static Dict dictionary(String object, Schema.Leaf leaf, CompressionCodec codec, byte[] bytes, Limits limits) {
        Header h = header(object, bytes, 0, bytes.length);
        PageHeader header = h.header();
        if (header.getType() != PageType.DICTIONARY_PAGE || !header.isSetDictionary_page_header()) {
            throw new CorruptParquetException(
                    object, "expected a dictionary page for " + leaf.name() + ", found " + header.getType());
        }
        DictionaryPageHeader d =
                CorruptParquetException.required(object, header.getDictionary_page_header(), "dictionary page header");
        byte[] body = body(object, codec, bytes, h, limits);
        int size = d.getNum_values();
        if (size < 0 || size > limits.maxValues()) {
            throw new CorruptParquetException(object, "dictionary of " + leaf.name() + " claims " + size + " values");
        }
        try {
            DictionaryPage page = new DictionaryPage(
                    BytesInput.from(body), body.length, size, org.apache.parquet.column.Encoding.PLAIN);
            Dictionary dict = org.apache.parquet.column.Encoding.PLAIN.initDictionary(leaf.descriptor(), page);
            Object values = switch (leaf.type()) {
                case INT32 -> new int[size];
                case INT64 -> new long[size];
                case FLOAT -> new float[size];
                case DOUBLE -> new double[size];
                case BOOLEAN -> new boolean[size];
                default -> new byte[size][];
            };
            for (int i = 0; i < size; i++) {
                switch (leaf.type()) {
                    case INT32 -> ((int[]) values)[i] = dict.decodeToInt(i);
                    case INT64 -> ((long[]) values)[i] = dict.decodeToLong(i);
                    case FLOAT -> ((float[]) values)[i] = dict.decodeToFloat(i);
                    case DOUBLE -> ((double[]) values)[i] = dict.decodeToDouble(i);
                    case BOOLEAN -> ((boolean[]) values)[i] = dict.decodeToBoolean(i);
                    default -> ((byte[][]) values)[i] = dict.decodeToBinary(i).getBytes();
                }
            }
            return new Dict(values, size, (int) Math.min(Integer.MAX_VALUE, 64L + ArrayRows.weight(values, size)));
        } catch (IOException | RuntimeException e) {
            throw corrupt(object, "dictionary of " + leaf.name(), e);
        }
    }

    /**
     * Parses and checks a data page (header, sizes, checksum, counts against {@code expectedRows}) without
     * decompressing its body; {@code bytes} holds the whole page, header first.
     *
     * @param firstRow the page's first row within its row group
     * @param expectedRows the rows the offset index gives the page, or -1 if unknown
     */
    static RawPage open(
            String object,
            Schema.Leaf leaf,
            CompressionCodec codec,
            byte[] bytes,
            long firstRow,
            int expectedRows,
            Limits limits) {
        Header h = header(object, bytes, 0, bytes.length);
        PageHeader header = h.header();
        if (header.getType() == PageType.DATA_PAGE && header.isSetData_page_header()) {
            DataPageHeader d =
                    CorruptParquetException.required(object, header.getData_page_header(), "data page header");
            int n = count(object, leaf, d.getNum_values(), expectedRows, limits);
            checkSizes(object, bytes, h, limits);
            verifyCrc(object, bytes, h);
            Encoding values = known(object, d.getEncoding());
            Encoding levels = leaf.maxDefinition() > 0 ? known(object, d.getDefinition_level_encoding()) : Encoding.RLE;
            RawPage.check(object, leaf, values);
            return new RawPage(object, leaf, codec, bytes, h, firstRow, n, values, levels, false, 0, 0, true, limits);
        }
        if (header.getType() == PageType.DATA_PAGE_V2 && header.isSetData_page_header_v2()) {
            DataPageHeaderV2 d =
                    CorruptParquetException.required(object, header.getData_page_header_v2(), "data page v2 header");
            int n = count(object, leaf, d.getNum_values(), expectedRows, limits);
            if (d.getNum_rows() != n) {
                throw new CorruptParquetException(
                        object,
                        "flat column " + leaf.name() + " page has " + n + " values but " + d.getNum_rows() + " rows");
            }
            checkSizes(object, bytes, h, limits);
            int rl = d.getRepetition_levels_byte_length();
            int dl = d.getDefinition_levels_byte_length();
            int compressed = header.getCompressed_page_size();
            int uncompressed = header.getUncompressed_page_size();
            if (rl < 0 || dl < 0 || (long) rl + dl > compressed || (long) rl + dl > uncompressed) {
                throw new CorruptParquetException(
                        object, "page v2 levels of " + ((long) rl + dl) + " bytes do not fit the page");
            }
            verifyCrc(object, bytes, h);
            Encoding values = known(object, d.getEncoding());
            RawPage.check(object, leaf, values);
            boolean compressedValues = !d.isSetIs_compressed() || d.isIs_compressed();
            return new RawPage(
                    object,
                    leaf,
                    codec,
                    bytes,
                    h,
                    firstRow,
                    n,
                    values,
                    Encoding.RLE,
                    true,
                    rl,
                    dl,
                    compressedValues,
                    limits);
        }
        throw new CorruptParquetException(
                object, "expected a data page of " + leaf.name() + ", found " + header.getType());
    }

    private static Encoding known(String object, @Nullable Encoding encoding) {
        if (encoding == null) {
            throw new CorruptParquetException(object, "page without an encoding");
        }
        return encoding;
    }

    static ValuesReader values(String object, Schema.Leaf leaf, @Nullable Encoding encoding, @Nullable Dict dict) {
        org.apache.parquet.column.Encoding e = encoding(object, encoding);
        ColumnDescriptor descriptor = leaf.descriptor();
        if (e.usesDictionary()) {
            if (dict == null) {
                throw new CorruptParquetException(
                        object, "dictionary-encoded page of " + leaf.name() + " without a dictionary");
            }
            return new DictionaryValuesReader(new SizeOnlyDictionary(e, dict.size()));
        }
        try {
            return e.getValuesReader(descriptor, ValuesType.VALUES);
        } catch (RuntimeException unsupported) {
            throw new UnsupportedParquetException(
                    object, "encoding " + encoding + " is not supported for " + leaf.type() + " column " + leaf.name());
        }
    }

    static org.apache.parquet.column.Encoding encoding(String object, @Nullable Encoding encoding) {
        if (encoding == null) {
            throw new CorruptParquetException(object, "page without an encoding");
        }
        try {
            return org.apache.parquet.column.Encoding.valueOf(encoding.name());
        } catch (IllegalArgumentException e) {
            throw new UnsupportedParquetException(object, "encoding " + encoding + " is not supported");
        }
    }

    private static int count(String object, Schema.Leaf leaf, int n, int expectedRows, Limits limits) {
        if (n < 0 || n > limits.maxValues()) {
            throw new CorruptParquetException(object, "page of " + leaf.name() + " claims " + n + " values");
        }
        if (expectedRows >= 0 && n != expectedRows) {
            throw new CorruptParquetException(
                    object,
                    "page of " + leaf.name() + " has " + n + " values, its offset index says " + expectedRows
                            + " rows");
        }
        return n;
    }

    /** The page's body, checked against its checksum, decompressed to exactly the size its header says. */
    private static byte[] body(String object, CompressionCodec codec, byte[] bytes, Header h, Limits limits) {
        checkSizes(object, bytes, h, limits);
        verifyCrc(object, bytes, h);
        PageHeader header = h.header();
        return Codecs.decompress(
                object,
                codec,
                bytes,
                h.bodyOffset(),
                header.getCompressed_page_size(),
                header.getUncompressed_page_size());
    }

    private static void checkSizes(String object, byte[] bytes, Header h, Limits limits) {
        PageHeader header = h.header();
        int compressed = header.getCompressed_page_size();
        int uncompressed = header.getUncompressed_page_size();
        if (compressed < 0 || uncompressed < 0) {
            throw new CorruptParquetException(object, "negative page size");
        }
        if (compressed > limits.maxPageBytes() || uncompressed > limits.maxPageBytes()) {
            throw new CorruptParquetException(
                    object,
                    "page of " + Math.max(compressed, uncompressed) + " bytes exceeds the cap of "
                            + limits.maxPageBytes());
        }
        if (compressed > bytes.length - h.bodyOffset()) {
            throw new CorruptParquetException(
                    object, "page body of " + compressed + " bytes overruns its column chunk");
        }
    }

    private static void verifyCrc(String object, byte[] bytes, Header h) {
        PageHeader header = h.header();
        if (!header.isSetCrc()) {
            return;
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, h.bodyOffset(), header.getCompressed_page_size());
        if ((int) crc.getValue() != header.getCrc()) {
            throw new CorruptParquetException(object, "page checksum mismatch at body offset " + h.bodyOffset());
        }
    }

    static CorruptParquetException corrupt(String object, String what, Exception e) {
        return new CorruptParquetException(object, what + " does not decode: " + e, e);
    }

    /**
     * parquet-column's dictionary reader wants a {@link Dictionary} but, reading ids only, uses nothing of it; the
     * decoded values live in {@link Dict}, so this stands in with just the size.
     */
    private static final class SizeOnlyDictionary extends Dictionary {
        private final int size;

        SizeOnlyDictionary(org.apache.parquet.column.Encoding encoding, int size) {
            super(encoding);
            this.size = size;
        }

        @Override
        public int getMaxId() {
            return size - 1;
        }
    }
}
