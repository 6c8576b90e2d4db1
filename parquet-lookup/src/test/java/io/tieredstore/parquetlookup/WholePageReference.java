package io.tieredstore.parquetlookup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.column.values.dictionary.DictionaryValuesReader;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridDecoder;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.PageType;
import org.apache.parquet.format.Util;
import org.jspecify.annotations.Nullable;

/**
 * The reference side of the page tests: a whole data page decoded by parquet-column's own readers (levels, then
 * every value, dictionary ids through parquet-column's {@link Dictionary}), a value per row as a boxed physical value
 * ({@code byte[]} for byte arrays, INT96 and fixed-length), {@code null} for a null row. Only the decompression is
 * the engine's ({@link Codecs}), since parquet-java's needs Hadoop.
 */
final class WholePageReference {
    private WholePageReference() {}

    /** parquet-column's dictionary of a dictionary page (whole page bytes, header first). */
    static Dictionary dictionary(ColumnDescriptor column, CompressionCodec codec, byte[] page) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(page);
        PageHeader h = Util.readPageHeader(in);
        int at = page.length - in.available();
        byte[] body =
                Codecs.decompress("ref", codec, page, at, h.getCompressed_page_size(), h.getUncompressed_page_size());
        DictionaryPage d = new DictionaryPage(
                BytesInput.from(body),
                body.length,
                h.getDictionary_page_header().getNum_values(),
                Encoding.PLAIN);
        return Encoding.PLAIN.initDictionary(column, d);
    }

    /** The rows of a data page (whole page bytes, header first). */
    static @Nullable Object[] rows(
            ColumnDescriptor column, CompressionCodec codec, byte[] page, @Nullable Dictionary dict)
            throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(page);
        PageHeader h = Util.readPageHeader(in);
        int at = page.length - in.available();
        int max = column.getMaxDefinitionLevel();
        if (h.getType() == PageType.DATA_PAGE) {
            var d = h.getData_page_header();
            int n = d.getNum_values();
            byte[] body = Codecs.decompress(
                    "ref", codec, page, at, h.getCompressed_page_size(), h.getUncompressed_page_size());
            ByteBufferInputStream stream = ByteBufferInputStream.wrap(ByteBuffer.wrap(body));
            ValuesReader levels = null;
            if (max > 0) {
                levels = Encoding.valueOf(d.getDefinition_level_encoding().name())
                        .getValuesReader(column, ValuesType.DEFINITION_LEVEL);
                levels.initFromPage(n, stream);
            }
            ValuesReader values = reader(column, d.getEncoding(), dict);
            values.initFromPage(n, stream);
            ValuesReader l = levels;
            return read(column, n, l == null ? null : l::readInteger, values, dict);
        }
        var d = h.getData_page_header_v2();
        int n = d.getNum_values();
        int rl = d.getRepetition_levels_byte_length();
        int dl = d.getDefinition_levels_byte_length();
        Levels levels = null;
        if (max > 0) {
            RunLengthBitPackingHybridDecoder decoder =
                    new RunLengthBitPackingHybridDecoder(1, new Bounded(page, at + rl, dl));
            levels = decoder::readInt;
        }
        boolean compressed = !d.isSetIs_compressed() || d.isIs_compressed();
        byte[] body = Codecs.decompress(
                "ref",
                compressed ? codec : CompressionCodec.UNCOMPRESSED,
                page,
                at + rl + dl,
                h.getCompressed_page_size() - rl - dl,
                h.getUncompressed_page_size() - rl - dl);
        ValuesReader values = reader(column, d.getEncoding(), dict);
        values.initFromPage(n, ByteBufferInputStream.wrap(ByteBuffer.wrap(body)));
        return read(column, n, levels, values, dict);
    }

    /** A byte stream whose end is an error: parquet-java's varint reader loops forever on the -1 of a plain one. */
    private static final class Bounded extends ByteArrayInputStream {
        Bounded(byte[] b, int offset, int length) {
            super(b, offset, length);
        }

        @Override
        public synchronized int read() {
            if (available() == 0) {
                throw new IllegalStateException("levels end early");
            }
            return super.read();
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, len);
        }
    }

    /** Where levels come from. */
    private interface Levels {
        int next() throws IOException;
    }

    private static ValuesReader reader(
            ColumnDescriptor column, org.apache.parquet.format.Encoding encoding, @Nullable Dictionary dict) {
        Encoding e = Encoding.valueOf(encoding.name());
        if (e.usesDictionary()) {
            if (dict == null) {
                throw new IllegalStateException("no dictionary");
            }
            return new DictionaryValuesReader(dict);
        }
        return e.getValuesReader(column, ValuesType.VALUES);
    }

    private static @Nullable Object[] read(
            ColumnDescriptor column, int n, @Nullable Levels levels, ValuesReader values, @Nullable Dictionary dict)
            throws IOException {
        @Nullable Object[] out = new Object[n];
        int max = column.getMaxDefinitionLevel();
        boolean byId = values instanceof DictionaryValuesReader;
        for (int i = 0; i < n; i++) {
            if (levels != null && levels.next() != max) {
                continue;
            }
            Dictionary d = dict;
            boolean ids = byId && d != null;
            out[i] = switch (column.getPrimitiveType().getPrimitiveTypeName()) {
                case INT32 -> ids ? d.decodeToInt(values.readValueDictionaryId()) : values.readInteger();
                case INT64 -> ids ? d.decodeToLong(values.readValueDictionaryId()) : values.readLong();
                case FLOAT -> ids ? d.decodeToFloat(values.readValueDictionaryId()) : values.readFloat();
                case DOUBLE -> ids ? d.decodeToDouble(values.readValueDictionaryId()) : values.readDouble();
                case BOOLEAN -> ids ? d.decodeToBoolean(values.readValueDictionaryId()) : values.readBoolean();
                default -> (ids ? d.decodeToBinary(values.readValueDictionaryId()) : values.readBytes()).getBytes();
            };
        }
        return out;
    }
}
