package io.tieredstore.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link TieredStore#readFullyIfLocal}: reads only what local tiers hold, fetches nothing, counts only success. */
class ReadIfLocalTest {
    private static final int PAGE = 4096;

    private final byte[] data = bytes();
    private final BytesOrigin origin = new BytesOrigin(data);
    private final MapTier fast = new MapTier("fast");
    private final MapTier slow = new MapTier("slow");
    private final TieredStore store = TieredStore.builder()
            .origin(origin)
            .pageSize(PAGE)
            .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
            .tier(fast)
            .tier(slow)
            .build();

    private static byte[] bytes() {
        byte[] b = new byte[4 * PAGE];
        new Random(9).nextBytes(b);
        return b;
    }

    @Test
    void aRangeNotAllHeldIsNotReadNotFetchedAndNotCounted() {
        ObjectVersion v = store.open("b", "k");
        store.readFully(v, PAGE, ByteBuffer.allocate(PAGE)); // page 1 only
        int fetches = origin.fetches();
        CacheStats before = store.stats();

        ByteBuffer dst = ByteBuffer.allocate(2 * PAGE);
        assertFalse(store.readFullyIfLocal(v, PAGE, dst)); // pages 1 and 2: page 2 is not held
        assertEquals(0, dst.position());
        assertEquals(fetches, origin.fetches());
        assertEquals(before.tier("fast"), store.stats().tier("fast"));
        assertEquals(before.tier("slow"), store.stats().tier("slow"));
    }

    @Test
    void aHeldRangeIsReadAndCountedOnceAsTheTiersHadIt() {
        ObjectVersion v = store.open("b", "k");
        store.readFully(v, 0, ByteBuffer.allocate(2 * PAGE));
        fast.invalidate(v.id()); // page 0 and 1 now only in the slow tier
        int fetches = origin.fetches();
        CacheStats before = store.stats();

        ByteBuffer dst = ByteBuffer.allocate(PAGE + 100);
        assertTrue(store.readFullyIfLocal(v, 50, dst));
        assertEquals(dst.limit(), dst.position());
        assertArrayEquals(Arrays.copyOfRange(data, 50, 50 + PAGE + 100), dst.array());
        assertEquals(fetches, origin.fetches());
        CacheStats after = store.stats();
        assertEquals(before.tier("fast").misses() + 2, after.tier("fast").misses());
        assertEquals(before.tier("slow").hits() + 2, after.tier("slow").hits());
        assertTrue(store.readFullyIfLocal(v, 50, dst.clear())); // copied up: now the fast tier's
        assertEquals(before.tier("fast").hits() + 2, store.stats().tier("fast").hits());
    }

    @Test
    void aRangeOutsideTheObjectIsRefused() {
        ObjectVersion v = store.open("b", "k");
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> store.readFullyIfLocal(v, 4L * PAGE - 1, ByteBuffer.allocate(2)));
    }
}
