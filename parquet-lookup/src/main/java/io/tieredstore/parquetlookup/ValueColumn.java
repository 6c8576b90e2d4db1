package io.tieredstore.parquetlookup;

import java.nio.ByteBuffer;
import org.apache.parquet.format.Type;

/**
 * The non-null values of one data page, read by value index {@code k} ({@code 0 <= k < count}) where they lie in
 * the page body: one subclass per encoding. Every bound is checked by the factory that opens it, so reads never
 * leave the body; a read of a type the column does not have is a caller's bug ({@link IllegalStateException}).
 *
 * <p>This file holds the encodings read by offset or by run (PLAIN, BYTE_STREAM_SPLIT, dictionary ids, RLE
 * booleans); PLAIN byte arrays are in {@link PlainBinary}, the DELTA encodings in {@link DeltaInts} and
 * {@link DeltaLengthBinary}.
 */
abstract class ValueColumn {
    /** Value {@code k} of an INT32 column. */
    int int32(int k) {
        throw wrongType("INT32");
    }

    /** Value {@code k} of an INT64 column. */
    long int64(int k) {
        throw wrongType("INT64");
    }

    /** Value {@code k} of a FLOAT column. */
    float float32(int k) {
        throw wrongType("FLOAT");
    }

    /** Value {@code k} of a DOUBLE column. */
    double float64(int k) {
        throw wrongType("DOUBLE");
    }

    /** Value {@code k} of a BOOLEAN column. */
    boolean bool(int k) {
        throw wrongType("BOOLEAN");
    }

    /** Value {@code k} of a byte-array column, as a new array. */
    byte[] bytes(int k) {
        throw wrongType("byte array");
    }

    /** Compares value {@code k} of a byte-array column with {@code key}, unsigned lexicographically. */
    int compareBytes(int k, byte[] key) {
        throw wrongType("byte array");
    }

    /** The heap bytes of the column's own tables. */
    abstract long heapBytes();

    /**
     * Whether the first {@code count} values ascend (signed integers, unsigned bytes; false for other types); called
     * once at open.
     */
    boolean ascends(Type type, int count) {
        switch (type) {
            case INT32 -> {
                for (int k = 1; k < count; k++) {
                    if (int32(k - 1) > int32(k)) {
                        return false;
                    }
                }
                return true;
            }
            case INT64 -> {
                for (int k = 1; k < count; k++) {
                    if (int64(k - 1) > int64(k)) {
                        return false;
                    }
                }
                return true;
            }
            case BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96 -> {
                for (int k = 1; k < count; k++) {
                    if (compareBytes(k, bytes(k - 1)) < 0) {
                        return false;
                    }
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private IllegalStateException wrongType(String type) {
        return new IllegalStateException(getClass().getSimpleName() + " holds no " + type + " values");
    }

    /** Compares {@code b[off, off + len)} with {@code key}, unsigned lexicographically. */
    static int compare(ByteBuffer b, int off, int len, byte[] key) {
        int n = Math.min(len, key.length);
        for (int i = 0; i < n; i++) {
            int c = (b.get(off + i) & 0xff) - (key[i] & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(len, key.length);
    }

    /** Compares two ranges of {@code b}, unsigned lexicographically. */
    static int compare(ByteBuffer b, int aOff, int aLen, int bOff, int bLen) {
        int n = Math.min(aLen, bLen);
        for (int i = 0; i < n; i++) {
            int c = (b.get(aOff + i) & 0xff) - (b.get(bOff + i) & 0xff);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(aLen, bLen);
    }

    /** Copies {@code len} bytes of {@code b} from {@code off}. */
    static byte[] copy(ByteBuffer b, int off, int len) {
        byte[] out = new byte[len];
        b.get(off, out, 0, len);
        return out;
    }

    /** No values (a page whose rows are all null, or empty). */
    static final class Empty extends ValueColumn {
        @Override
        long heapBytes() {
            return 16;
        }
    }

    /** PLAIN values of a fixed width, value {@code k} at {@code at + k * width}. */
    static final class PlainFixed extends ValueColumn {
        private final ByteBuffer b;
        private final int at;
        private final int width;

        private PlainFixed(ByteBuffer b, int at, int width) {
            this.b = b;
            this.at = at;
            this.width = width;
        }

        /** Opens {@code count} values of {@code width} bytes at {@code body[start, end)}. */
        static PlainFixed open(String object, ByteBuffer body, int start, int end, int width, int count) {
            if ((long) width * count > end - start) {
                throw new CorruptParquetException(
                        object, "PLAIN page of " + count + " values of " + width + " bytes holds " + (end - start));
            }
            return new PlainFixed(body, start, width);
        }

        @Override
        int int32(int k) {
            return b.getInt(at + (k << 2));
        }

        @Override
        long int64(int k) {
            return b.getLong(at + (k << 3));
        }

        @Override
        float float32(int k) {
            return b.getFloat(at + (k << 2));
        }

        @Override
        double float64(int k) {
            return b.getDouble(at + (k << 3));
        }

        @Override
        byte[] bytes(int k) {
            return copy(b, at + k * width, width);
        }

        @Override
        int compareBytes(int k, byte[] key) {
            return compare(b, at + k * width, width, key);
        }

        @Override
        boolean ascends(Type type, int count) {
            if (type != Type.FIXED_LEN_BYTE_ARRAY && type != Type.INT96) {
                return super.ascends(type, count);
            }
            for (int k = 1; k < count; k++) {
                if (compare(b, at + (k - 1) * width, width, at + k * width, width) > 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        long heapBytes() {
            return 32;
        }
    }

    /** PLAIN booleans, one bit each, LSB first. */
    static final class PlainBooleans extends ValueColumn {
        private final ByteBuffer b;
        private final int at;

        private PlainBooleans(ByteBuffer b, int at) {
            this.b = b;
            this.at = at;
        }

        /** Opens {@code count} booleans at {@code body[start, end)}. */
        static PlainBooleans open(String object, ByteBuffer body, int start, int end, int count) {
            if ((count + 7L) / 8 > end - start) {
                throw new CorruptParquetException(
                        object, "PLAIN page of " + count + " booleans holds " + (end - start) + " bytes");
            }
            return new PlainBooleans(body, start);
        }

        @Override
        boolean bool(int k) {
            return (b.get(at + (k >>> 3)) & (1 << (k & 7))) != 0;
        }

        @Override
        long heapBytes() {
            return 24;
        }
    }

    /** BYTE_STREAM_SPLIT: byte {@code j} of value {@code k} at {@code at + j * stride + k}. */
    static final class ByteStreamSplit extends ValueColumn {
        private final ByteBuffer b;
        private final int at;
        private final int width;
        private final int stride;

        private ByteStreamSplit(ByteBuffer b, int at, int width, int stride) {
            this.b = b;
            this.at = at;
            this.width = width;
            this.stride = stride;
        }

        /**
         * Opens {@code count} values of {@code width} bytes at {@code body[start, end)}; as in parquet-java, the
         * streams' length is the region's divided by the width, which must divide it.
         */
        static ByteStreamSplit open(String object, ByteBuffer body, int start, int end, int width, int count) {
            int bytes = end - start;
            if (width <= 0 || bytes % width != 0 || bytes / width < count) {
                throw new CorruptParquetException(
                        object, "BYTE_STREAM_SPLIT page of " + count + " values of " + width + " bytes holds " + bytes);
            }
            return new ByteStreamSplit(body, start, width, bytes / width);
        }

        private long le(int k, int n) {
            long v = 0;
            int p = at + k;
            for (int j = 0; j < n; j++, p += stride) {
                v |= (b.get(p) & 0xffL) << (8 * j);
            }
            return v;
        }

        @Override
        int int32(int k) {
            return (int) le(k, 4);
        }

        @Override
        long int64(int k) {
            return le(k, 8);
        }

        @Override
        float float32(int k) {
            return Float.intBitsToFloat((int) le(k, 4));
        }

        @Override
        double float64(int k) {
            return Double.longBitsToDouble(le(k, 8));
        }

        @Override
        byte[] bytes(int k) {
            byte[] out = new byte[width];
            for (int j = 0; j < width; j++) {
                out[j] = b.get(at + j * stride + k);
            }
            return out;
        }

        @Override
        int compareBytes(int k, byte[] key) {
            int n = Math.min(width, key.length);
            for (int j = 0; j < n; j++) {
                int c = (b.get(at + j * stride + k) & 0xff) - (key[j] & 0xff);
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(width, key.length);
        }

        @Override
        long heapBytes() {
            return 32;
        }
    }

    /** Dictionary ids (RLE_DICTIONARY, PLAIN_DICTIONARY) into a decoded {@link PageDecoder.Dict}. */
    static final class DictIds extends ValueColumn {
        private final Hybrid ids;
        private final Object values;

        private DictIds(Hybrid ids, Object values) {
            this.ids = ids;
            this.values = values;
        }

        /**
         * Opens {@code count} ids at {@code body[start, end)}: a bit-width byte, then the ids, each checked to be
         * below the dictionary's size.
         */
        static DictIds open(String object, ByteBuffer body, int start, int end, int count, PageDecoder.Dict dict) {
            if (start >= end) {
                throw new CorruptParquetException(object, "dictionary-encoded page without its bit width");
            }
            int width = body.get(start) & 0xff;
            Hybrid ids = Hybrid.open(object, body, start + 1, end, width, count, dict.size() - 1L, "dictionary ids");
            return new DictIds(ids, dict.values());
        }

        @Override
        int int32(int k) {
            return ((int[]) values)[ids.get(k)];
        }

        @Override
        long int64(int k) {
            return ((long[]) values)[ids.get(k)];
        }

        @Override
        float float32(int k) {
            return ((float[]) values)[ids.get(k)];
        }

        @Override
        double float64(int k) {
            return ((double[]) values)[ids.get(k)];
        }

        @Override
        boolean bool(int k) {
            return ((boolean[]) values)[ids.get(k)];
        }

        @Override
        byte[] bytes(int k) {
            return ((byte[][]) values)[ids.get(k)].clone();
        }

        @Override
        int compareBytes(int k, byte[] key) {
            return java.util.Arrays.compareUnsigned(((byte[][]) values)[ids.get(k)], key);
        }

        @Override
        boolean ascends(Type type, int count) {
            if (!(values instanceof byte[][] v)) {
                return super.ascends(type, count);
            }
            for (int k = 1; k < count; k++) {
                if (java.util.Arrays.compareUnsigned(v[ids.get(k - 1)], v[ids.get(k)]) > 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        long heapBytes() {
            return 32 + ids.heapBytes();
        }
    }

    /** RLE booleans: a 4-byte length, then bit-width-1 runs; a nonzero value is true, as in parquet-java. */
    static final class RleBooleans extends ValueColumn {
        private final Hybrid runs;

        private RleBooleans(Hybrid runs) {
            this.runs = runs;
        }

        /** Opens {@code count} booleans at {@code body[start, end)}. */
        static RleBooleans open(String object, ByteBuffer body, int start, int end, int count) {
            if (end - start < 4) {
                throw new CorruptParquetException(object, "RLE booleans without their length");
            }
            int length = body.getInt(start);
            if (length < 0 || length > end - start - 4) {
                throw new CorruptParquetException(object, "RLE booleans of " + length + " bytes overrun the page");
            }
            return new RleBooleans(
                    Hybrid.open(object, body, start + 4, start + 4 + length, 1, count, 0xffL, "RLE booleans"));
        }

        @Override
        boolean bool(int k) {
            return runs.get(k) != 0;
        }

        @Override
        long heapBytes() {
            return 16 + runs.heapBytes();
        }
    }
}
