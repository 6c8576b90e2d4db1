package io.tieredstore.parquetlookup;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A static centred interval tree over closed key ranges {@code [min, max]}: the ranges holding a key in
 * O(log n + k). Each node has a centre (the median min of its ranges) and keeps the ranges containing it, sorted
 * by min ascending and by max descending; ranges wholly below the centre go left, wholly above go right, so each
 * side holds at most half and the depth is O(log n). A query visits one node per level and reads at a node only
 * ranges that hold the key, plus one that stops the scan. Immutable.
 */
final class IntervalTree {
    private final KeyOrder domain;
    private final Object[] mins;
    private final Object[] maxs;
    private final @Nullable Node root;

    /** The ranges holding {@code centre}, and the subtrees of those wholly below and wholly above it. */
    private static final class Node {
        final Object centre;
        final int[] byMin;
        final int[] byMax;
        final @Nullable Node left;
        final @Nullable Node right;

        Node(Object centre, int[] byMin, int[] byMax, @Nullable Node left, @Nullable Node right) {
            this.centre = centre;
            this.byMin = byMin;
            this.byMax = byMax;
            this.left = left;
            this.right = right;
        }
    }

    private IntervalTree(KeyOrder domain, Object[] mins, Object[] maxs) {
        this.domain = domain;
        this.mins = mins;
        this.maxs = maxs;
        int[] all = new int[mins.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        this.root = build(all);
    }

    /** A tree over ranges {@code i = 0..n-1} of {@code mins[i]} to {@code maxs[i]}, none null, in {@code domain}. */
    static IntervalTree of(KeyOrder domain, @Nullable Object[] mins, @Nullable Object[] maxs) {
        Object[] lo = new Object[mins.length];
        Object[] hi = new Object[maxs.length];
        for (int i = 0; i < lo.length; i++) {
            lo[i] = Objects.requireNonNull(mins[i], "an indexed range has no min");
            hi[i] = Objects.requireNonNull(maxs[i], "an indexed range has no max");
        }
        return new IntervalTree(domain, lo, hi);
    }

    /** The indexes of the ranges holding {@code key}, in no particular order. */
    int[] candidates(Object key) {
        int[] out = new int[8];
        int n = 0;
        for (Node node = root; node != null; ) {
            int c = domain.compare(key, node.centre);
            if (c == 0) {
                for (int i : node.byMin) {
                    out = add(out, n++, i);
                }
                break;
            }
            if (c < 0) {
                for (int i : node.byMin) {
                    if (domain.compare(mins[i], key) > 0) {
                        break;
                    }
                    out = add(out, n++, i);
                }
                node = node.left;
            } else {
                for (int i : node.byMax) {
                    if (domain.compare(maxs[i], key) < 0) {
                        break;
                    }
                    out = add(out, n++, i);
                }
                node = node.right;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static int[] add(int[] out, int at, int value) {
        int[] grown = at == out.length ? Arrays.copyOf(out, at * 2) : out;
        grown[at] = value;
        return grown;
    }

    private @Nullable Node build(int[] ids) {
        if (ids.length == 0) {
            return null;
        }
        Integer[] byMin = boxed(ids);
        Arrays.sort(byMin, (a, b) -> domain.compare(mins[a], mins[b]));
        Object centre = mins[byMin[byMin.length / 2]];
        int[] left = new int[ids.length];
        int[] right = new int[ids.length];
        int[] here = new int[ids.length];
        int nl = 0;
        int nr = 0;
        int nh = 0;
        for (int i : ids) {
            if (domain.compare(maxs[i], centre) < 0) {
                left[nl++] = i;
            } else if (domain.compare(mins[i], centre) > 0) {
                right[nr++] = i;
            } else {
                here[nh++] = i;
            }
        }
        Integer[] hereByMin = boxed(Arrays.copyOf(here, nh));
        Arrays.sort(hereByMin, (a, b) -> domain.compare(mins[a], mins[b]));
        Integer[] hereByMax = boxed(Arrays.copyOf(here, nh));
        Arrays.sort(hereByMax, (a, b) -> domain.compare(maxs[b], maxs[a]));
        return new Node(
                centre,
                unboxed(hereByMin),
                unboxed(hereByMax),
                build(Arrays.copyOf(left, nl)),
                build(Arrays.copyOf(right, nr)));
    }

    private static Integer[] boxed(int[] ids) {
        Integer[] out = new Integer[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    private static int[] unboxed(Integer[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }
}
