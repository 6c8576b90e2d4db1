package io.tieredstore.parquetlookup;

import java.nio.ByteBuffer;
import org.apache.parquet.format.Type;

/**
 * DELTA_BINARY_PACKED integers (INT32 and INT64), read by value without decoding the page.
 *
 * <pre>
 *   header := block size, miniblocks per block, value count (unsigned varints), first value (zigzag varint)
 *   block  := min delta (zigzag varint), one bit-width byte per miniblock, the miniblocks: each
 *             (block size / miniblocks) deltas above the min delta, bit-packed LSB first
 * </pre>
 *
 * <p>Opening decodes the deltas once, in order, checking every header, width (at most 64) and length as
 * parquet-java's reader does (every miniblock holding a value is whole; unneeded miniblocks of the last block have no
 * bytes and their widths are not read), and keeps a checkpoint per miniblock (the value before it) and per block
 * (where its widths lie and its min delta): about 0.3 bytes a value. A read sums at most one miniblock's deltas from
 * its checkpoint. Sums wrap as parquet-java's, in 64 bits, INT32 values being the low 32 bits.
 */
final class DeltaInts extends ValueColumn {
    /** Receives each value as it is decoded at open. */
    interface Sink {
        /** Value {@code k} is {@code v}. */
        void value(int k, long v);
    }

    private static final int MAX_BLOCK = 1 << 16;

    private final ByteBuffer b;
    private final long first;
    private final int miniSize;
    private final int miniblocks;
    private final int[] blockAt;
    private final long[] minDelta;
    private final long[] running;
    private final boolean ascending;
    private final int end;

    private DeltaInts(
            ByteBuffer b,
            long first,
            int miniSize,
            int miniblocks,
            int[] blockAt,
            long[] minDelta,
            long[] running,
            boolean ascending,
            int end) {
        this.b = b;
        this.first = first;
        this.miniSize = miniSize;
        this.miniblocks = miniblocks;
        this.blockAt = blockAt;
        this.minDelta = minDelta;
        this.running = running;
        this.ascending = ascending;
        this.end = end;
    }

    /** A cursor over the page body while opening. */
    private static final class Cursor {
        final String object;
        final ByteBuffer b;
        final int end;
        int p;

        Cursor(String object, ByteBuffer b, int p, int end) {
            this.object = object;
            this.b = b;
            this.p = p;
            this.end = end;
        }

        long uvarint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (p >= end) {
                    throw new CorruptParquetException(object, "DELTA_BINARY_PACKED page ends inside a varint");
                }
                byte x = b.get(p++);
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new CorruptParquetException(object, "DELTA_BINARY_PACKED varint longer than 10 bytes");
        }

        long zigzag() {
            long v = uvarint();
            return (v >>> 1) ^ -(v & 1);
        }

        int small(String what, long max) {
            long v = uvarint();
            if (v < 0 || v > max) {
                throw new CorruptParquetException(object, "DELTA_BINARY_PACKED " + what + " of " + v);
            }
            return (int) v;
        }
    }

    /**
     * Opens the values at {@code body[start, end)}, at least {@code count} of them and at most {@code maxValues},
     * reporting each of the first {@code count} to {@code sink} (or none if null).
     */
    static DeltaInts open(
            String object,
            ByteBuffer body,
            int start,
            int end,
            int count,
            int maxValues,
            Type type,
            DeltaInts.@org.jspecify.annotations.Nullable Sink sink) {
        Cursor c = new Cursor(object, body, start, end);
        int blockSize = c.small("block size", MAX_BLOCK);
        int miniblocks = c.small("miniblock count", blockSize);
        int total = c.small("value count", maxValues);
        long first = c.zigzag();
        if (blockSize == 0 || miniblocks == 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 8 != 0) {
            throw new CorruptParquetException(
                    object, "DELTA_BINARY_PACKED blocks of " + blockSize + " values in " + miniblocks + " miniblocks");
        }
        if (total < count) {
            throw new CorruptParquetException(
                    object, "DELTA_BINARY_PACKED page holds " + total + " values, not " + count);
        }
        int miniSize = blockSize / miniblocks;
        int deltas = Math.max(0, total - 1);
        int blocks = (int) ((deltas + (long) blockSize - 1) / blockSize);
        int[] blockAt = new int[blocks];
        long[] minDelta = new long[blocks];
        long[] running = new long[(int) ((deltas + (long) miniSize - 1) / miniSize)];
        boolean int32 = type == Type.INT32;
        boolean ascending = true;
        long v = first;
        if (sink != null && count > 0) {
            sink.value(0, v);
        }
        int k = 0; // deltas decoded
        int g = 0; // miniblocks seen
        for (int block = 0; block < blocks; block++) {
            long md = c.zigzag();
            if (end - c.p < miniblocks) {
                throw new CorruptParquetException(object, "DELTA_BINARY_PACKED page ends inside a block header");
            }
            blockAt[block] = c.p;
            minDelta[block] = md;
            int widths = c.p;
            c.p += miniblocks;
            for (int mb = 0; mb < miniblocks && k < deltas; mb++, g++) {
                int width = body.get(widths + mb) & 0xff;
                if (width > 64) {
                    throw new CorruptParquetException(object, "DELTA_BINARY_PACKED bit width of " + width);
                }
                long bytes = (long) miniSize / 8 * width;
                if (bytes > end - c.p) {
                    throw new CorruptParquetException(object, "DELTA_BINARY_PACKED page ends inside a miniblock");
                }
                running[g] = v;
                int n = Math.min(miniSize, deltas - k);
                for (int t = 0; t < n; t++, k++) {
                    long next = v + md + unpack(body, c.p, t, width);
                    if (k + 1 < count) {
                        if (ascending) {
                            ascending = int32 ? (int) v <= (int) next : v <= next;
                        }
                        if (sink != null) {
                            sink.value(k + 1, next);
                        }
                    }
                    v = next;
                }
                c.p += (int) bytes;
            }
        }
        return new DeltaInts(body, first, miniSize, miniblocks, blockAt, minDelta, running, ascending, c.p);
    }

    /** Where the encoded values end in the body (where DELTA_LENGTH_BYTE_ARRAY's bytes start). */
    int end() {
        return end;
    }

    /** The number of values in a miniblock. */
    int miniSize() {
        return miniSize;
    }

    @Override
    int int32(int k) {
        return (int) int64(k);
    }

    @Override
    long int64(int k) {
        if (k == 0) {
            return first;
        }
        int j = k - 1;
        int g = j / miniSize;
        int q = j - g * miniSize;
        int block = g / miniblocks;
        int mb = g - block * miniblocks;
        int data = miniblockData(block, mb);
        int width = b.get(blockAt[block] + mb) & 0xff;
        long md = minDelta[block];
        long v = running[g];
        for (int t = 0; t <= q; t++) {
            v += md + unpack(b, data, t, width);
        }
        return v;
    }

    /**
     * The sum of the low 32 bits of values {@code from} to {@code k - 1}, where {@code from} is the first value of
     * {@code k}'s miniblock ({@code 1 + (k - 1) / miniSize * miniSize}); {@code k >= 1}.
     */
    long sumInMiniblock(int k) {
        int j = k - 1;
        int g = j / miniSize;
        int q = j - g * miniSize;
        int block = g / miniblocks;
        int mb = g - block * miniblocks;
        int data = miniblockData(block, mb);
        int width = b.get(blockAt[block] + mb) & 0xff;
        long md = minDelta[block];
        long v = running[g];
        long sum = 0;
        for (int t = 0; t < q; t++) {
            v += md + unpack(b, data, t, width);
            sum += (int) v;
        }
        return sum;
    }

    /** Where miniblock {@code mb} of block {@code block} starts: after the block's bit widths and the ones before it. */
    private int miniblockData(int block, int mb) {
        int widths = blockAt[block];
        int data = widths + miniblocks;
        for (int t = 0; t < mb; t++) {
            data += (b.get(widths + t) & 0xff) * (miniSize >>> 3);
        }
        return data;
    }

    @Override
    boolean ascends(Type type, int count) {
        return ascending;
    }

    @Override
    long heapBytes() {
        return 96L + 12L * blockAt.length + 8L * running.length;
    }

    /** Value {@code t} of {@code width} bits (at most 64) packed LSB first from byte {@code data}. */
    static long unpack(ByteBuffer b, int data, int t, int width) {
        long bit = (long) t * width;
        int at = data + (int) (bit >>> 3);
        int shift = (int) (bit & 7);
        int need = (shift + width + 7) >>> 3;
        int low = Math.min(need, 8);
        long acc = 0;
        for (int j = 0; j < low; j++) {
            acc |= (b.get(at + j) & 0xffL) << (8 * j);
        }
        long v = acc >>> shift;
        if (need > 8) {
            v |= (b.get(at + 8) & 0xffL) << (64 - shift);
        }
        return width == 64 ? v : v & ((1L << width) - 1);
    }
}
