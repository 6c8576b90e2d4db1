package io.tieredstore.parquetlookup;

/**
 * Decompresses Zstandard frames (Parquet's ZSTD pages) in pure Java, written from RFC 8878, bounds-checked:
 * malformed input is a {@link CorruptParquetException}, never an index exception and never bytes the format does
 * not describe.
 *
 * <pre>
 * input    = (frame | skippable)*
 * skippable= magic 0x184D2A50..5F (LE), size (4 bytes LE), size bytes ignored
 * frame    = magic 0xFD2FB528 (LE), header, block+ (the last one flagged), [checksum: 4 bytes LE]
 * header   = descriptor: content size flag bits 7-6, single segment bit 5, reserved bit 3 (0), checksum bit 2,
 *            dictionary id flag bits 1-0; [window descriptor unless single segment]; [dictionary id: 0,1,2,4 bytes];
 *            [content size: 0/1 (single segment), 2 (+256), 4, 8 bytes]
 * block    = header (3 bytes LE: last bit 0, type bits 2-1, size bits 23-3), then
 *            raw: size bytes | RLE: one byte repeated size times | compressed: size bytes of literals + sequences
 *            each block regenerates at most min(window size, 128 KiB)
 * checksum = low 32 bits of XXH64 (seed 0) of the frame's content
 * literals = header (1..5 bytes: type bits 1-0 raw/RLE/compressed/treeless, size format bits 3-2, sizes),
 *            then raw bytes, one RLE byte, or [Huffman tree description] 1 or 4 Huffman streams
 * </pre>
 *
 * Each frame is decoded on its own (matches reach only into its own output, its tables and repeat offsets start
 * afresh); a frame naming a dictionary is rejected. Where the format leaves a decoder a choice, this one rejects
 * what libzstd rejects (a table log of 12 in Huffman weights, four streams for fewer than 6 literals, bytes after
 * an empty sequences section), so it accepts no frame the reference implementation refuses; it also rejects a
 * block regenerating more than its maximum, which libzstd does not check.
 *
 * <p>Why hand-written: zstd-jni is native, so JDK 24+ prints a restricted-method warning when it loads unless the
 * application passes {@code --enable-native-access}; aircompressor 2's pure-Java decoder uses
 * {@code sun.misc.Unsafe} (a warning too), and aircompressor 3 needs a newer JDK than 17. Throughput against
 * those: {@code docs/benchmarks.md} ({@code PageDecompressionBenchmark}).
 */
final class ZstdDecoder {
    private static final int MAGIC = 0xFD2FB528;
    private static final int SKIPPABLE_MAGIC = 0x184D2A50;
    private static final int MAX_BLOCK = 128 << 10;
    private static final int MAX_WINDOW_LOG = 31;

    private static final int RAW = 0;
    private static final int RLE = 1;
    private static final int COMPRESSED = 2; // in a literals header; 3 is treeless (the last table again)

    private final String object;
    private final byte[] src;
    private final byte[] out;
    private final ZstdBitReader bits;
    private final ZstdHuffman huffman;
    private final ZstdSequences sequences;
    private byte[] literalBuffer = new byte[0];

    /** Where the literals of the block being decoded lie: {@code literalBuffer} or {@code src}. */
    private byte[] lits = literalBuffer;

    private int litPos;
    private int litCount;

    private ZstdDecoder(String object, byte[] src, byte[] out) {
        this.object = object;
        this.src = src;
        this.out = out;
        this.bits = new ZstdBitReader(object);
        this.huffman = new ZstdHuffman(object, bits);
        this.sequences = new ZstdSequences(object, bits);
    }

    /**
     * Decompresses the frames in {@code src[offset, offset + length)} into {@code out} from its start and returns how
     * many bytes they hold. Output never exceeds {@code out.length}: a frame declaring more is rejected before any
     * of it is decoded. Bytes of {@code out} past the returned count are unspecified (short copies write 8 bytes at
     * a time), so {@code out} must not be {@code src}.
     *
     * @throws CorruptParquetException naming {@code object} if the input is malformed, names a dictionary, or
     *     decodes to more than {@code out.length} bytes
     */
    static int decompress(String object, byte[] src, int offset, int length, byte[] out) {
        if (offset < 0 || length < 0 || length > src.length - offset) {
            throw corrupt(object, length + " bytes at " + offset + " lie outside an array of " + src.length);
        }
        return new ZstdDecoder(object, src, out).frames(offset, offset + length);
    }

    static CorruptParquetException corrupt(String object, String what) {
        return new CorruptParquetException(object, "ZSTD page does not decompress: " + what);
    }

    /**
     * What output ending at {@code limit} ran into: the end of the page, or else the most a block may regenerate
     * (RFC 8878 3.1.1.2.4, which libzstd does not enforce: it writes up to the end of its buffer).
     */
    static String past(byte[] out, int limit) {
        return limit == out.length ? "the end of the page" : "the maximum block size";
    }

    private CorruptParquetException corrupt(String what) {
        return corrupt(object, what);
    }

    private int frames(int in, int end) {
        int op = 0;
        while (in < end) {
            if (end - in < 4) {
                throw corrupt("trailing " + (end - in) + " bytes after the last frame");
            }
            int magic = intLe(in);
            if ((magic & 0xFFFFFFF0) == SKIPPABLE_MAGIC) {
                if (end - in < 8) {
                    throw corrupt("skippable frame header cut");
                }
                long size = intLe(in + 4) & 0xFFFFFFFFL;
                if (size > end - in - 8) {
                    throw corrupt("skippable frame of " + size + " bytes runs past the page");
                }
                in += 8 + (int) size;
            } else if (magic == MAGIC) {
                long r = frame(in + 4, end, op);
                in = (int) (r >>> 32);
                op = (int) r;
            } else {
                throw corrupt("no frame magic at input byte " + in);
            }
        }
        return op;
    }

    /** Decodes the frame whose header starts at {@code in}; returns the input position (high) and output (low). */
    private long frame(int in, int end, int frameStart) {
        if (in >= end) {
            throw corrupt("frame header cut");
        }
        int descriptor = src[in++] & 0xff;
        int sizeFlag = descriptor >>> 6;
        boolean singleSegment = (descriptor & 0x20) != 0;
        boolean checksum = (descriptor & 0x04) != 0;
        int dictionaryFlag = descriptor & 3;
        if ((descriptor & 0x08) != 0) {
            throw corrupt("reserved bit set in the frame header");
        }
        int dictionaryBytes = dictionaryFlag == 3 ? 4 : dictionaryFlag;
        int sizeBytes = sizeFlag == 0 ? (singleSegment ? 1 : 0) : 1 << sizeFlag;
        int headerBytes = (singleSegment ? 0 : 1) + dictionaryBytes + sizeBytes;
        if (end - in < headerBytes) {
            throw corrupt("frame header cut");
        }
        long window = 0;
        if (!singleSegment) {
            int w = src[in++] & 0xff;
            int windowLog = 10 + (w >>> 3);
            if (windowLog > MAX_WINDOW_LOG) {
                throw corrupt("window of 2^" + windowLog + " bytes");
            }
            long base = 1L << windowLog;
            window = base + (base >>> 3) * (w & 7);
        }
        long dictionary = littleEndian(in, dictionaryBytes);
        in += dictionaryBytes;
        if (dictionary != 0) {
            throw corrupt("ZSTD dictionaries are not supported (frame names dictionary " + dictionary + ")");
        }
        long contentSize = -1;
        if (sizeBytes > 0) {
            contentSize = littleEndian(in, sizeBytes) + (sizeBytes == 2 ? 256 : 0);
            in += sizeBytes;
            if (contentSize < 0 || contentSize > out.length - frameStart) {
                throw corrupt("frame declares " + Long.toUnsignedString(contentSize) + " bytes, more than the "
                        + (out.length - frameStart) + " the page has left");
            }
        }
        if (singleSegment) {
            window = contentSize;
        }
        int blockMax = (int) Math.min(window, MAX_BLOCK);

        huffman.reset();
        sequences.reset();
        int op = frameStart;
        boolean last;
        do {
            if (end - in < 3) {
                throw corrupt("block header cut");
            }
            int header = (src[in] & 0xff) | (src[in + 1] & 0xff) << 8 | (src[in + 2] & 0xff) << 16;
            in += 3;
            last = (header & 1) != 0;
            int type = (header >>> 1) & 3;
            int size = header >>> 3;
            if (size > blockMax) {
                throw corrupt("block of " + size + " bytes, above the maximum block size of " + blockMax);
            }
            int room = out.length - op;
            switch (type) {
                case RAW -> {
                    if (size > end - in || size > room) {
                        throw corrupt("raw block of " + size + " bytes runs past the input or the output");
                    }
                    System.arraycopy(src, in, out, op, size);
                    in += size;
                    op += size;
                }
                case RLE -> {
                    if (in >= end || size > room) {
                        throw corrupt("RLE block of " + size + " bytes runs past the input or the output");
                    }
                    java.util.Arrays.fill(out, op, op + size, src[in]);
                    in++;
                    op += size;
                }
                case COMPRESSED -> {
                    if (size > end - in) {
                        throw corrupt("compressed block of " + size + " bytes runs past the input");
                    }
                    op = compressedBlock(in, in + size, frameStart, op, op + Math.min(blockMax, room));
                    in += size;
                }
                default -> throw corrupt("reserved block type");
            }
        } while (!last);

        if (contentSize >= 0 && op - frameStart != contentSize) {
            throw corrupt("frame decodes to " + (op - frameStart) + " bytes, declares " + contentSize);
        }
        if (checksum) {
            if (end - in < 4) {
                throw corrupt("content checksum cut");
            }
            int expected = intLe(in);
            in += 4;
            int actual = (int) Xxh64.hash(out, frameStart, op - frameStart);
            if (actual != expected) {
                throw corrupt("content checksum mismatch");
            }
        }
        return ((long) in << 32) | op;
    }

    /** Decodes the compressed block {@code src[in, end)} into {@code out[op, limit)}; returns the end of output. */
    private int compressedBlock(int in, int end, int frameStart, int op, int limit) {
        int at = literals(in, end, op, limit);
        return sequences.execute(src, at, end, lits, litPos, litCount, out, frameStart, op, limit);
    }

    /**
     * Reads the literals section at {@code src[in, end)}, of at most {@code limit - op} bytes, leaving the literals in
     * {@code lits[litPos, litPos + litCount)}; returns where the sequences section starts.
     */
    private int literals(int in, int end, int op, int limit) {
        int max = limit - op;
        if (in >= end) {
            throw corrupt("literals section missing");
        }
        int b0 = src[in] & 0xff;
        int type = b0 & 3;
        int format = (b0 >>> 2) & 3;
        if (type == RAW || type == RLE) {
            int headerBytes = (format & 1) == 0 ? 1 : format == 1 ? 2 : 3;
            if (end - in < headerBytes) {
                throw corrupt("literals header cut");
            }
            int size = headerBytes == 1 ? b0 >>> 3 : (int) (littleEndian(in, headerBytes) >>> 4);
            if (size > max) {
                throw corrupt(size + " literals run past " + past(out, limit));
            }
            in += headerBytes;
            if (type == RAW) {
                if (size > end - in) {
                    throw corrupt("raw literals run past the block");
                }
                lits = src;
                litPos = in;
                litCount = size;
                return in + size;
            }
            if (in >= end) {
                throw corrupt("RLE literals cut");
            }
            byte[] buffer = literalBuffer(size);
            java.util.Arrays.fill(buffer, 0, size, src[in]);
            lits = buffer;
            litPos = 0;
            litCount = size;
            return in + 1;
        }
        int headerBytes = format <= 1 ? 3 : format + 2;
        int sizeBits = format <= 1 ? 10 : 4 * format + 6; // 10, 10, 14, 18
        boolean fourStreams = format != 0;
        if (end - in < headerBytes) {
            throw corrupt("literals header cut");
        }
        long h = littleEndian(in, headerBytes);
        int size = (int) ((h >>> 4) & ((1 << sizeBits) - 1));
        int compressedSize = (int) ((h >>> (4 + sizeBits)) & ((1 << sizeBits) - 1));
        in += headerBytes;
        if (size > max) {
            throw corrupt(size + " literals run past " + past(out, limit));
        }
        if (compressedSize > end - in) {
            throw corrupt("compressed literals run past the block");
        }
        if (fourStreams && size < 6) {
            throw corrupt("four Huffman streams for " + size + " literals");
        }
        int streamsEnd = in + compressedSize;
        if (type == COMPRESSED) {
            in += huffman.readTable(src, in, streamsEnd);
        } else if (!huffman.present()) {
            throw corrupt("treeless literals with no Huffman table before them");
        }
        byte[] buffer = literalBuffer(size);
        huffman.decode(src, in, streamsEnd, buffer, size, fourStreams);
        lits = buffer;
        litPos = 0;
        litCount = size;
        return streamsEnd;
    }

    /** A buffer for at least {@code size} literals (at most a block's), allocated once per page. */
    private byte[] literalBuffer(int size) {
        if (literalBuffer.length < size) {
            literalBuffer = new byte[Math.max(size, Math.min(MAX_BLOCK, 2 * literalBuffer.length))];
        }
        return literalBuffer;
    }

    private int intLe(int at) {
        return (int) littleEndian(at, 4);
    }

    /** The {@code n} (0..8) bytes at {@code at}, little endian. */
    private long littleEndian(int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (src[at + i] & 0xff) << (8 * i);
        }
        return v;
    }
}
