package io.tieredstore.hashing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Placement is the same on every JVM and in every version: the hashes are the documented ones (checked against
 * a second implementation of MurmurHash3), and owners of fixed keys over a fixed fleet are known answers, so a
 * change that would move page groups between versions fails here first.
 */
final class PlacementDeterminismTest {
    @Test
    void bytesHashAsGuavasMurmur3OfSeedZero() {
        SplittableRandom random = new SplittableRandom(3);
        for (int length = 0; length <= 200; length++) {
            byte[] b = new byte[length];
            for (int i = 0; i < length; i++) {
                b[i] = (byte) random.nextInt();
            }
            assertEquals(Hashing.murmur3_128(0).hashBytes(b).asLong(), Hash64.of(b), "length " + length);
        }
    }

    @Test
    void aKeyIsTheHashOfTheVersionThenTheGroupBigEndian() {
        String version = "bucket\0tables/t/part-0.parquet\0\"9b2cf535f27731c974343645a3985328\"";
        for (long group : new long[] {0, 1, 255, 1L << 40, -1}) {
            byte[] name = version.getBytes(StandardCharsets.UTF_8);
            byte[] bytes = ByteBuffer.allocate(name.length + 8)
                    .put(name)
                    .putLong(group)
                    .array();
            assertEquals(Hashing.murmur3_128(0).hashBytes(bytes).asLong(), Placement.key(version, group));
        }
    }

    @Test
    void ownersOfFixedKeysOverAFixedFleetAreKnownAnswers() {
        List<Member> fleet = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fleet.add(new Member("cache-" + i, "10.0.0." + i + ":7070", i < 5 ? 1 : 2, Member.State.SERVING));
        }
        MembershipView view = new MembershipView(7, fleet);
        assertArrayEquals(RENDEZVOUS, owners(Placement.rendezvous(view)));
        assertArrayEquals(RING, owners(Placement.ring(view, 100)));
        assertArrayEquals(MAGLEV, owners(Placement.maglev(view, 1009)));
    }

    // owners (the n of "cache-n") of page groups 0..15 of one version, as this library has placed them since 0.1.0
    private static final int[] RENDEZVOUS = {8, 6, 5, 3, 7, 9, 3, 5, 9, 6, 5, 7, 4, 7, 7, 1};
    private static final int[] RING = {8, 9, 5, 7, 8, 4, 9, 7, 8, 2, 3, 0, 6, 5, 0, 2};
    private static final int[] MAGLEV = {8, 7, 7, 5, 1, 9, 6, 0, 4, 8, 3, 3, 0, 6, 5, 3};

    private static int[] owners(Placement p) {
        int[] out = new int[16];
        for (int g = 0; g < out.length; g++) {
            out[g] = Integer.parseInt(
                    p.owner(Placement.key("bucket\0key\0\"etag\"", g)).id().substring(6));
        }
        return out;
    }
}
