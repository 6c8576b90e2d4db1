package io.tieredstore.parquetlookup;

/**
 * Decompresses one raw LZ4 block (LZ4_RAW pages, and the chunks of Hadoop-framed LZ4 pages), bounds-checked:
 * malformed input is a {@link CorruptParquetException}, never an index exception and never silently wrong bytes.
 *
 * <pre>
 * block    = sequence* last
 * sequence = token [literal length bytes] literals offset [match length bytes]
 * last     = token [literal length bytes] literals            (ends exactly at the end of the block)
 * token    = literal length (high nibble), match length - 4 (low nibble); a nibble of 15 continues in bytes
 *            that are added to it, each 255 meaning one more byte follows
 * offset   = 2 bytes little endian, 1..bytes written so far; the match repeats the output from that far back
 *            and may overlap itself (offset below the match length)
 * </pre>
 *
 * The format's end-of-block rules for encoders (the last 5 bytes are literals, the last match starts 12 bytes
 * before the end) are not checked: they let fast decoders over-read, and a block that breaks them still has one
 * meaning.
 *
 * <p>Why hand-written: lz4-java's pure-Java safe decoder ({@code LZ4Factory.safeInstance()}) prints nothing on JDK
 * 25, but accepts an offset of 0, which the format forbids, and fills that match with zeros (1.14.0; found by
 * {@code Lz4CodecTest}'s bit flips), so a damaged page would decode to bytes no block describes instead of failing.
 * aircompressor 2 is fast but uses
 * {@code sun.misc.Unsafe} (a warning on JDK 24+); Apache Commons Compress is pure Java and silent but decodes through
 * a stream at about 45 MB/s. Throughput against those: {@code docs/benchmarks.md}
 * ({@code PageDecompressionBenchmark}).
 */
final class Lz4Decoder {
    private static final int MIN_MATCH = 4;
    private static final int MORE = 15;

    private Lz4Decoder() {}

    /**
     * Decompresses {@code src[offset, offset + length)} into {@code out} from {@code at}, writing at most {@code max}
     * bytes, and returns how many it wrote.
     *
     * @throws CorruptParquetException naming {@code object} if the block is malformed or decodes to more than
     *     {@code max} bytes
     */
    static int decompress(String object, byte[] src, int offset, int length, byte[] out, int at, int max) {
        if (offset < 0 || length < 0 || length > src.length - offset || at < 0 || max < 0 || max > out.length - at) {
            throw corrupt(object, "ranges outside the arrays");
        }
        int in = offset;
        int end = offset + length;
        int op = at;
        int limit = at + max;
        while (true) {
            if (in >= end) {
                throw corrupt(object, "block ends where a sequence should start, at input byte " + (in - offset));
            }
            int token = src[in++] & 0xff;
            int literals = token >>> 4;
            if (literals == MORE) {
                long more = moreLength(object, src, in, end, limit - op);
                in = (int) more;
                literals += (int) (more >>> 32);
            }
            if (literals > end - in || literals > limit - op) {
                throw corrupt(
                        object,
                        "literal of " + literals + " bytes at input byte " + (in - offset) + " overruns the input ("
                                + (end - in) + " bytes left) or the output (" + (limit - op) + " left)");
            }
            System.arraycopy(src, in, out, op, literals);
            in += literals;
            op += literals;
            if (in == end) {
                return op - at;
            }
            if (end - in < 2) {
                throw corrupt(object, "block ends inside an offset");
            }
            int distance = (src[in] & 0xff) | (src[in + 1] & 0xff) << 8;
            in += 2;
            int match = (token & 0x0f) + MIN_MATCH;
            if ((token & 0x0f) == MORE) {
                long more = moreLength(object, src, in, end, limit - op);
                in = (int) more;
                match += (int) (more >>> 32);
            }
            if (distance == 0 || distance > op - at) {
                throw corrupt(
                        object,
                        "match at output byte " + (op - at) + " from " + distance + " bytes back reaches outside");
            }
            if (match > limit - op) {
                throw corrupt(
                        object,
                        "match of " + match + " bytes at output byte " + (op - at) + " overruns " + max + " bytes");
            }
            copyMatch(out, op, distance, match);
            op += match;
        }
    }

    /**
     * Reads the bytes extending a length nibble from {@code in}: the sum (high 32 bits) and the position after them
     * (low 32 bits). A sum above {@code room} (what the output has left) is corrupt.
     */
    private static long moreLength(String object, byte[] src, int in, int end, int room) {
        int sum = 0;
        int b;
        do {
            if (in >= end) {
                throw corrupt(object, "block ends inside a length");
            }
            b = src[in++] & 0xff;
            sum += b;
            if (sum > room) {
                throw corrupt(object, "length above the " + room + " bytes left in the output");
            }
        } while (b == 255);
        return ((long) sum << 32) | in;
    }

    /**
     * Repeats {@code out[op - distance, op)} into {@code out[op, op + length)}. An overlapping match copies the
     * written part again and again, doubling it: its length is always a multiple of {@code distance}, so the
     * period is kept. ZSTD's long matches use it too.
     */
    static void copyMatch(byte[] out, int op, int distance, int length) {
        int from = op - distance;
        if (distance >= length) {
            System.arraycopy(out, from, out, op, length);
            return;
        }
        int done = 0;
        int chunk = distance;
        while (done < length) {
            int n = Math.min(chunk, length - done);
            System.arraycopy(out, from, out, op + done, n);
            done += n;
            chunk += n;
        }
    }

    private static CorruptParquetException corrupt(String object, String what) {
        return new CorruptParquetException(object, "LZ4 block does not decompress: " + what);
    }
}
