package io.tieredstore.parquetlookup;

import org.jspecify.annotations.Nullable;

/**
 * One data page of a flat column, decoded: a value per row, in a primitive array by physical type
 * ({@code boolean[]}, {@code int[]}, {@code long[]}, {@code float[]}, {@code double[]}, or {@code byte[][]} for
 * INT96 and byte arrays), with nulls marked. Immutable once built.
 */
final class DecodedPage {
    /** The row, within the row group, of the page's first value. */
    final long firstRow;

    /** The number of rows (= values, nulls included, for a flat column). */
    final int rows;

    /** Which rows are null, or {@code null} if none is. */
    final boolean @Nullable [] nulls;

    /** The values; a null row's slot holds a default. */
    final Object values;

    /** Whether the non-null values are in ascending (signed, or unsigned lexicographic for bytes) order and none is null. */
    final boolean ascending;

    /** An estimate of the heap this page holds, for the cache's weigher. */
    final int weight;

    DecodedPage(long firstRow, int rows, boolean @Nullable [] nulls, Object values) {
        this.firstRow = firstRow;
        this.rows = rows;
        this.nulls = nulls;
        this.values = values;
        this.ascending = nulls == null && ascending(values, rows);
        this.weight = (int) Math.min(Integer.MAX_VALUE, 64L + (nulls == null ? 0 : rows) + bytes(values, rows));
    }

    /** Whether row {@code i} is null. */
    boolean isNull(int i) {
        boolean[] n = nulls;
        return n != null && n[i];
    }

    private static long bytes(Object values, int rows) {
        if (values instanceof byte[][] b) {
            long sum = 16L + 8L * rows;
            for (int i = 0; i < rows; i++) {
                byte[] v = b[i];
                sum += v == null ? 0 : 16 + v.length;
            }
            return sum;
        }
        if (values instanceof long[] || values instanceof double[]) {
            return 16L + 8L * rows;
        }
        if (values instanceof boolean[]) {
            return 16L + rows;
        }
        return 16L + 4L * rows;
    }

    private static boolean ascending(Object values, int rows) {
        if (values instanceof long[] v) {
            for (int i = 1; i < rows; i++) {
                if (v[i - 1] > v[i]) {
                    return false;
                }
            }
            return true;
        }
        if (values instanceof int[] v) {
            for (int i = 1; i < rows; i++) {
                if (v[i - 1] > v[i]) {
                    return false;
                }
            }
            return true;
        }
        if (values instanceof byte[][] v) {
            for (int i = 1; i < rows; i++) {
                if (java.util.Arrays.compareUnsigned(v[i - 1], v[i]) > 0) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }
}
