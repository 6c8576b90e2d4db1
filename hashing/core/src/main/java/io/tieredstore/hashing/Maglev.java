package io.tieredstore.hashing;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;

/*
 * Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer", NSDI 2016,
 * section 3.4), weighted by turns in which lighter members sit some out. Member i has a permutation of the
 * table's M slots, offset + j * skip (mod M) with offset = mix(h_i ^ A) mod M and skip = mix(h_i ^ B) mod (M - 1)
 * + 1, h_i the hash of its id (M prime, so every skip visits every slot). Turns go round the members in id order;
 * in turn t, a member of weight w takes its next free slot if it holds fewer than t * w / max(w) slots. Key k is
 * the owner of slot mix(k) mod M: one array read per lookup. Balance is within a slot per member (M / N slots
 * each), but a join or a leave also moves some keys between members that both stay (Envoy's documentation
 * measures about twice a ring's movement; the tests here, up to 0.66/N).
 */
final class Maglev implements Placement {
    private static final long OFFSET_SALT = 0x5851F42D4C957F2DL;
    private static final long SKIP_SALT = 0x14057B7EF767814FL;

    private final Member[] members;
    private final int[] table;

    Maglev(List<Member> serving, int tableSize) {
        this.members = serving.toArray(new Member[0]);
        int n = members.length;
        if (tableSize <= n || !BigInteger.valueOf(tableSize).isProbablePrime(40)) {
            throw new IllegalArgumentException("the table size must be a prime above " + n + ": " + tableSize);
        }
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n]; // how far along its permutation each member is
        double[] share = new double[n];
        double max = 0;
        for (Member m : members) {
            max = Math.max(max, m.weight());
        }
        for (int i = 0; i < n; i++) {
            long h = Hash64.of(members[i].id());
            offset[i] = Long.remainderUnsigned(Hash64.mix(h ^ OFFSET_SALT), tableSize);
            skip[i] = Long.remainderUnsigned(Hash64.mix(h ^ SKIP_SALT), tableSize - 1) + 1;
            share[i] = members[i].weight() / max;
        }
        int[] t = new int[tableSize];
        Arrays.fill(t, -1);
        long[] held = new long[n];
        int filled = 0;
        for (long turn = 1; filled < tableSize; turn++) {
            for (int i = 0; i < n && filled < tableSize; i++) {
                if (held[i] >= turn * share[i]) {
                    continue; // a lighter member sits this turn out
                }
                int slot;
                do {
                    slot = (int) ((offset[i] + next[i] * skip[i]) % tableSize);
                    next[i]++;
                } while (t[slot] >= 0);
                t[slot] = i;
                held[i]++;
                filled++;
            }
        }
        this.table = t;
    }

    @Override
    public Member owner(long key) {
        return members[table[(int) Long.remainderUnsigned(Hash64.mix(key), table.length)]];
    }
}
