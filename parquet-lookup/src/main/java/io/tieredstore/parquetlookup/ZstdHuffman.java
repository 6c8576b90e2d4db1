package io.tieredstore.parquetlookup;

/**
 * The Huffman coding of a Zstandard literals section (RFC 8878, 4.2): the tree description, the decoding table built
 * from it, and the decoding of 1 or 4 streams. A table stays valid for the following treeless literals sections of
 * the same frame.
 *
 * <pre>
 * tree description = header byte, then weights
 *   header &gt;= 128   header - 127 weights of 4 bits, two per byte (high nibble first)
 *   header &lt; 128    an FSE table description and an FSE bit stream of header bytes in all, decoded with two
 *                   interleaved states until the stream is used up
 * weight w &gt; 0 gives a code of maxBits + 1 - w bits; the last symbol's weight is implied: the one that makes
 * the sum of 2^(w-1) a power of 2, 2^maxBits. Codes are assigned in order of weight, then of symbol.
 * </pre>
 */
final class ZstdHuffman {
    /** The longest code the format allows. */
    private static final int MAX_BITS = 11;

    private final String object;
    private final ZstdBitReader bits;
    /** Per {@code maxBits}-bit prefix: the code's length (bits 8 and up) and its symbol (bits 0-7). */
    private final short[] entries = new short[1 << MAX_BITS];

    private final byte[] weights = new byte[256];
    private final short[] counts = new short[256];
    private final ZstdFse weightTable = new ZstdFse(6);
    private int maxBits;
    private boolean present;

    ZstdHuffman(String object, ZstdBitReader bits) {
        this.object = object;
        this.bits = bits;
    }

    /** Forgets the table, at the start of a frame. */
    void reset() {
        present = false;
    }

    /** Whether a table was read in this frame, for treeless literals. */
    boolean present() {
        return present;
    }

    /** Reads the tree description at {@code src[at, end)}, builds the table and returns the description's size. */
    int readTable(byte[] src, int at, int end) {
        if (at >= end) {
            throw ZstdDecoder.corrupt(object, "Huffman tree description missing");
        }
        int header = src[at] & 0xff;
        int count;
        int size;
        if (header >= 128) {
            count = header - 127;
            size = (count + 1) / 2;
            if (size > end - at - 1) {
                throw ZstdDecoder.corrupt(object, "Huffman weights run past the literals section");
            }
            for (int i = 0; i < count; i++) {
                int b = src[at + 1 + i / 2];
                weights[i] = (byte) ((i & 1) == 0 ? (b >>> 4) & 15 : b & 15);
            }
        } else {
            size = header;
            if (size > end - at - 1) {
                throw ZstdDecoder.corrupt(object, "Huffman weights run past the literals section");
            }
            count = fseWeights(src, at + 1, at + 1 + size);
        }
        build(count);
        present = true;
        return 1 + size;
    }

    /** Decodes FSE-compressed weights from {@code src[at, end)} and returns how many there are. */
    private int fseWeights(byte[] src, int at, int end) {
        int header = weightTable.read(object, src, at, end, 255, 6, counts);
        bits.init(src, at + header, end, "Huffman weights stream");
        int log = weightTable.log;
        int[] table = weightTable.entries;
        int s1 = (int) bits.read(log);
        int s2 = (int) bits.read(log);
        int n = 0;
        while (true) {
            // 255 weights at most: with the implied last one, a weight for every byte value
            if (n > 253) {
                throw ZstdDecoder.corrupt(object, "more than 255 Huffman weights");
            }
            weights[n++] = (byte) ZstdFse.symbol(table[s1]);
            s1 = next(table[s1]);
            if (bits.remaining() < 0) {
                weights[n++] = (byte) ZstdFse.symbol(table[s2]);
                return n;
            }
            if (n > 253) {
                throw ZstdDecoder.corrupt(object, "more than 255 Huffman weights");
            }
            weights[n++] = (byte) ZstdFse.symbol(table[s2]);
            s2 = next(table[s2]);
            if (bits.remaining() < 0) {
                weights[n++] = (byte) ZstdFse.symbol(table[s1]);
                return n;
            }
        }
    }

    /** The state after the one whose entry is {@code e}. */
    private int next(int e) {
        bits.reload();
        return ZstdFse.base(e) + (int) bits.read(ZstdFse.bits(e));
    }

    /** Completes {@code weights[0, count)} with the implied last weight and builds the decoding table. */
    private void build(int count) {
        int total = 0;
        for (int i = 0; i < count; i++) {
            int w = weights[i] & 0xff;
            if (w > MAX_BITS) {
                throw ZstdDecoder.corrupt(object, "Huffman weight " + w + " above " + MAX_BITS);
            }
            total += w == 0 ? 0 : 1 << (w - 1);
        }
        if (total == 0) {
            throw ZstdDecoder.corrupt(object, "Huffman weights are all zero");
        }
        int log = 32 - Integer.numberOfLeadingZeros(total); // highest bit + 1: 2^log > total
        if (log > MAX_BITS) {
            throw ZstdDecoder.corrupt(object, "Huffman codes longer than " + MAX_BITS + " bits");
        }
        int rest = (1 << log) - total;
        if (Integer.bitCount(rest) != 1) {
            throw ZstdDecoder.corrupt(object, "Huffman weights do not complete a power of 2");
        }
        weights[count] = (byte) Integer.numberOfTrailingZeros(rest << 1);
        int symbolCount = count + 1;
        int ones = 0;
        for (int i = 0; i < symbolCount; i++) {
            ones += weights[i] == 1 ? 1 : 0;
        }
        if (ones < 2 || (ones & 1) != 0) {
            throw ZstdDecoder.corrupt(object, "Huffman tree has " + ones + " longest codes");
        }
        maxBits = log;
        int pos = 0;
        for (int w = 1; w <= log; w++) {
            int span = 1 << (w - 1);
            int length = log + 1 - w;
            for (int s = 0; s < symbolCount; s++) {
                if (weights[s] == w) {
                    java.util.Arrays.fill(entries, pos, pos + span, (short) (length << 8 | s));
                    pos += span;
                }
            }
        }
    }

    /**
     * Decodes the Huffman streams in {@code src[at, end)} into {@code out[0, n)}: one stream, or four after a jump
     * table of three little-endian 2-byte sizes, each producing a quarter of the literals (rounded up, the last one
     * the rest).
     */
    void decode(byte[] src, int at, int end, byte[] out, int n, boolean fourStreams) {
        if (!fourStreams) {
            stream(src, at, end, out, 0, n);
            return;
        }
        if (end - at < 10) {
            throw ZstdDecoder.corrupt(object, "four Huffman streams in fewer than 10 bytes");
        }
        int s1 = (src[at] & 0xff) | (src[at + 1] & 0xff) << 8;
        int s2 = (src[at + 2] & 0xff) | (src[at + 3] & 0xff) << 8;
        int s3 = (src[at + 4] & 0xff) | (src[at + 5] & 0xff) << 8;
        int start1 = at + 6;
        int start2 = start1 + s1;
        int start3 = start2 + s2;
        int start4 = start3 + s3;
        if (start4 > end) {
            throw ZstdDecoder.corrupt(object, "Huffman jump table points past the literals");
        }
        int segment = (n + 3) / 4;
        stream(src, start1, start2, out, 0, segment);
        stream(src, start2, start3, out, segment, 2 * segment);
        stream(src, start3, start4, out, 2 * segment, 3 * segment);
        stream(src, start4, end, out, 3 * segment, n);
    }

    /** Decodes one stream, {@code src[at, end)}, into {@code out[from, to)}; it must be used up exactly. */
    private void stream(byte[] src, int at, int end, byte[] out, int from, int to) {
        ZstdBitReader reader = bits;
        reader.init(src, at, end, "Huffman stream");
        short[] entries = this.entries;
        int log = maxBits;
        int op = from;
        for (; to - op >= 4; op += 4) {
            reader.reload();
            int e = entries[reader.peek(log)];
            out[op] = (byte) e;
            reader.skip(e >>> 8);
            e = entries[reader.peek(log)];
            out[op + 1] = (byte) e;
            reader.skip(e >>> 8);
            e = entries[reader.peek(log)];
            out[op + 2] = (byte) e;
            reader.skip(e >>> 8);
            e = entries[reader.peek(log)];
            out[op + 3] = (byte) e;
            reader.skip(e >>> 8);
        }
        reader.reload();
        for (; op < to; op++) {
            int e = entries[reader.peek(log)];
            out[op] = (byte) e;
            reader.skip(e >>> 8);
        }
        if (reader.remaining() != 0) {
            throw ZstdDecoder.corrupt(object, "Huffman stream does not end with its literals");
        }
    }
}
