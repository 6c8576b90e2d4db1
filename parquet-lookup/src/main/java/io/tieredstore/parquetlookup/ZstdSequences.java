package io.tieredstore.parquetlookup;

import org.jspecify.annotations.Nullable;

/**
 * The sequences section of a Zstandard compressed block (RFC 8878, 3.1.1.3.2 and 3.1.1.4): its header, the three
 * FSE tables (literal lengths, offsets, match lengths) and the execution of the sequences against the block's
 * literals. The tables and the three repeat offsets carry over from block to block within a frame.
 *
 * <pre>
 * section  = count (1..3 bytes) [modes byte, LL table, OF table, ML table, bit stream]   (count 0: nothing more)
 * modes    = LL mode bits 7-6, OF mode bits 5-4, ML mode bits 3-2, bits 1-0 reserved (0)
 *            0 predefined distribution, 1 RLE (one symbol byte), 2 FSE table description, 3 repeat the last table
 * stream   = initial states LL, OF, ML; per sequence: offset bits, match length bits, literal length bits,
 *            then (not after the last) state updates LL, ML, OF; read backwards, used up exactly
 * </pre>
 */
final class ZstdSequences {
    private static final int MAX_LL = 35;
    private static final int MAX_ML = 52;
    private static final int MAX_OF = 31;

    /** Copies shorter than this go byte by byte: cheaper than {@code System.arraycopy}'s call for a few bytes. */
    private static final int SHORT_COPY = 16;

    private static final int[] LL_BASE = {
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512,
        1024, 2048, 4096, 8192, 16384, 32768, 65536
    };
    private static final int[] LL_BITS = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        16
    };
    private static final int[] ML_BASE = {
        3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
        33, 34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539
    };
    private static final int[] ML_BITS = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2,
        2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
    };

    private static final ZstdFse LL_PREDEFINED = ZstdFse.predefined(6, new short[] {
        4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1
    });
    private static final ZstdFse ML_PREDEFINED = ZstdFse.predefined(6, new short[] {
        1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1
    });
    private static final ZstdFse OF_PREDEFINED = ZstdFse.predefined(
            5,
            new short[] {1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1});

    private final String object;
    private final ZstdBitReader bits;
    private final ZstdFse llOwn = new ZstdFse(9);
    private final ZstdFse ofOwn = new ZstdFse(8);
    private final ZstdFse mlOwn = new ZstdFse(9);
    private final short[] counts = new short[MAX_ML + 1];
    private @Nullable ZstdFse ll;
    private @Nullable ZstdFse of;
    private @Nullable ZstdFse ml;
    private long rep1;
    private long rep2;
    private long rep3;

    /** The size of the table description last read by {@link #table}, 0 for modes without one. */
    private int tableSize;

    ZstdSequences(String object, ZstdBitReader bits) {
        this.object = object;
        this.bits = bits;
    }

    /** Forgets the tables and restores the initial repeat offsets (1, 4, 8), at the start of a frame. */
    void reset() {
        ll = null;
        of = null;
        ml = null;
        rep1 = 1;
        rep2 = 4;
        rep3 = 8;
    }

    /**
     * Decodes the sequences section {@code src[at, end)} and writes the block to {@code out} from {@code op}:
     * each sequence's literals from {@code lits[litPos, litPos + litCount)}, then its match, then the literals
     * left. Output stays within {@code [frameStart, limit)}; returns the position after the block.
     */
    int execute(
            byte[] src,
            int at,
            int end,
            byte[] lits,
            int litPos,
            int litCount,
            byte[] out,
            int frameStart,
            int op,
            int limit) {
        if (at >= end) {
            throw ZstdDecoder.corrupt(object, "block has no sequences section");
        }
        int b0 = src[at++] & 0xff;
        int count;
        if (b0 < 128) {
            count = b0;
        } else if (b0 < 255) {
            if (at >= end) {
                throw ZstdDecoder.corrupt(object, "sequence count cut");
            }
            count = ((b0 - 128) << 8) + (src[at++] & 0xff);
        } else {
            if (end - at < 2) {
                throw ZstdDecoder.corrupt(object, "sequence count cut");
            }
            count = (src[at] & 0xff) + ((src[at + 1] & 0xff) << 8) + 0x7f00;
            at += 2;
        }
        int litEnd = litPos + litCount;
        if (count == 0) {
            if (at != end) {
                throw ZstdDecoder.corrupt(object, "bytes after an empty sequences section");
            }
            return copyLiterals(lits, litPos, litCount, out, op, limit);
        }
        if (at >= end) {
            throw ZstdDecoder.corrupt(object, "sequence modes missing");
        }
        int modes = src[at++] & 0xff;
        if ((modes & 3) != 0) {
            throw ZstdDecoder.corrupt(object, "reserved bits set in the sequence modes");
        }
        ZstdFse llTable = table(modes >>> 6, ll, llOwn, LL_PREDEFINED, src, at, end, MAX_LL, 9);
        ll = llTable;
        at += tableSize;
        ZstdFse ofTable = table((modes >>> 4) & 3, of, ofOwn, OF_PREDEFINED, src, at, end, MAX_OF, 8);
        of = ofTable;
        at += tableSize;
        ZstdFse mlTable = table((modes >>> 2) & 3, ml, mlOwn, ML_PREDEFINED, src, at, end, MAX_ML, 9);
        ml = mlTable;
        at += tableSize;

        // the bit reader's state in locals (c, used, p): this loop is the decoder's hot path
        ZstdBitReader reader = bits;
        reader.init(src, at, end, "sequences stream");
        final int start = at;
        long c = reader.container();
        int used = reader.consumed();
        int p = reader.ptr();
        int[] llEntries = llTable.entries;
        int[] ofEntries = ofTable.entries;
        int[] mlEntries = mlTable.entries;
        int llState = (int) ZstdBitReader.bits(c, used, llTable.log);
        used += llTable.log;
        int ofState = (int) ZstdBitReader.bits(c, used, ofTable.log);
        used += ofTable.log;
        int mlState = (int) ZstdBitReader.bits(c, used, mlTable.log);
        used += mlTable.log;
        long r1 = rep1;
        long r2 = rep2;
        long r3 = rep3;
        int lp = litPos;
        for (int n = count; n > 0; n--) {
            int llEntry = llEntries[llState];
            int ofEntry = ofEntries[ofState];
            int mlEntry = mlEntries[mlState];
            int ofCode = ZstdFse.symbol(ofEntry);
            int mlCode = ZstdFse.symbol(mlEntry);
            int llCode = ZstdFse.symbol(llEntry);
            // reload: after it 57 bits can be read (unless the stream's start is near: then zeros follow)
            int k = Math.min(used >>> 3, p - start);
            if (k > 0) {
                p -= k;
                used -= k << 3;
                c = ZstdBitReader.longLe(src, p);
            }
            long offsetValue = (1L << ofCode) + ZstdBitReader.bits(c, used, ofCode);
            used += ofCode;
            if (ofCode > 25) { // too few bits left for both lengths (up to 32)
                k = Math.min(used >>> 3, p - start);
                if (k > 0) {
                    p -= k;
                    used -= k << 3;
                    c = ZstdBitReader.longLe(src, p);
                }
            }
            int mlBits = ML_BITS[mlCode];
            int matchLength = ML_BASE[mlCode] + (int) ZstdBitReader.bits(c, used, mlBits);
            used += mlBits;
            int llBits = LL_BITS[llCode];
            int literalLength = LL_BASE[llCode] + (int) ZstdBitReader.bits(c, used, llBits);
            used += llBits;
            long offset;
            if (offsetValue > 3) {
                offset = offsetValue - 3;
                r3 = r2;
                r2 = r1;
                r1 = offset;
            } else {
                int index = (int) offsetValue + (literalLength == 0 ? 1 : 0);
                if (index == 1) {
                    offset = r1;
                } else {
                    offset = index == 2 ? r2 : index == 3 ? r3 : r1 - 1;
                    if (index != 2) {
                        r3 = r2;
                    }
                    r2 = r1;
                    r1 = offset;
                }
            }
            if (n > 1) { // the states for the next sequence: LL, ML, OF, 26 bits at most
                k = Math.min(used >>> 3, p - start);
                if (k > 0) {
                    p -= k;
                    used -= k << 3;
                    c = ZstdBitReader.longLe(src, p);
                }
                int nb = ZstdFse.bits(llEntry);
                llState = ZstdFse.base(llEntry) + (int) ZstdBitReader.bits(c, used, nb);
                used += nb;
                nb = ZstdFse.bits(mlEntry);
                mlState = ZstdFse.base(mlEntry) + (int) ZstdBitReader.bits(c, used, nb);
                used += nb;
                nb = ZstdFse.bits(ofEntry);
                ofState = ZstdFse.base(ofEntry) + (int) ZstdBitReader.bits(c, used, nb);
                used += nb;
            }

            if (literalLength > litEnd - lp || literalLength > limit - op) {
                throw ZstdDecoder.corrupt(
                        object,
                        "sequence takes " + literalLength + " literals, past the literals or "
                                + ZstdDecoder.past(out, limit));
            }
            if (literalLength <= 16 && lp + 16 <= lits.length && op + 16 <= out.length) {
                // two 8-byte copies, past the literals' end: what lies beyond op is written again later
                ZstdBitReader.setLongLe(out, op, ZstdBitReader.longLe(lits, lp));
                ZstdBitReader.setLongLe(out, op + 8, ZstdBitReader.longLe(lits, lp + 8));
            } else {
                System.arraycopy(lits, lp, out, op, literalLength);
            }
            lp += literalLength;
            op += literalLength;
            if (offset <= 0 || offset > op - frameStart) {
                throw ZstdDecoder.corrupt(object, "match offset " + offset + " reaches before the frame's output");
            }
            if (matchLength > limit - op) {
                throw ZstdDecoder.corrupt(
                        object, "match of " + matchLength + " bytes runs past " + ZstdDecoder.past(out, limit));
            }
            copyMatch(out, op, (int) offset, matchLength);
            op += matchLength;
        }
        if ((long) (p - start) * 8 + 64 - used != 0) {
            throw ZstdDecoder.corrupt(object, "sequences stream does not end with its last sequence");
        }
        rep1 = r1;
        rep2 = r2;
        rep3 = r3;
        return copyLiterals(lits, lp, litEnd - lp, out, op, limit);
    }

    /** The table for {@code mode}, reading its description at {@code src[at, end)} if it has one. */
    private ZstdFse table(
            int mode,
            @Nullable ZstdFse previous,
            ZstdFse own,
            ZstdFse predefined,
            byte[] src,
            int at,
            int end,
            int maxSymbol,
            int maxLog) {
        tableSize = 0;
        return switch (mode) {
            case 0 -> predefined;
            case 1 -> {
                if (at >= end) {
                    throw ZstdDecoder.corrupt(object, "RLE sequence table cut");
                }
                int s = src[at] & 0xff;
                if (s > maxSymbol) {
                    throw ZstdDecoder.corrupt(object, "RLE sequence symbol " + s + " above " + maxSymbol);
                }
                own.rle(s);
                tableSize = 1;
                yield own;
            }
            case 2 -> {
                tableSize = own.read(object, src, at, end, maxSymbol, maxLog, counts);
                yield own;
            }
            default -> {
                if (previous == null) {
                    throw ZstdDecoder.corrupt(object, "repeat sequence table with no table before it");
                }
                yield previous;
            }
        };
    }

    private int copyLiterals(byte[] lits, int litPos, int n, byte[] out, int op, int limit) {
        if (n > limit - op) {
            throw ZstdDecoder.corrupt(object, "literals run past " + ZstdDecoder.past(out, limit));
        }
        System.arraycopy(lits, litPos, out, op, n);
        return op + n;
    }

    /**
     * Repeats {@code out[op - distance, op)} into {@code out[op, op + length)}; an overlapping match copies the
     * written part again and again, doubling it, which keeps the period.
     */
    private static void copyMatch(byte[] out, int op, int distance, int length) {
        int from = op - distance;
        if (distance >= 8 && length <= 32 && op + 32 <= out.length) {
            // 8 bytes at a time, each read wholly before the bytes it writes; past the match's end is written
            // again later
            for (int i = 0; i < length; i += 8) {
                ZstdBitReader.setLongLe(out, op + i, ZstdBitReader.longLe(out, from + i));
            }
            return;
        }
        if (length < SHORT_COPY) {
            for (int i = 0; i < length; i++) {
                out[op + i] = out[from + i]; // forwards, so an overlapping match repeats its period
            }
            return;
        }
        Lz4Decoder.copyMatch(out, op, distance, length); // the same doubling copy as LZ4's matches
    }
}
