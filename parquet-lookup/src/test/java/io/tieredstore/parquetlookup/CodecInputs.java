package io.tieredstore.parquetlookup;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Seeded inputs for the codec tests, chosen to drive every path of a block decoder: incompressible bytes (long
 * literals), runs and short periods (overlapping copies with offsets 1..64), text and Parquet-like columns (the
 * mix real pages have), and segments of incompressible bytes between repeats (long literals with 1..3 extra
 * length bytes next to far copies).
 */
final class CodecInputs {
    /** The shapes of input. */
    enum Kind {
        RANDOM,
        RUN,
        PERIODIC,
        TEXT,
        SORTED_LONGS,
        MIXED
    }

    private static final String[] WORDS = {
        "the", "page", "cache", "tiered", "store", "lookup", "parquet", "snappy", "block", "offset", "copy", "row"
    };

    private CodecInputs() {}

    /** An input of {@code kind} and exactly {@code size} bytes, from {@code random}. */
    static byte[] generate(SplittableRandom random, Kind kind, int size) {
        byte[] out = new byte[size];
        switch (kind) {
            case RANDOM -> random.nextBytes(out);
            case RUN -> java.util.Arrays.fill(out, (byte) random.nextInt(256));
            case PERIODIC -> {
                int period = 1 + random.nextInt(64);
                byte[] pattern = new byte[period];
                random.nextBytes(pattern);
                for (int i = 0; i < size; i++) {
                    out[i] = pattern[i % period];
                    if (random.nextInt(997) == 0) {
                        out[i] ^= (byte) (1 + random.nextInt(255)); // a break in the pattern: a new literal
                    }
                }
            }
            case TEXT -> {
                int at = 0;
                while (at < size) {
                    byte[] word = (WORDS[random.nextInt(WORDS.length)] + (random.nextInt(8) == 0 ? ".\n" : " "))
                            .getBytes(StandardCharsets.US_ASCII);
                    int n = Math.min(word.length, size - at);
                    System.arraycopy(word, 0, out, at, n);
                    at += n;
                }
            }
            case SORTED_LONGS -> {
                long value = random.nextLong(1L << 40);
                for (int i = 0; i < size; i++) {
                    if (i % 8 == 0) {
                        value += random.nextInt(1, 100);
                    }
                    out[i] = (byte) (value >>> (8 * (i % 8))); // PLAIN: little-endian, as a Parquet INT64 page
                }
            }
            case MIXED -> {
                int at = 0;
                while (at < size) {
                    int n = Math.min(
                            size - at, random.nextInt(3) == 0 ? 61 + random.nextInt(70_000) : 1 + random.nextInt(200));
                    if (random.nextBoolean() || at == 0) {
                        byte[] literal = new byte[n];
                        random.nextBytes(literal);
                        System.arraycopy(literal, 0, out, at, n);
                    } else {
                        int from = random.nextInt(at);
                        for (int i = 0; i < n; i++) {
                            out[at + i] = out[from + i]; // may overlap: from + i can reach at
                        }
                    }
                    at += n;
                }
            }
        }
        return out;
    }

    /** A size from 0 to {@code max}, spread evenly over orders of magnitude, with extra weight on tiny sizes. */
    static int size(SplittableRandom random, int max) {
        if (random.nextInt(10) == 0) {
            return random.nextInt(17);
        }
        int bits = 32 - Integer.numberOfLeadingZeros(max);
        return (int) Math.min(max, random.nextLong(1L << random.nextInt(1, bits + 1)));
    }
}
