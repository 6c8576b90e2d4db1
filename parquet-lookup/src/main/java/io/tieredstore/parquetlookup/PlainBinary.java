package io.tieredstore.parquetlookup;

import java.nio.ByteBuffer;
import org.apache.parquet.format.Type;

/**
 * PLAIN byte arrays: each value a 4-byte little-endian length and its bytes. Opening walks the lengths once,
 * checking each against the body, and keeps where every 32nd value starts (one int per 32 values, 1/8 byte a
 * value); a read walks at most 31 lengths from there.
 */
final class PlainBinary extends ValueColumn {
    private static final int SHIFT = 5;

    private final ByteBuffer b;
    private final int[] starts;
    private final boolean ascending;

    private PlainBinary(ByteBuffer b, int[] starts, boolean ascending) {
        this.b = b;
        this.starts = starts;
        this.ascending = ascending;
    }

    /** Opens {@code count} values at {@code body[start, end)}. */
    static PlainBinary open(String object, ByteBuffer body, int start, int end, int count) {
        int[] starts = new int[(count + (1 << SHIFT) - 1) >>> SHIFT];
        boolean ascending = true;
        int p = start;
        int previous = -1;
        for (int k = 0; k < count; k++) {
            if ((k & ((1 << SHIFT) - 1)) == 0) {
                starts[k >>> SHIFT] = p;
            }
            if (end - p < 4) {
                throw new CorruptParquetException(
                        object, "PLAIN byte arrays end after " + k + " of " + count + " values");
            }
            int length = body.getInt(p);
            if (length < 0 || length > end - p - 4) {
                throw new CorruptParquetException(object, "PLAIN byte array of " + length + " bytes overruns the page");
            }
            if (ascending && previous >= 0) {
                ascending = compare(body, previous + 4, body.getInt(previous), p + 4, length) <= 0;
            }
            previous = p;
            p += 4 + length;
        }
        return new PlainBinary(body, starts, ascending);
    }

    /** Where value {@code k}'s length lies. */
    private int at(int k) {
        int p = starts[k >>> SHIFT];
        for (int j = k & ~((1 << SHIFT) - 1); j < k; j++) {
            p += 4 + b.getInt(p);
        }
        return p;
    }

    @Override
    byte[] bytes(int k) {
        int p = at(k);
        return copy(b, p + 4, b.getInt(p));
    }

    @Override
    int compareBytes(int k, byte[] key) {
        int p = at(k);
        return compare(b, p + 4, b.getInt(p), key);
    }

    @Override
    boolean ascends(Type type, int count) {
        return ascending;
    }

    @Override
    long heapBytes() {
        return 48L + 4L * starts.length;
    }
}
