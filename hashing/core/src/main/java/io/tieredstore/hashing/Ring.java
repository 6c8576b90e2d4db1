package io.tieredstore.hashing;

import java.util.Arrays;
import java.util.List;

/*
 * A consistent-hash ring with virtual nodes (Karger et al.; Ketama). Member i has round(pointsPerWeight * w_i)
 * points (at least 1), point j at mix(h_i + j * GOLDEN), h_i the hash of its id; key k belongs to the first point
 * at or after mix(k), wrapping around (points in signed order; a collision of two points goes to the member first
 * in id order). A member that leaves hands its arcs to the next points, so keys move only off it, but the balance
 * is only as good as the number of points: about 1/sqrt(points) relative spread per member.
 */
final class Ring implements Placement {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final Member[] members;
    private final long[] points; // sorted
    private final int[] ownerOf; // member index of each point

    Ring(List<Member> serving, int pointsPerWeight) {
        if (pointsPerWeight <= 0) {
            throw new IllegalArgumentException("points per weight must be positive: " + pointsPerWeight);
        }
        this.members = serving.toArray(new Member[0]);
        long total = 0;
        int[] count = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            double c = Math.max(1, Math.rint(pointsPerWeight * members[i].weight()));
            if (c > 1 << 24) {
                throw new IllegalArgumentException(
                        "member " + members[i].id() + " would have " + c + " points: lower the weight or points");
            }
            count[i] = (int) c;
            total += count[i];
        }
        if (total > 1 << 26) {
            throw new IllegalArgumentException("the ring would have " + total + " points, more than 2^26");
        }
        int[] memberOf = new int[(int) total]; // of each point, in the order built
        long[] pointOf = new long[(int) total];
        Integer[] order = new Integer[(int) total];
        int at = 0;
        for (int i = 0; i < members.length; i++) {
            long h = Hash64.of(members[i].id());
            for (int j = 0; j < count[i]; j++) {
                pointOf[at] = Hash64.mix(h + j * GOLDEN);
                memberOf[at] = i;
                order[at] = at;
                at++;
            }
        }
        Arrays.sort(order, (a, b) -> {
            int c = Long.compare(pointOf[a], pointOf[b]);
            return c != 0 ? c : Integer.compare(memberOf[a], memberOf[b]);
        });
        this.points = new long[order.length];
        this.ownerOf = new int[order.length];
        for (int p = 0; p < order.length; p++) {
            points[p] = pointOf[order[p]];
            ownerOf[p] = memberOf[order[p]];
        }
    }

    @Override
    public Member owner(long key) {
        long h = Hash64.mix(key);
        int p = Arrays.binarySearch(points, h);
        if (p < 0) {
            p = -p - 1;
        } else {
            while (p > 0 && points[p - 1] == h) { // the first of equal points
                p--;
            }
        }
        return members[ownerOf[p == points.length ? 0 : p]];
    }
}
