package io.tieredstore.parquetlookup;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Which rows of a page are null, from its definition levels: a bitmap (a set bit is a value) and the number of
 * values before each 64-row word, so that a row's value index is one {@code bitCount}. Built once at open, only for
 * pages with a null; 12 bytes per 64 rows.
 */
final class Nulls {
    private final long[] words;
    private final int[] ranks;

    private Nulls(long[] words, int[] ranks) {
        this.words = words;
        this.ranks = ranks;
    }

    /** The number of values the levels give, and the map (absent when no row is null). */
    record Levels(int values, @Nullable Nulls nulls) {}

    /**
     * Reads {@code rows} definition levels (bit width 1, a flat column's maximum of 1) from {@code body[start, end)}.
     *
     * @throws CorruptParquetException if they are malformed, too few or above 1
     */
    static Levels open(String object, ByteBuffer body, int start, int end, int rows) {
        long[] words = new long[(rows + 63) >>> 6];
        Hybrid.walk(object, body, start, end, 1, rows, "definition levels", (header, first, n, packed, valueOrData) -> {
            long last = Math.min(first + n, rows);
            if (!packed) {
                if (valueOrData > 1) {
                    throw new CorruptParquetException(object, "definition level " + valueOrData + " above 1");
                }
                if (valueOrData == 1) {
                    for (long i = first; i < last; i++) {
                        words[(int) (i >>> 6)] |= 1L << i;
                    }
                }
                return;
            }
            for (long i = first; i < last; i++) {
                if (Hybrid.unpack(body, valueOrData, end, i - first, 1) != 0) {
                    words[(int) (i >>> 6)] |= 1L << i;
                }
            }
        });
        int[] ranks = new int[words.length];
        int values = 0;
        for (int w = 0; w < words.length; w++) {
            ranks[w] = values;
            values += Long.bitCount(words[w]);
        }
        return new Levels(values, values == rows ? null : new Nulls(words, ranks));
    }

    /** Whether row {@code i} is null. */
    boolean isNull(int i) {
        return (words[i >>> 6] & (1L << i)) == 0;
    }

    /** The index among the page's values of non-null row {@code i}. */
    int index(int i) {
        int w = i >>> 6;
        return ranks[w] + Long.bitCount(words[w] & ((1L << i) - 1));
    }

    /** The heap bytes of the map. */
    long heapBytes() {
        return 48L + 12L * words.length;
    }
}
