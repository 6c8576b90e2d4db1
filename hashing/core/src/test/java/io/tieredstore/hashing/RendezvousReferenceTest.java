package io.tieredstore.hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The rendezvous engine (members of one weight ranked without a logarithm) against the definition written out:
 * every member's score w / -ln(u) computed, the highest winning, ties to the first in id order.
 */
final class RendezvousReferenceTest {
    @Test
    void ownersAreThoseOfTheDefinitionForEqualAndMixedWeights() {
        SplittableRandom random = new SplittableRandom(42);
        double[][] weightSets = {{1}, {1, 2}, {0.25, 1, 3}, {0.5, 1, 2, 4, 8}};
        for (double[] weights : weightSets) {
            for (int n : new int[] {1, 2, 7, 64}) {
                List<Member> members = new ArrayList<>();
                for (Member m : Fleets.members(random, n)) {
                    members.add(new Member(m.id(), m.address(), weights[random.nextInt(weights.length)], m.state()));
                }
                MembershipView view = new MembershipView(1, members);
                Placement p = Placement.rendezvous(view);
                for (long k : Fleets.keys(random, 20_000)) {
                    assertEquals(reference(view.serving(), k), p.owner(k), "key " + k + " over " + view);
                }
            }
        }
    }

    private static Member reference(List<Member> members, long key) {
        Member best = members.get(0);
        double top = Double.NEGATIVE_INFINITY;
        for (Member m : members) {
            double u = Hash64.unit(Hash64.top53(Hash64.mix(key ^ Hash64.of(m.id()))));
            double score = m.weight() / -StrictMath.log(u);
            if (score > top) {
                top = score;
                best = m;
            }
        }
        return best;
    }
}
