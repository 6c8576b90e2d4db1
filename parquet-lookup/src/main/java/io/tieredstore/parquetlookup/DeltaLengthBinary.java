package io.tieredstore.parquetlookup;

import java.nio.ByteBuffer;
import org.apache.parquet.format.Type;

/**
 * DELTA_LENGTH_BYTE_ARRAY: the lengths as DELTA_BINARY_PACKED ({@link DeltaInts}), then all the bytes. Opening
 * decodes the lengths once, checking each is non-negative and inside the body, and keeps where each miniblock's
 * first value starts (one int per miniblock); a read sums at most one miniblock's lengths from there.
 */
final class DeltaLengthBinary extends ValueColumn {
    private final ByteBuffer b;
    private final DeltaInts lengths;
    private final int data;
    private final int[] miniStarts;
    private final boolean ascending;

    private DeltaLengthBinary(ByteBuffer b, DeltaInts lengths, int data, int[] miniStarts, boolean ascending) {
        this.b = b;
        this.lengths = lengths;
        this.data = data;
        this.miniStarts = miniStarts;
        this.ascending = ascending;
    }

    /** Opens {@code count} values at {@code body[start, end)}. */
    static DeltaLengthBinary open(String object, ByteBuffer body, int start, int end, int count, int maxValues) {
        int[] lengthsOf = new int[count];
        DeltaInts lengths = DeltaInts.open(
                object, body, start, end, count, maxValues, Type.INT32, (k, v) -> lengthsOf[k] = (int) v);
        int data = lengths.end();
        int miniSize = lengths.miniSize();
        int[] miniStarts = new int[count <= 1 ? 0 : (count - 2) / miniSize + 1];
        boolean ascending = true;
        long p = data;
        for (int k = 0; k < count; k++) {
            int length = lengthsOf[k];
            if (length < 0 || length > end - p) {
                throw new CorruptParquetException(
                        object, "DELTA_LENGTH_BYTE_ARRAY value of " + length + " bytes overruns the page");
            }
            if (k >= 1 && (k - 1) % miniSize == 0) {
                miniStarts[(k - 1) / miniSize] = (int) p;
            }
            if (ascending && k > 0) {
                int previous = lengthsOf[k - 1];
                ascending = compare(body, (int) p - previous, previous, (int) p, length) <= 0;
            }
            p += length;
        }
        return new DeltaLengthBinary(body, lengths, data, miniStarts, ascending);
    }

    /** Where value {@code k}'s bytes start. */
    private int at(int k) {
        if (k == 0) {
            return data;
        }
        return miniStarts[(k - 1) / lengths.miniSize()] + (int) lengths.sumInMiniblock(k);
    }

    @Override
    byte[] bytes(int k) {
        return copy(b, at(k), lengths.int32(k));
    }

    @Override
    int compareBytes(int k, byte[] key) {
        return compare(b, at(k), lengths.int32(k), key);
    }

    @Override
    boolean ascends(Type type, int count) {
        return ascending;
    }

    @Override
    long heapBytes() {
        return 48L + lengths.heapBytes() + 4L * miniStarts.length;
    }
}
