package io.tieredstore.hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Members, views and the static membership: what they accept, and what listeners hear. */
final class MembershipTest {
    private static final Member A = Member.serving("a", "127.0.0.1:7001");
    private static final Member B = Member.serving("b", "127.0.0.1:7002");
    private static final Member C = Member.serving("c", "127.0.0.1:7003");

    @Test
    void aMemberNeedsAnIdAndAPositiveFiniteWeight() {
        assertThrows(IllegalArgumentException.class, () -> Member.serving("", "h:1"));
        for (double w : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new Member("a", "h:1", w, Member.State.SERVING), "" + w);
        }
    }

    @Test
    void aViewSortsByIdRefusesTwiceAnIdAndServesOnlyTheReady() {
        MembershipView v = new MembershipView(3, List.of(C, A.withState(Member.State.LEAVING), B));
        assertEquals(
                List.of("a", "b", "c"), v.members().stream().map(Member::id).toList());
        assertEquals(List.of(B, C), v.serving());
        assertThrows(
                IllegalArgumentException.class,
                () -> new MembershipView(1, List.of(A, A.withState(Member.State.NOT_READY))));
        assertThrows(IllegalArgumentException.class, () -> new MembershipView(-1, List.of(A)));
    }

    @Test
    void placementNeedsAServingMemberAndMaglevAPrimeTable() {
        MembershipView none = new MembershipView(1, List.of(A.withState(Member.State.NOT_READY)));
        assertThrows(IllegalArgumentException.class, () -> Placement.rendezvous(none));
        assertThrows(IllegalArgumentException.class, () -> Placement.ring(none, 10));
        assertThrows(IllegalArgumentException.class, () -> Placement.maglev(none, 65_537));
        MembershipView three = new MembershipView(1, List.of(A, B, C));
        assertThrows(IllegalArgumentException.class, () -> Placement.ring(three, 0));
        assertThrows(IllegalArgumentException.class, () -> Placement.maglev(three, 65_536));
        assertThrows(IllegalArgumentException.class, () -> Placement.maglev(three, 3));
        assertEquals(
                "a",
                Placement.maglev(new MembershipView(1, List.of(A)), 2)
                        .owner(12345)
                        .id());
    }

    @Test
    void aStaticMembershipTellsEveryListenerEachNewViewInEpochOrder() {
        StaticMembership m = StaticMembership.of(A, B);
        assertEquals(1, m.view().epoch());
        List<MembershipView> heard = new ArrayList<>();
        List<MembershipView> heardToo = new ArrayList<>();
        Membership.Subscription failing = m.subscribe(v -> {
            throw new IllegalStateException("a broken listener");
        });
        Membership.Subscription s = m.subscribe(heard::add);
        m.subscribe(heardToo::add);
        MembershipView two = m.set(List.of(A, B, C));
        assertEquals(2, two.epoch());
        s.close();
        failing.close();
        MembershipView three = m.set(List.of(B, C));
        assertEquals(List.of(two), heard, "a closed subscription hears nothing more");
        assertEquals(List.of(two, three), heardToo, "a listener that throws does not stop the others");
        assertEquals(three, m.view());
        m.close();
        assertThrows(IllegalStateException.class, () -> m.set(List.of(A)));
        assertEquals(2, heardToo.size(), "nothing is heard after close");
    }
}
