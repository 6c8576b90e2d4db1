package io.tieredstore.parquetlookup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.Type;
import org.jspecify.annotations.Nullable;

/**
 * A data page whose header, sizes, checksum and counts are checked ({@link PageDecoder#open}) but whose body is
 * not yet decompressed. {@link #rows} decompresses the body into a buffer and opens it for reading by row.
 *
 * <p>The body, as laid out in the buffer (v2 levels are stored uncompressed, so they are copied before the
 * decompressed values, giving the same layout as v1 apart from the length prefix):
 *
 * <pre>
 *   v1: [4-byte length L][L bytes of definition levels]  values...    (levels only if the column is optional)
 *   v2: [rl bytes of repetition levels][dl bytes of definition levels] values...
 * </pre>
 *
 * <p>Which encodings are read in place, and which are decoded whole into arrays ({@link ArrayRows}, by
 * parquet-column's readers, wrapping their failures as corrupt): in place are PLAIN (every type), dictionary ids,
 * RLE booleans, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY and BYTE_STREAM_SPLIT, with definition levels in RLE;
 * decoded whole are DELTA_BYTE_ARRAY (each value is a suffix of the previous one, so a value needs all before it)
 * and pages whose v1 definition levels use the deprecated BIT_PACKED encoding. Opening a view checks every bound
 * its reads will rely on, so a failure of the in-place readers is a bug, not bad data, and is not wrapped.
 */
final class RawPage {
    private final String object;
    private final Schema.Leaf leaf;
    private final CompressionCodec codec;
    private final byte[] bytes;
    private final PageDecoder.Header h;
    private final long firstRow;
    private final int rows;
    private final Encoding values;
    private final Encoding levels;
    private final boolean v2;
    private final int rl;
    private final int dl;
    private final boolean compressedValues;
    private final PageDecoder.Limits limits;

    RawPage(
            String object,
            Schema.Leaf leaf,
            CompressionCodec codec,
            byte[] bytes,
            PageDecoder.Header h,
            long firstRow,
            int rows,
            Encoding values,
            Encoding levels,
            boolean v2,
            int rl,
            int dl,
            boolean compressedValues,
            PageDecoder.Limits limits) {
        this.object = object;
        this.leaf = leaf;
        this.codec = codec;
        this.bytes = bytes;
        this.h = h;
        this.firstRow = firstRow;
        this.rows = rows;
        this.values = values;
        this.levels = levels;
        this.v2 = v2;
        this.rl = rl;
        this.dl = dl;
        this.compressedValues = compressedValues;
        this.limits = limits;
    }

    /** Refuses an encoding that the column's type cannot have. */
    static void check(String object, Schema.Leaf leaf, Encoding encoding) {
        Type t = leaf.type();
        boolean ok = switch (encoding) {
            case PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY -> true;
            case RLE -> t == Type.BOOLEAN;
            case DELTA_BINARY_PACKED -> t == Type.INT32 || t == Type.INT64;
            case DELTA_LENGTH_BYTE_ARRAY -> t == Type.BYTE_ARRAY;
            case DELTA_BYTE_ARRAY -> t == Type.BYTE_ARRAY || t == Type.FIXED_LEN_BYTE_ARRAY;
            case BYTE_STREAM_SPLIT ->
                t == Type.FLOAT
                        || t == Type.DOUBLE
                        || t == Type.INT32
                        || t == Type.INT64
                        || t == Type.FIXED_LEN_BYTE_ARRAY;
            default -> false;
        };
        if (!ok) {
            throw new UnsupportedParquetException(
                    object, "encoding " + encoding + " is not supported for " + t + " column " + leaf.name());
        }
    }

    /** The row, within the row group, of the page's first value. */
    long firstRow() {
        return firstRow;
    }

    /** The number of rows. */
    int rowCount() {
        return rows;
    }

    /** The bytes the decompressed body needs (v1: the decompressed body; v2: levels + decompressed values). */
    int bodyBytes() {
        return h.header().getUncompressed_page_size();
    }

    /**
     * Decompresses the body into {@code into} (from index 0; its capacity at least {@link #bodyBytes()}, heap or
     * direct, its position and limit left as they are) and opens it; the view reads {@code into} in place unless the
     * encoding is decoded whole.
     *
     * @throws CorruptParquetException if the body does not decompress or its levels or values are malformed
     * @throws IllegalArgumentException if {@code into} is too small
     */
    PageRows rows(ByteBuffer into, PageDecoder.@Nullable Dict dict) {
        int size = bodyBytes();
        if (into.capacity() < size) {
            throw new IllegalArgumentException("buffer of " + into.capacity() + " bytes for a body of " + size);
        }
        ByteBuffer body = into.duplicate().clear().limit(size).order(ByteOrder.LITTLE_ENDIAN);
        int at = h.bodyOffset();
        int compressed = h.header().getCompressed_page_size();
        if (v2) {
            int levelBytes = rl + dl;
            body.put(0, bytes, at, levelBytes);
            body.put(levelBytes, decompressValues(), 0, size - levelBytes);
        } else {
            body.put(0, Codecs.decompress(object, codec, bytes, at, compressed, size), 0, size);
        }
        return view(body, dict, into.isDirect());
    }

    /** The same as {@link #rows(ByteBuffer, PageDecoder.Dict)}, into a new heap buffer. */
    PageRows rows(PageDecoder.@Nullable Dict dict) {
        if (v2) {
            return rows(ByteBuffer.allocate(bodyBytes()), dict);
        }
        byte[] body = Codecs.decompress(
                object, codec, bytes, h.bodyOffset(), h.header().getCompressed_page_size(), bodyBytes());
        return view(ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN), dict, false);
    }

    private byte[] decompressValues() {
        int levelBytes = rl + dl;
        return Codecs.decompress(
                object,
                compressedValues ? codec : CompressionCodec.UNCOMPRESSED,
                bytes,
                h.bodyOffset() + levelBytes,
                h.header().getCompressed_page_size() - levelBytes,
                bodyBytes() - levelBytes);
    }

    private PageRows view(ByteBuffer body, PageDecoder.@Nullable Dict dict, boolean direct) {
        int size = bodyBytes();
        boolean dictionary = values == Encoding.PLAIN_DICTIONARY || values == Encoding.RLE_DICTIONARY;
        if (dictionary && dict == null) {
            throw new CorruptParquetException(
                    object, "dictionary-encoded page of " + leaf.name() + " without a dictionary");
        }
        if (values == Encoding.DELTA_BYTE_ARRAY || (!v2 && leaf.maxDefinition() > 0 && levels != Encoding.RLE)) {
            return whole(body, dict);
        }
        int start;
        Nulls nulls = null;
        int count = rows;
        if (leaf.maxDefinition() > 0) {
            int levelsAt;
            int levelsEnd;
            if (v2) {
                levelsAt = rl;
                levelsEnd = rl + dl;
            } else {
                if (size < 4) {
                    throw new CorruptParquetException(object, "page of " + leaf.name() + " ends before its levels");
                }
                int length = body.getInt(0);
                if (length < 0 || length > size - 4) {
                    throw new CorruptParquetException(
                            object, "definition levels of " + length + " bytes overrun the page of " + leaf.name());
                }
                levelsAt = 4;
                levelsEnd = 4 + length;
            }
            Nulls.Levels l = Nulls.open(object, body, levelsAt, levelsEnd, rows);
            nulls = l.nulls();
            count = l.values();
            start = levelsEnd;
        } else {
            start = v2 ? rl + dl : 0;
        }
        ValueColumn column = count == 0 ? new ValueColumn.Empty() : column(body, start, size, count, dict);
        return new PageView(firstRow, rows, nulls, column, leaf.type(), size, direct);
    }

    private ValueColumn column(ByteBuffer body, int start, int end, int count, PageDecoder.@Nullable Dict dict) {
        Type t = leaf.type();
        return switch (values) {
            case PLAIN ->
                switch (t) {
                    case BOOLEAN -> ValueColumn.PlainBooleans.open(object, body, start, end, count);
                    case BYTE_ARRAY -> PlainBinary.open(object, body, start, end, count);
                    default -> ValueColumn.PlainFixed.open(object, body, start, end, width(), count);
                };
            case PLAIN_DICTIONARY, RLE_DICTIONARY -> {
                PageDecoder.Dict d = java.util.Objects.requireNonNull(dict);
                if (!matches(d.values())) {
                    throw new IllegalArgumentException("dictionary of another type for " + leaf.name());
                }
                yield ValueColumn.DictIds.open(object, body, start, end, count, d);
            }
            case RLE -> ValueColumn.RleBooleans.open(object, body, start, end, count);
            case DELTA_BINARY_PACKED -> DeltaInts.open(object, body, start, end, count, limits.maxValues(), t, null);
            case DELTA_LENGTH_BYTE_ARRAY -> DeltaLengthBinary.open(object, body, start, end, count, limits.maxValues());
            case BYTE_STREAM_SPLIT -> ValueColumn.ByteStreamSplit.open(object, body, start, end, width(), count);
            default ->
                throw new UnsupportedParquetException(
                        object, "encoding " + values + " is not supported for " + t + " column " + leaf.name());
        };
    }

    private boolean matches(Object dictValues) {
        return switch (leaf.type()) {
            case INT32 -> dictValues instanceof int[];
            case INT64 -> dictValues instanceof long[];
            case FLOAT -> dictValues instanceof float[];
            case DOUBLE -> dictValues instanceof double[];
            case BOOLEAN -> dictValues instanceof boolean[];
            default -> dictValues instanceof byte[][];
        };
    }

    /** The width in bytes of a fixed-width type. */
    private int width() {
        return switch (leaf.type()) {
            case INT32, FLOAT -> 4;
            case INT64, DOUBLE -> 8;
            case INT96 -> 12;
            default -> leaf.descriptor().getPrimitiveType().getTypeLength();
        };
    }

    /** Definition levels, one per row in order, as the map of nulls says (1: a value, 0: null). */
    private static ArrayRows.LevelSource levelsOf(@Nullable Nulls nulls) {
        int[] next = {0};
        return () -> {
            int i = next[0]++;
            return nulls != null && nulls.isNull(i) ? 0 : 1;
        };
    }

    /**
     * Decodes the whole body with parquet-column's readers into arrays. Its DELTA readers allocate what their headers
     * claim, so those headers are first checked against the page's row count.
     */
    private PageRows whole(ByteBuffer body, PageDecoder.@Nullable Dict dict) {
        int size = bodyBytes();
        int start = v2 ? rl + dl : 0;
        if (!v2 && leaf.maxDefinition() > 0) {
            if (levels == Encoding.RLE) {
                int length = size < 4 ? -1 : body.getInt(0);
                if (length < 0 || length > size - 4) {
                    throw new CorruptParquetException(object, "definition levels overrun the page of " + leaf.name());
                }
                start = 4 + length;
            } else {
                start = Math.min(size, (rows + 7) / 8);
            }
        }
        if (values == Encoding.DELTA_BYTE_ARRAY
                || values == Encoding.DELTA_LENGTH_BYTE_ARRAY
                || values == Encoding.DELTA_BINARY_PACKED) {
            DeltaInts first = DeltaInts.open(object, body, start, size, 0, rows, Type.INT64, null);
            if (values == Encoding.DELTA_BYTE_ARRAY) {
                DeltaInts.open(object, body, first.end(), size, 0, rows, Type.INT32, null);
            }
        }
        try {
            ValuesReader reader = PageDecoder.values(object, leaf, values, dict);
            ArrayRows.LevelSource defs = null;
            if (leaf.maxDefinition() > 0 && (v2 || levels == Encoding.RLE)) {
                // our own reading of the RLE levels, checked as the in-place view checks them: parquet-column's
                // RLE decoder allocates what a damaged run header claims
                int levelsAt = v2 ? rl : 4;
                Nulls.Levels l = Nulls.open(object, body, levelsAt, v2 ? rl + dl : start, rows);
                defs = levelsOf(l.nulls());
            }
            ByteBufferInputStream in =
                    ByteBufferInputStream.wrap(body.duplicate().position(v2 ? rl + dl : 0));
            if (!v2 && leaf.maxDefinition() > 0 && levels != Encoding.RLE) { // the deprecated BIT_PACKED levels
                ValuesReader bitPacked = PageDecoder.encoding(object, levels)
                        .getValuesReader(leaf.descriptor(), ValuesType.DEFINITION_LEVEL);
                bitPacked.initFromPage(rows, in);
                defs = bitPacked::readInteger;
            } else if (!v2) {
                in = ByteBufferInputStream.wrap(body.duplicate().position(start));
            }
            reader.initFromPage(rows, in);
            return ArrayRows.decode(leaf, firstRow, rows, defs, reader, dict);
        } catch (CorruptParquetException | UnsupportedParquetException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw PageDecoder.corrupt(object, "page of " + leaf.name() + " at row " + firstRow, e);
        }
    }
}
