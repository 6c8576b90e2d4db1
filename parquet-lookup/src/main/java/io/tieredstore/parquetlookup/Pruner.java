package io.tieredstore.parquetlookup;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Which of a sequence of ranges (objects, row groups or pages) may hold a key, from each one's min and max.
 *
 * <p>The order is checked here, not taken from the writer: when every range has statistics and both mins and
 * maxes are non-decreasing (or non-increasing), candidates are found by binary search; otherwise every range is
 * tested. A writer that claims ASCENDING falsely therefore costs a scan, never a missed row. A range without
 * statistics is always a candidate; an empty one (all nulls, no rows) never is.
 */
final class Pruner {
    private final KeyOrder domain;
    private final int[] live;
    private final @Nullable Object[] mins;
    private final @Nullable Object[] maxs;
    private final int order; // 1 ascending, -1 descending, 0 neither

    /**
     * A pruner over {@code mins.length} ranges.
     *
     * @param mins each range's min in the domain's internal form, or null if unknown
     * @param maxs each range's max, or null if unknown
     * @param empty which ranges can hold no key at all
     */
    Pruner(KeyOrder domain, @Nullable Object[] mins, @Nullable Object[] maxs, boolean[] empty) {
        this.domain = domain;
        int n = 0;
        int[] liveAll = new int[mins.length];
        for (int i = 0; i < mins.length; i++) {
            if (!empty[i]) {
                liveAll[n++] = i;
            }
        }
        this.live = Arrays.copyOf(liveAll, n);
        this.mins = new Object[n];
        this.maxs = new Object[n];
        for (int j = 0; j < n; j++) {
            this.mins[j] = domain.ordered() ? mins[live[j]] : null;
            this.maxs[j] = domain.ordered() ? maxs[live[j]] : null;
        }
        this.order = order();
    }

    /** Whether candidates are found by binary search (the statistics are ordered). */
    boolean ordered() {
        return order != 0;
    }

    /** The number of ranges that are not empty. */
    int live() {
        return live.length;
    }

    /** The indexes of the ranges that may hold {@code key}, ascending. */
    int[] candidates(Object key) {
        int n = live.length;
        if (order == 0) {
            int[] out = new int[n];
            int count = 0;
            for (int j = 0; j < n; j++) {
                Object lo = mins[j];
                Object hi = maxs[j];
                if ((lo == null || domain.compare(lo, key) <= 0) && (hi == null || domain.compare(key, hi) <= 0)) {
                    out[count++] = live[j];
                }
            }
            return Arrays.copyOf(out, count);
        }
        // ascending: maxs non-decreasing, find the first max >= key and take while min <= key;
        // descending: mins non-increasing, find the first min <= key and take while max >= key.
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            boolean before = order > 0
                    ? domain.compare(nonNull(maxs[mid]), key) < 0
                    : domain.compare(nonNull(mins[mid]), key) > 0;
            if (before) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        int end = lo;
        while (end < n
                && (order > 0
                        ? domain.compare(nonNull(mins[end]), key) <= 0
                        : domain.compare(nonNull(maxs[end]), key) >= 0)) {
            end++;
        }
        int[] out = new int[end - lo];
        for (int j = lo; j < end; j++) {
            out[j - lo] = live[j];
        }
        if (order < 0) {
            Arrays.sort(out);
        }
        return out;
    }

    private static Object nonNull(@Nullable Object o) {
        if (o == null) {
            throw new IllegalStateException("ordered pruner without statistics");
        }
        return o;
    }

    private int order() {
        int n = live.length;
        if (!domain.ordered() || n < 2) {
            return 0;
        }
        for (int j = 0; j < n; j++) {
            if (mins[j] == null || maxs[j] == null) {
                return 0;
            }
        }
        boolean ascending = true;
        boolean descending = true;
        for (int j = 1; j < n; j++) {
            int minStep = domain.compare(nonNull(mins[j - 1]), nonNull(mins[j]));
            int maxStep = domain.compare(nonNull(maxs[j - 1]), nonNull(maxs[j]));
            ascending &= minStep <= 0 && maxStep <= 0;
            descending &= minStep >= 0 && maxStep >= 0;
        }
        return ascending ? 1 : descending ? -1 : 0;
    }
}
