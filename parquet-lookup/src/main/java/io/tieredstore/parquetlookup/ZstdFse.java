package io.tieredstore.parquetlookup;

/**
 * One FSE (tANS) decoding table (RFC 8878, 4.1.1): for each state the symbol it stands for, how many bits to read
 * next and the baseline those bits are added to for the next state, packed in one int (see {@link #symbol},
 * {@link #bits}, {@link #base}). Filled from a compressed table description,
 * from a predefined distribution, or as one state repeating one symbol (RLE).
 */
final class ZstdFse {
    /** Per state: the symbol (bits 0-7), the bits to read (8-11) and the next state's baseline (16-31). */
    final int[] entries;

    int log;

    private final byte[] symbols;
    private final short[] next;

    /** A table of up to {@code 2^maxLog} states for symbols {@code 0..255}. */
    ZstdFse(int maxLog) {
        int size = 1 << maxLog;
        entries = new int[size];
        symbols = new byte[size];
        next = new short[256];
    }

    /** A table built from a predefined distribution, {@code counts} of accuracy {@code log}. */
    static ZstdFse predefined(int log, short[] counts) {
        ZstdFse table = new ZstdFse(log);
        table.build(counts, counts.length, log);
        return table;
    }

    /** One state that always decodes {@code s} and reads no bits. */
    void rle(int s) {
        log = 0;
        entries[0] = s;
    }

    /**
     * Reads a table description from {@code src[at, end)} for symbols {@code 0..maxSymbol} with an accuracy of at
     * most {@code maxLog}, builds the table and returns the description's size in bytes. {@code counts} is scratch
     * space of at least {@code maxSymbol + 1} entries.
     */
    int read(String object, byte[] src, int at, int end, int maxSymbol, int maxLog, short[] counts) {
        long pos = (long) at * 8;
        int accuracy = (int) bits(src, pos, end, 4) + 5;
        pos += 4;
        if (accuracy > maxLog) {
            throw ZstdDecoder.corrupt(object, "FSE accuracy log " + accuracy + " above " + maxLog);
        }
        int remaining = (1 << accuracy) + 1;
        int threshold = 1 << accuracy;
        int nbBits = accuracy + 1;
        int s = 0;
        while (remaining > 1) {
            if (s > maxSymbol) {
                throw ZstdDecoder.corrupt(object, "FSE description has symbols above " + maxSymbol);
            }
            int max = 2 * threshold - 1 - remaining;
            int value = (int) bits(src, pos, end, nbBits);
            if ((value & (threshold - 1)) < max) {
                value &= threshold - 1;
                pos += nbBits - 1;
            } else {
                if (value >= threshold) {
                    value -= max;
                }
                pos += nbBits;
            }
            int count = value - 1; // -1: "less than 1", a state of its own
            counts[s++] = (short) count;
            remaining -= Math.abs(count);
            if (count == 0) {
                int repeat; // 2-bit flags: that many more zero counts, 3 meaning another flag follows
                do {
                    repeat = (int) bits(src, pos, end, 2);
                    pos += 2;
                    if (repeat > maxSymbol + 1 - s) {
                        throw ZstdDecoder.corrupt(object, "FSE description has symbols above " + maxSymbol);
                    }
                    for (int i = 0; i < repeat; i++) {
                        counts[s++] = 0;
                    }
                } while (repeat == 3);
            }
            while (remaining < threshold) {
                nbBits--;
                threshold >>= 1;
            }
        }
        if (pos > (long) end * 8) {
            throw ZstdDecoder.corrupt(object, "FSE description runs past its section");
        }
        build(counts, s, accuracy);
        return (int) ((pos + 7) / 8 - at);
    }

    /** Spreads {@code counts[0, symbolCount)} (summing to {@code 2^log}, -1 counting as 1) over the states. */
    void build(short[] counts, int symbolCount, int log) {
        this.log = log;
        int size = 1 << log;
        int high = size - 1;
        for (int s = 0; s < symbolCount; s++) {
            if (counts[s] == -1) {
                symbols[high--] = (byte) s;
                next[s] = 1;
            } else {
                next[s] = counts[s];
            }
        }
        int mask = size - 1;
        int step = (size >>> 1) + (size >>> 3) + 3;
        int pos = 0;
        for (int s = 0; s < symbolCount; s++) {
            for (int i = 0; i < counts[s]; i++) {
                symbols[pos] = (byte) s;
                do {
                    pos = (pos + step) & mask;
                } while (pos > high);
            }
        }
        for (int state = 0; state < size; state++) {
            int s = symbols[state] & 0xff;
            int n = next[s]++;
            int nb = log - (31 - Integer.numberOfLeadingZeros(n));
            entries[state] = s | nb << 8 | ((n << nb) - size) << 16;
        }
    }

    /** The symbol of state entry {@code e}. */
    static int symbol(int e) {
        return e & 0xff;
    }

    /** The number of bits state entry {@code e} reads for the next state. */
    static int bits(int e) {
        return (e >>> 8) & 15;
    }

    /** The baseline of the next state of entry {@code e}. */
    static int base(int e) {
        return e >>> 16;
    }

    /** {@code n} (at most 25) bits of {@code src} from bit {@code pos} on, little endian; zeros past {@code end}. */
    private static long bits(byte[] src, long pos, int end, int n) {
        int at = (int) (pos >>> 3);
        long v = 0;
        for (int i = 0; i < 4 && at + i < end; i++) {
            v |= (long) (src[at + i] & 0xff) << (8 * i);
        }
        return (v >>> (pos & 7)) & ((1L << n) - 1);
    }
}
