package io.tieredstore.hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What moves when one member joins or leaves (or stops serving), over fleets of 2 to 128 members: how many keys
 * move, against the 1/N that must, and whether any key moves between two members that both stay.
 */
final class PlacementMovementTest {
    private static final int[] SIZES = {2, 3, 5, 8, 16, 31, 64, 128};

    /** The bound on keys moved, in units of 1/N (N the larger fleet): Maglev also moves keys between survivors. */
    private static double bound(Fleets.Kind kind) {
        return switch (kind) {
            case RENDEZVOUS -> 1.10;
            case RING -> 1.25;
            case MAGLEV -> 2.5;
        };
    }

    @ParameterizedTest
    @EnumSource(Fleets.Kind.class)
    void aLeaveMovesOnlyTheLeaversKeys(Fleets.Kind kind) {
        for (long seed = 1; seed <= 2; seed++) {
            for (int n : SIZES) {
                SplittableRandom random = new SplittableRandom(seed * 1000 + n);
                List<Member> before = PlacementBalanceTest.sorted(Fleets.members(random, n));
                int leaver = random.nextInt(n);
                List<Member> after = new ArrayList<>(before);
                if (seed == 1) {
                    after.remove(leaver);
                } else { // a member that stops serving leaves placement as one that is gone does
                    after.set(leaver, before.get(leaver).withState(Member.State.NOT_READY));
                }
                check(kind, before, after, leaver, keys(random, n), "leave of member " + leaver + " of " + n);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Fleets.Kind.class)
    void aJoinMovesKeysOnlyToTheNewMember(Fleets.Kind kind) {
        for (long seed = 1; seed <= 2; seed++) {
            for (int n : SIZES) {
                SplittableRandom random = new SplittableRandom(seed * 2000 + n);
                List<Member> before = PlacementBalanceTest.sorted(Fleets.members(random, n));
                List<Member> after = new ArrayList<>(before);
                after.add(Member.serving(Fleets.id(random), "10.1.0.1:7070"));
                after = PlacementBalanceTest.sorted(after);
                String joined = null;
                for (Member m : after) {
                    if (!before.contains(m)) {
                        joined = m.id();
                    }
                }
                int joiner = indexOf(after, joined);
                // seen from the larger fleet: the joiner is the member that "left" the smaller one
                check(kind, after, before, joiner, keys(random, n + 1), "join to " + n + " members");
            }
        }
    }

    /**
     * Places keys over {@code larger} and {@code smaller} (the same members, but {@code gone} of {@code larger} is
     * not serving in {@code smaller}) and checks what moved.
     */
    private static void check(
            Fleets.Kind kind, List<Member> larger, List<Member> smaller, int gone, long[] keys, String what) {
        Placement big = kind.build(new MembershipView(1, larger));
        Placement small = kind.build(new MembershipView(2, smaller));
        String goneId = larger.get(gone).id();
        int moved = 0;
        int betweenSurvivors = 0;
        for (long k : keys) {
            String a = big.owner(k).id();
            String b = small.owner(k).id();
            assertTrue(!b.equals(goneId), what + ": a key is owned by a member not serving");
            if (!a.equals(b)) {
                moved++;
                if (!a.equals(goneId)) {
                    betweenSurvivors++;
                }
            }
        }
        int n = new MembershipView(1, larger).serving().size();
        double movedInOneOverN = moved / (keys.length / (double) n);
        assertTrue(movedInOneOverN <= bound(kind), kind + ", " + what + ": moved " + movedInOneOverN + "/N");
        if (kind != Fleets.Kind.MAGLEV) {
            assertEquals(0, betweenSurvivors, kind + ", " + what + ": keys moved between members that both stay");
        }
    }

    /** Enough keys that 1/N of them is 20,000 (at most a million): the 10% bound is many standard deviations. */
    private static long[] keys(SplittableRandom random, int n) {
        return Fleets.keys(random, Math.min(1_000_000, 20_000 * n));
    }

    private static int indexOf(List<Member> members, String id) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).id().equals(id)) {
                return i;
            }
        }
        throw new AssertionError("no member " + id);
    }
}
