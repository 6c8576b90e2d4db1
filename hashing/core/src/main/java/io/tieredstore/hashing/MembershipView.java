package io.tieredstore.hashing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What membership says at one moment: an epoch that grows with every change, and the members in id order. Two
 * instances with the same epoch of one source hold the same members.
 *
 * @param epoch the view's number, greater than every earlier view's of the same source
 * @param members every known member, in id order (ids are unique)
 */
public record MembershipView(long epoch, List<Member> members) {
    /** Sorts the members by id and checks that no id appears twice. */
    public MembershipView {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative: " + epoch);
        }
        List<Member> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparing(Member::id));
        Set<String> ids = new HashSet<>();
        for (Member m : sorted) {
            if (!ids.add(m.id())) {
                throw new IllegalArgumentException("member id " + m.id() + " appears twice in view " + epoch);
            }
        }
        members = List.copyOf(sorted);
    }

    /** The members that own page groups: those {@link Member.State#SERVING}, in id order. */
    public List<Member> serving() {
        List<Member> out = new ArrayList<>(members.size());
        for (Member m : members) {
            if (m.state() == Member.State.SERVING) {
                out.add(m);
            }
        }
        return out;
    }
}
