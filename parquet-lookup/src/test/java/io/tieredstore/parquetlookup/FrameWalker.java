package io.tieredstore.parquetlookup;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lists which forms a valid Zstandard page uses, read from its headers only (RFC 8878): block types, literals
 * types (compressed ones with 1 or 4 streams and direct or FSE-coded Huffman weights), and each sequence table's
 * mode. It lets {@link ZstdDecoderTest} show that its encoders exercise every form the decoder reads.
 */
final class FrameWalker {
    private static final String[] BLOCK = {"RAW", "RLE", "COMPRESSED"};
    private static final String[] MODE = {"predefined", "RLE", "FSE", "repeat"};

    /** Every feature {@link #features} can report. */
    static final List<String> ALL = List.of(
            "block RAW",
            "block RLE",
            "block COMPRESSED",
            "literals raw",
            "literals RLE",
            "literals Huffman 1 stream",
            "literals Huffman 4 streams",
            "literals treeless",
            "weights direct",
            "weights FSE",
            "LL predefined",
            "LL RLE",
            "LL FSE",
            "LL repeat",
            "OF predefined",
            "OF RLE",
            "OF FSE",
            "OF repeat",
            "ML predefined",
            "ML RLE",
            "ML FSE",
            "ML repeat");

    private FrameWalker() {}

    /** The features of the frames in {@code page}, which must be well formed. */
    static Set<String> features(byte[] page) {
        Set<String> seen = new TreeSet<>();
        int in = 0;
        while (in < page.length) {
            int magic = (int) le(page, in, 4);
            if ((magic & 0xfffffff0) == 0x184D2A50) {
                in += 8 + (int) le(page, in + 4, 4);
                continue;
            }
            int descriptor = page[in + 4] & 0xff;
            boolean single = (descriptor & 0x20) != 0;
            int sizeFlag = descriptor >>> 6;
            int did = descriptor & 3;
            in += 5 + (single ? 0 : 1) + (did == 3 ? 4 : did) + (sizeFlag == 0 ? (single ? 1 : 0) : 1 << sizeFlag);
            boolean last;
            do {
                int header = (int) le(page, in, 3);
                last = (header & 1) != 0;
                int type = (header >>> 1) & 3;
                int size = header >>> 3;
                in += 3;
                seen.add("block " + BLOCK[type]);
                if (type == 2) {
                    compressedBlock(page, in, seen);
                }
                in += type == 1 ? 1 : size;
            } while (!last);
            in += (descriptor & 4) != 0 ? 4 : 0;
        }
        return seen;
    }

    private static void compressedBlock(byte[] page, int in, Set<String> seen) {
        int b0 = page[in] & 0xff;
        int type = b0 & 3;
        int format = (b0 >>> 2) & 3;
        int literalsEnd;
        if (type < 2) {
            int headerBytes = (format & 1) == 0 ? 1 : format == 1 ? 2 : 3;
            int size = headerBytes == 1 ? b0 >>> 3 : (int) (le(page, in, headerBytes) >>> 4);
            seen.add(type == 0 ? "literals raw" : "literals RLE");
            literalsEnd = in + headerBytes + (type == 0 ? size : 1);
        } else {
            int headerBytes = format <= 1 ? 3 : format + 2;
            int sizeBits = format <= 1 ? 10 : 4 * format + 6;
            long h = le(page, in, headerBytes);
            int compressed = (int) ((h >>> (4 + sizeBits)) & ((1 << sizeBits) - 1));
            if (type == 2) {
                seen.add(format == 0 ? "literals Huffman 1 stream" : "literals Huffman 4 streams");
                seen.add((page[in + headerBytes] & 0xff) >= 128 ? "weights direct" : "weights FSE");
            } else {
                seen.add("literals treeless");
            }
            literalsEnd = in + headerBytes + compressed;
        }
        int count = page[literalsEnd] & 0xff;
        int at = literalsEnd + (count < 128 ? 1 : count < 255 ? 2 : 3);
        if (count != 0) {
            int modes = page[at] & 0xff;
            seen.add("LL " + MODE[modes >>> 6]);
            seen.add("OF " + MODE[(modes >>> 4) & 3]);
            seen.add("ML " + MODE[(modes >>> 2) & 3]);
        }
    }

    private static long le(byte[] b, int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) (b[at + i] & 0xff) << (8 * i);
        }
        return v;
    }
}
