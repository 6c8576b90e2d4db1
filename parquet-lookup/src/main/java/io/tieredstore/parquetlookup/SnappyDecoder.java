package io.tieredstore.parquetlookup;

/**
 * Decompresses one raw Snappy block (Parquet's SNAPPY pages), bounds-checked: malformed input is a
 * {@link CorruptParquetException}, never an index exception and never silently wrong bytes.
 *
 * <pre>
 * block    = preamble element*
 * preamble = uncompressed length, little-endian base-128 varint, at most 5 bytes (32 bits)
 * element  = tag byte, low 2 bits the kind:
 *   00 literal   tag bits 7..2 = n - 1 if below 60; 60..63: n - 1 follows in 1..4 little-endian bytes;
 *                then n bytes copied to the output
 *   01 copy      length 4 + bits 4..2 (4..11), offset bits 7..5 << 8 | next byte (11 bits)
 *   10 copy      length 1 + bits 7..2 (1..64), offset in the next 2 little-endian bytes
 *   11 copy      length 1 + bits 7..2 (1..64), offset in the next 4 little-endian bytes
 * A copy repeats the output from offset bytes back (1..bytes written so far); it may overlap itself
 * (offset below length), which repeats the last offset bytes. The elements produce exactly the preamble's length.
 * </pre>
 *
 * <p>Why hand-written: Parquet lookups decompress whole pages on every warm and cold lookup, and none of the
 * libraries available is both fast and silent on JDK 24+. snappy-java (~230 MB/s on 200 KB of text, measured here)
 * loads native code, so the JVM prints a restricted-method warning unless the application passes
 * {@code --enable-native-access}; aircompressor 2's pure-Java decoder uses {@code sun.misc.Unsafe} (a deprecation
 * warning on JDK 24+); Apache Commons Compress is pure Java and silent but decodes through a stream at about
 * 25 MB/s. The format is small enough to own: literals and non-overlapping copies are {@code System.arraycopy},
 * only overlapping copies go byte by byte. Throughput against those libraries: {@code docs/benchmarks.md}
 * ({@code PageDecompressionBenchmark}).
 */
final class SnappyDecoder {
    private static final int LITERAL = 0;
    private static final int COPY_1 = 1;
    private static final int COPY_2 = 2;

    /** A literal tag's length field from which the length follows in 1..4 bytes (60 = 1 byte ... 63 = 4). */
    private static final int LONG_LITERAL = 60;

    private SnappyDecoder() {}

    /**
     * Decompresses {@code src[offset, offset + length)} into a new array of the length the block declares.
     *
     * @throws CorruptParquetException naming {@code object} if the block is malformed or declares more than
     *     {@code maxLength} bytes (checked before anything is allocated)
     */
    static byte[] decompress(String object, byte[] src, int offset, int length, int maxLength) {
        checkRange(object, src, offset, length);
        int end = offset + length;
        long preamble = preamble(object, src, offset, end);
        int size = (int) (preamble >>> 32);
        if (size > maxLength) {
            throw corrupt(object, "block declares " + size + " bytes, more than the cap of " + maxLength);
        }
        byte[] out = new byte[size];
        decode(object, src, offset + (int) preamble, end, out);
        return out;
    }

    /**
     * Decompresses {@code src[offset, offset + length)} into all of {@code out}.
     *
     * @throws CorruptParquetException naming {@code object} if the block is malformed or does not declare exactly
     *     {@code out.length} bytes (checked before anything is decoded)
     */
    static void decompress(String object, byte[] src, int offset, int length, byte[] out) {
        checkRange(object, src, offset, length);
        int end = offset + length;
        long preamble = preamble(object, src, offset, end);
        int size = (int) (preamble >>> 32);
        if (size != out.length) {
            throw corrupt(object, "block declares " + size + " bytes, header says " + out.length);
        }
        decode(object, src, offset + (int) preamble, end, out);
    }

    private static void checkRange(String object, byte[] src, int offset, int length) {
        if (offset < 0 || length < 0 || length > src.length - offset) {
            throw corrupt(object, length + " bytes at " + offset + " lie outside an array of " + src.length);
        }
    }

    /**
     * The declared length (high 32 bits) and the preamble's size in bytes (low 32 bits) of the block starting at
     * {@code in}.
     */
    private static long preamble(String object, byte[] src, int in, int end) {
        long value = 0;
        for (int i = 0; i < 5; i++) {
            if (in + i >= end) {
                throw corrupt(object, "block ends inside its length preamble");
            }
            int b = src[in + i] & 0xff;
            value |= (long) (b & 0x7f) << (7 * i);
            if (b < 0x80) {
                if (value > Integer.MAX_VALUE) {
                    throw corrupt(object, "block declares " + value + " bytes");
                }
                return (value << 32) | (i + 1);
            }
        }
        throw corrupt(object, "length preamble longer than 5 bytes");
    }

    /** Decodes the elements in {@code src[in, end)} into {@code out}, which they must fill exactly. */
    private static void decode(String object, byte[] src, int in, int end, byte[] out) {
        int op = 0;
        int limit = out.length;
        while (in < end) {
            int tag = src[in++] & 0xff;
            int kind = tag & 3;
            if (kind == LITERAL) {
                int n = tag >>> 2;
                if (n < LONG_LITERAL) {
                    n++;
                } else {
                    int bytes = n - (LONG_LITERAL - 1);
                    if (bytes > end - in) {
                        throw corrupt(object, "block ends inside a literal's length at input byte " + in);
                    }
                    long v = 0;
                    for (int i = 0; i < bytes; i++) {
                        v |= (long) (src[in + i] & 0xff) << (8 * i);
                    }
                    in += bytes;
                    if (v + 1 > Math.min(end - in, limit - op)) {
                        throw literalOverrun(object, v + 1, in, end, op, limit);
                    }
                    n = (int) (v + 1);
                }
                if (n > end - in || n > limit - op) {
                    throw literalOverrun(object, n, in, end, op, limit);
                }
                System.arraycopy(src, in, out, op, n);
                in += n;
                op += n;
                continue;
            }
            int n;
            int distance;
            if (kind == COPY_1) {
                if (in >= end) {
                    throw truncatedCopy(object, in);
                }
                n = 4 + ((tag >>> 2) & 7);
                distance = ((tag >>> 5) << 8) | (src[in++] & 0xff);
            } else if (kind == COPY_2) {
                if (end - in < 2) {
                    throw truncatedCopy(object, in);
                }
                n = 1 + (tag >>> 2);
                distance = (src[in] & 0xff) | (src[in + 1] & 0xff) << 8;
                in += 2;
            } else {
                if (end - in < 4) {
                    throw truncatedCopy(object, in);
                }
                n = 1 + (tag >>> 2);
                distance = (src[in] & 0xff)
                        | (src[in + 1] & 0xff) << 8
                        | (src[in + 2] & 0xff) << 16
                        | (src[in + 3] & 0xff) << 24;
                in += 4;
            }
            // distance is negative when a 4-byte offset has its top bit set: as unsigned it is past the start too
            if (distance <= 0 || distance > op) {
                throw corrupt(
                        object,
                        "copy at output byte " + op + " from " + Integer.toUnsignedString(distance)
                                + " bytes back reaches outside the output");
            }
            if (n > limit - op) {
                throw corrupt(object, "copy of " + n + " bytes at output byte " + op + " overruns " + limit + " bytes");
            }
            int from = op - distance;
            if (distance >= n) {
                System.arraycopy(out, from, out, op, n);
            } else {
                for (int i = 0; i < n; i++) {
                    out[op + i] = out[from + i];
                }
            }
            op += n;
        }
        if (op != limit) {
            throw corrupt(object, "block decodes to " + op + " bytes, declares " + limit);
        }
    }

    private static CorruptParquetException literalOverrun(String object, long n, int in, int end, int op, int limit) {
        return corrupt(
                object,
                "literal of " + n + " bytes at input byte " + in + " overruns the input (" + (end - in)
                        + " bytes left) or the output (" + (limit - op) + " left)");
    }

    private static CorruptParquetException truncatedCopy(String object, int in) {
        return corrupt(object, "block ends inside a copy at input byte " + in);
    }

    private static CorruptParquetException corrupt(String object, String what) {
        return new CorruptParquetException(object, "SNAPPY page does not decompress: " + what);
    }
}
