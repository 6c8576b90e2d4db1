package io.tieredstore.parquetlookup;

import java.nio.ByteBuffer;

/**
 * Values in Parquet's RLE / bit-packed hybrid encoding (dictionary ids, RLE booleans, definition levels), read
 * where they lie in a page body.
 *
 * <pre>
 *   run      := header (unsigned varint) body
 *   RLE      := header = count &lt;&lt; 1,      body = the value in ceil(width / 8) bytes, little endian
 *   packed   := header = groups &lt;&lt; 1 | 1, body = groups * 8 values of width bits, LSB first
 * </pre>
 *
 * <p>Opening walks the runs once, checking every header and length and that they give {@code count} values, and
 * keeps one checkpoint per 64 values: where the run holding that value starts and its first value. A read starts
 * at the checkpoint and steps over at most 64 runs (a run holds at least one value), so it never allocates and
 * never needs a bound check beyond the one for the last packed run, which parquet-java lets end early (its missing
 * bits read as 0, as there).
 */
final class Hybrid {
    /** One run, as {@link #walk} reports it. */
    interface Run {
        /** A run of {@code n} values from value {@code first}: RLE of {@code value}, or packed from byte {@code data}. */
        void run(int header, long first, long n, boolean packed, int valueOrData);
    }

    private final ByteBuffer body;
    private final int end;
    private final int width;
    private final int valueBytes;
    private final int[] runAt;
    private final long[] runFirst;

    private Hybrid(ByteBuffer body, int end, int width, int[] runAt, long[] runFirst) {
        this.body = body;
        this.end = end;
        this.width = width;
        this.valueBytes = (width + 7) >>> 3;
        this.runAt = runAt;
        this.runFirst = runFirst;
    }

    /**
     * Opens {@code count} values of {@code width} bits in {@code body[start, end)}, each at most {@code max}.
     *
     * @throws CorruptParquetException if the runs are malformed, too few or hold a value above {@code max}
     */
    static Hybrid open(
            String object, ByteBuffer body, int start, int end, int width, int count, long max, String what) {
        int checkpoints = (count + 63) >>> 6;
        int[] runAt = new int[checkpoints];
        long[] runFirst = new long[checkpoints];
        int[] next = {0};
        walk(object, body, start, end, width, count, what, (header, first, n, packed, valueOrData) -> {
            while (next[0] < checkpoints && ((long) next[0] << 6) < first + n) {
                runAt[next[0]] = header;
                runFirst[next[0]] = first;
                next[0]++;
            }
            long last = Math.min(n, count - first);
            if (!packed) {
                if ((valueOrData & 0xffffffffL) > max) {
                    throw new CorruptParquetException(object, what + " holds " + valueOrData + ", above " + max);
                }
                return;
            }
            for (long t = 0; t < last; t++) {
                int v = unpack(body, valueOrData, end, t, width);
                if ((v & 0xffffffffL) > max) {
                    throw new CorruptParquetException(object, what + " holds " + v + ", above " + max);
                }
            }
        });
        return new Hybrid(body, end, width, runAt, runFirst);
    }

    /**
     * Walks the runs of {@code body[start, end)} until they give {@code count} values, checking each.
     *
     * @throws CorruptParquetException if a header or length is malformed or the runs end early
     */
    static void walk(
            String object, ByteBuffer body, int start, int end, int width, int count, String what, Run visitor) {
        if (width < 0 || width > 32) {
            throw new CorruptParquetException(object, what + " has a bit width of " + width);
        }
        int valueBytes = (width + 7) >>> 3;
        int p = start;
        long first = 0;
        while (first < count) {
            int header = p;
            long h = 0;
            int shift = 0;
            while (true) {
                if (p >= end || shift > 28) {
                    throw new CorruptParquetException(
                            object, what + " ends or has a bad run header after " + first + " of " + count + " values");
                }
                byte x = body.get(p++);
                h |= (long) (x & 0x7f) << shift;
                shift += 7;
                if (x >= 0) {
                    break;
                }
            }
            if (h > 0xffffffffL || (h >>> 1) == 0) {
                throw new CorruptParquetException(object, what + " has a run header of " + h);
            }
            if ((h & 1) == 0) {
                long n = h >>> 1;
                if (valueBytes > end - p) {
                    throw new CorruptParquetException(object, what + " ends inside an RLE run");
                }
                int value = 0;
                for (int j = 0; j < valueBytes; j++) {
                    value |= (body.get(p + j) & 0xff) << (8 * j);
                }
                visitor.run(header, first, n, false, value);
                p += valueBytes;
                first += n;
            } else {
                long groups = h >>> 1;
                long n = groups * 8;
                long bytes = groups * width;
                if (bytes > end - p && first + n < count) {
                    throw new CorruptParquetException(object, what + " ends inside a bit-packed run");
                }
                visitor.run(header, first, n, true, p);
                p = (int) Math.min(end, p + bytes);
                first += n;
            }
        }
    }

    /** Value {@code k} (below the count it was opened with). */
    int get(int k) {
        int c = k >>> 6;
        int p = runAt[c];
        long s = runFirst[c];
        ByteBuffer b = body;
        while (true) {
            long h = 0;
            int shift = 0;
            byte x;
            do {
                x = b.get(p++);
                h |= (long) (x & 0x7f) << shift;
                shift += 7;
            } while (x < 0);
            if ((h & 1) == 0) {
                long n = h >>> 1;
                if (k < s + n) {
                    int value = 0;
                    for (int j = 0; j < valueBytes; j++) {
                        value |= (b.get(p + j) & 0xff) << (8 * j);
                    }
                    return value;
                }
                p += valueBytes;
                s += n;
            } else {
                long groups = h >>> 1;
                if (k < s + groups * 8) {
                    return unpack(b, p, end, k - s, width);
                }
                p += (int) (groups * width);
                s += groups * 8;
            }
        }
    }

    /** The heap bytes of the checkpoints. */
    long heapBytes() {
        return 48L + 12L * runAt.length;
    }

    /** Value {@code t} of {@code width} bits (at most 32) packed LSB first from byte {@code data}; bytes from {@code end} on read as 0. */
    static int unpack(ByteBuffer b, int data, int end, long t, int width) {
        long bit = t * width;
        long at = data + (bit >>> 3);
        int shift = (int) (bit & 7);
        int need = (shift + width + 7) >>> 3;
        long acc = 0;
        for (int j = 0; j < need; j++) {
            long x = at + j;
            if (x < end) {
                acc |= (b.get((int) x) & 0xffL) << (8 * j);
            }
        }
        return (int) ((acc >>> shift) & ((1L << width) - 1));
    }
}
