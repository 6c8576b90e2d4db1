package io.tieredstore.hashing;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/*
 * Weighted rendezvous hashing. Member i's score for key k is w_i / -ln(u_i), where u_i = unit(top53(mix(k ^ h_i)))
 * and h_i is the hash of the member's id; the highest score owns k. -ln(u_i) / w_i is an exponential variable of rate
 * w_i, so member i wins with probability w_i / sum(w), and removing a member changes the winner only of the keys it
 * won (the scores of the others do not depend on who else is in the view): minimal movement, no key moving
 * between two members that both stay.
 *
 * Cost: members of one weight are ranked by u alone, since the score grows with u; so a lookup mixes once per
 * member and takes one logarithm per distinct weight (none when all weights are equal), which keeps it O(N) with
 * a small constant. Logarithms are StrictMath's, bit-identical on every JVM, so two instances can never disagree
 * on a near tie. Ties of u (equal 53-bit values) go to the member first in id order.
 */
final class Rendezvous implements Placement {
    private final Member[] members; // id order
    private final long[] idHash;
    private final int[] weightClass; // index into classWeight
    private final double[] classWeight;

    Rendezvous(List<Member> serving) {
        int n = serving.size();
        this.members = serving.toArray(new Member[0]);
        this.idHash = new long[n];
        this.weightClass = new int[n];
        Map<Double, Integer> classes = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            idHash[i] = Hash64.of(members[i].id());
            Integer c = classes.computeIfAbsent(members[i].weight(), w -> classes.size());
            weightClass[i] = c;
        }
        this.classWeight = new double[classes.size()];
        for (Map.Entry<Double, Integer> e : classes.entrySet()) {
            classWeight[e.getValue()] = e.getKey();
        }
    }

    @Override
    public Member owner(long key) {
        if (classWeight.length == 1) {
            return members[highest(key)];
        }
        long[] best = new long[classWeight.length];
        int[] bestAt = new int[classWeight.length];
        Arrays.fill(bestAt, -1);
        for (int i = 0; i < idHash.length; i++) {
            long u = Hash64.top53(Hash64.mix(key ^ idHash[i]));
            int c = weightClass[i];
            if (bestAt[c] < 0 || u > best[c]) {
                best[c] = u;
                bestAt[c] = i;
            }
        }
        int owner = -1;
        double top = 0;
        for (int c = 0; c < classWeight.length; c++) {
            double score = classWeight[c] / -StrictMath.log(Hash64.unit(best[c]));
            if (owner < 0 || score > top || (score == top && bestAt[c] < owner)) {
                top = score;
                owner = bestAt[c];
            }
        }
        return members[owner];
    }

    /** The member of highest u, all weights being equal. */
    private int highest(long key) {
        int owner = 0;
        long top = Hash64.top53(Hash64.mix(key ^ idHash[0]));
        for (int i = 1; i < idHash.length; i++) {
            long u = Hash64.top53(Hash64.mix(key ^ idHash[i]));
            if (u > top) {
                top = u;
                owner = i;
            }
        }
        return owner;
    }
}
