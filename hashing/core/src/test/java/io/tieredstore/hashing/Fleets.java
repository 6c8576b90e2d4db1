package io.tieredstore.hashing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random fleets and keys for the placement tests: ids as fleets name instances, keys as placement makes them. */
final class Fleets {
    /** How each algorithm is built from a view, by name. */
    enum Kind {
        RENDEZVOUS,
        RING,
        MAGLEV;

        /** This algorithm over {@code view}: a ring of 1,000 points per weight, Maglev's default table. */
        Placement build(MembershipView view) {
            return switch (this) {
                case RENDEZVOUS -> Placement.rendezvous(view);
                case RING -> Placement.ring(view, 1000);
                case MAGLEV -> Placement.maglev(view, 65_537);
            };
        }
    }

    private Fleets() {}

    /** {@code n} serving members of weight 1, with ids of random pod-like names. */
    static List<Member> members(SplittableRandom random, int n) {
        List<Member> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(Member.serving(id(random), "10.0." + (i / 250) + "." + (i % 250) + ":7070"));
        }
        return out;
    }

    /** A pod-like id: a service name and a random suffix. */
    static String id(SplittableRandom random) {
        return "svc-" + Long.toString(random.nextLong() >>> 1, 36);
    }

    /** {@code count} placement keys of page groups of random object versions (16 groups per version). */
    static long[] keys(SplittableRandom random, int count) {
        long[] keys = new long[count];
        String version = "";
        for (int i = 0; i < count; i++) {
            if (i % 16 == 0) {
                version = "bucket\0tables/t" + random.nextInt(1000) + "/part-" + random.nextLong() + ".parquet\0\""
                        + Long.toHexString(random.nextLong()) + "\"";
            }
            keys[i] = Placement.key(version, i % 16);
        }
        return keys;
    }

    /** The index in {@code members} of each key's owner. */
    static int[] owners(Placement p, List<Member> members, long[] keys) {
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < members.size(); i++) {
            index.put(members.get(i).id(), i);
        }
        int[] out = new int[keys.length];
        for (int k = 0; k < keys.length; k++) {
            out[k] = index.get(p.owner(keys[k]).id());
        }
        return out;
    }
}
