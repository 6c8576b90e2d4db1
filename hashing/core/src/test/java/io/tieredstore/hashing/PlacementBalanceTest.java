package io.tieredstore.hashing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Load over members, a million keys at a time, over fleets of 2 to 128 members of random ids: the most loaded
 * member's keys over the mean, and with weights each member's share over its weight's.
 */
final class PlacementBalanceTest {
    private static final int KEYS = 1_000_000;
    private static final int[] SIZES = {2, 3, 4, 5, 8, 13, 16, 32, 50, 64, 100, 128};

    /** The bound on max/mean of each algorithm: rendezvous and Maglev at the sampling noise, a ring above it. */
    private static double bound(Fleets.Kind kind) {
        return kind == Fleets.Kind.RING ? 1.20 : 1.05;
    }

    @ParameterizedTest
    @EnumSource(Fleets.Kind.class)
    void theMostLoadedMemberHoldsLittleMoreThanTheMean(Fleets.Kind kind) {
        for (long seed = 1; seed <= 2; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            long[] keys = Fleets.keys(random, KEYS);
            for (int n : SIZES) {
                List<Member> members = Fleets.members(random, n);
                int[] load = new int[n];
                for (int owner : Fleets.owners(kind.build(new MembershipView(1, members)), sorted(members), keys)) {
                    load[owner]++;
                }
                int max = 0;
                for (int l : load) {
                    max = Math.max(max, l);
                }
                double ratio = max / ((double) KEYS / n);
                assertTrue(
                        ratio <= bound(kind), kind + " over " + n + " members, seed " + seed + ": max/mean " + ratio);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Fleets.Kind.class)
    void aMemberHoldsItsWeightsShare(Fleets.Kind kind) {
        double[] weights = {0.5, 1, 2, 4};
        for (int n : new int[] {3, 8, 32}) {
            SplittableRandom random = new SplittableRandom(n);
            List<Member> members = new ArrayList<>();
            for (Member m : Fleets.members(random, n)) {
                members.add(new Member(m.id(), m.address(), weights[random.nextInt(weights.length)], m.state()));
            }
            members = sorted(members);
            double total = 0;
            for (Member m : members) {
                total += m.weight();
            }
            long[] keys = Fleets.keys(random, KEYS);
            int[] load = new int[n];
            for (int owner : Fleets.owners(kind.build(new MembershipView(1, members)), members, keys)) {
                load[owner]++;
            }
            for (int i = 0; i < n; i++) {
                double expected = KEYS * members.get(i).weight() / total;
                double ratio = load[i] / expected;
                assertTrue(
                        Math.abs(ratio - 1) <= bound(kind) - 1,
                        kind + ": member " + i + " of " + n + ", weight "
                                + members.get(i).weight() + ", holds " + ratio + " of its share");
            }
        }
    }

    /** The members in id order, as a view holds them. */
    static List<Member> sorted(List<Member> members) {
        return new MembershipView(0, members).members();
    }
}
