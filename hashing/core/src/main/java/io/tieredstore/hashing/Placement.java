package io.tieredstore.hashing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Which member owns a page group. Built from a view's serving members; every instance holding the same view
 * computes the same owner for every key, on any JVM (the hashes are fixed: {@code docs/peers.md}).
 *
 * <p>{@link #rendezvous} is the one to use: weighted, balanced to the sampling noise, and on a join or leave
 * only the keys of the member that came or went move. {@link #ring} and {@link #maglev} are there to compare.
 */
public interface Placement {
    /** The owner of {@code key}, a 64-bit hash such as {@link #key} gives. */
    Member owner(long key);

    /**
     * The placement key of page group {@code group} of an object version: MurmurHash3 x64 128 (seed 0, first 64
     * bits) of the UTF-8 bytes of {@code objectVersion} followed by {@code group} as 8 big-endian bytes.
     *
     * @param objectVersion the version's identity as every instance spells it (the peer tier's: bucket, key and
     *     ETag)
     * @param group the page group's index within the object (a page group is a run of pages owned together)
     */
    static long key(String objectVersion, long group) {
        byte[] name = objectVersion.getBytes(StandardCharsets.UTF_8);
        return Hash64.of(ByteBuffer.allocate(name.length + Long.BYTES)
                .put(name)
                .putLong(group)
                .array());
    }

    /**
     * Weighted rendezvous (highest random weight) over the serving members of {@code view}: key {@code k} goes
     * to the member of highest {@code weight / -ln(u(k, id))}.
     *
     * @throws IllegalArgumentException if no member serves
     */
    static Placement rendezvous(MembershipView view) {
        return new Rendezvous(servingOf(view));
    }

    /**
     * A consistent-hash ring with virtual nodes over the serving members of {@code view}: a member of weight 1
     * has {@code pointsPerWeight} points on the ring, others in proportion (at least 1).
     *
     * @throws IllegalArgumentException if no member serves or {@code pointsPerWeight} is not positive
     */
    static Placement ring(MembershipView view, int pointsPerWeight) {
        return new Ring(servingOf(view), pointsPerWeight);
    }

    /**
     * Maglev hashing (Eisenbud et al., NSDI 2016) over the serving members of {@code view}, weighted: a lookup
     * table of {@code tableSize} entries (a prime, at least 100 times the members for a 1% spread; 65,537 is
     * the paper's default), filled from each member's permutation in turns that follow the weights.
     *
     * @throws IllegalArgumentException if no member serves or {@code tableSize} is not a prime above the number
     *     of members
     */
    static Placement maglev(MembershipView view, int tableSize) {
        return new Maglev(servingOf(view), tableSize);
    }

    private static List<Member> servingOf(MembershipView view) {
        List<Member> serving = view.serving();
        if (serving.isEmpty()) {
            throw new IllegalArgumentException("no member of view " + view.epoch() + " is serving");
        }
        return serving;
    }
}
