package io.tieredstore.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Tier} SPI contract, for any implementation: extend it and implement {@link #newTier}. Every
 * tier made by {@link #tier} is closed after the test. Shared with the tiers of other modules through
 * core's test jar.
 */
public abstract class TierContractTest {
    /** The page size most tests use. */
    public static final int PAGE_SIZE = 4096;

    private final List<Tier> opened = new ArrayList<>();

    /** A new, empty tier that holds at least {@code capacityBytes / pageSize} pages of up to {@code pageSize}. */
    protected abstract Tier newTier(long capacityBytes, int pageSize);

    /** A new tier, closed after the test. */
    protected final Tier tier(long capacityBytes, int pageSize) {
        final Tier tier = newTier(capacityBytes, pageSize);
        opened.add(tier);
        return tier;
    }

    @AfterEach
    final void closeTiers() {
        opened.forEach(Tier::close);
    }

    /* --------------- Helpers --------------- */

    public static PageKey key(String object, String version, long index) {
        return new PageKey(new ObjectId("s3", "bucket", object), version, index);
    }

    /** Deterministic page content: a function of the key and the byte's index only. */
    public static byte[] content(PageKey key, int length) {
        final byte[] bytes = new byte[length];
        long state = key.hashCode() * 0x9E3779B97F4A7C15L + key.index();
        for (int i = 0; i < length; i++) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            bytes[i] = (byte) (state >>> 56);
        }
        return bytes;
    }

    public static ByteBuffer page(PageKey key, int length) {
        return ByteBuffer.wrap(content(key, length));
    }

    public static byte[] readAll(Tier tier, PageKey key, int length) {
        final ByteBuffer dst = ByteBuffer.allocate(length);
        assertTrue(tier.read(key, 0, dst), () -> "expected a hit for " + key);
        assertEquals(length, dst.position());
        return dst.array();
    }

    public static void assertHolds(Tier tier, PageKey key, byte[] expected) {
        assertArrayEquals(expected, readAll(tier, key, expected.length), () -> "bytes of " + key);
    }

    public static void assertMiss(Tier tier, PageKey key) {
        assertFalse(tier.read(key, 0, ByteBuffer.allocate(1)), () -> "expected a miss for " + key);
    }

    /* --------------- Read and write --------------- */

    @Test
    public void read_afterWrite_returnsExactBytesForAnyOffsetAndLength() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        final PageKey key = key("a", "v1", 3);
        final byte[] expected = content(key, PAGE_SIZE - 7);
        assertTrue(tier.write(key, ByteBuffer.wrap(expected)).stored());

        final int length = expected.length;
        final int[][] ranges = {
            {0, length},
            {0, 1},
            {length - 1, 1},
            {1, length - 2},
            {100, 0},
            {length, 0},
            {511, 1024},
            {4000, length - 4000}
        };
        for (int[] range : ranges) {
            for (boolean direct : new boolean[] {false, true}) {
                final int offset = range[0];
                final int count = range[1];
                // dst has a prefix and a suffix that the read must not touch.
                final ByteBuffer dst = direct ? ByteBuffer.allocateDirect(count + 10) : ByteBuffer.allocate(count + 10);
                for (int i = 0; i < dst.capacity(); i++) {
                    dst.put(i, (byte) 0x5A);
                }
                dst.position(4).limit(4 + count);
                assertTrue(tier.read(key, offset, dst), () -> "read " + offset + "+" + count);
                assertEquals(4 + count, dst.position());
                assertEquals(4 + count, dst.limit());
                final ByteBuffer all = dst.duplicate().clear();
                for (int i = 0; i < count; i++) {
                    assertEquals(expected[offset + i], all.get(4 + i), "byte " + (offset + i));
                }
                for (int i : new int[] {0, 1, 2, 3}) {
                    assertEquals((byte) 0x5A, all.get(i));
                    assertEquals((byte) 0x5A, all.get(all.capacity() - 1 - i));
                }
            }
        }
    }

    @Test
    public void read_miss_returnsFalse() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        final PageKey held = key("a", "v1", 0);
        assertTrue(tier.write(held, page(held, 100)).stored());
        for (PageKey missing : List.of(key("a", "v1", 1), key("a", "v2", 0), key("b", "v1", 0))) {
            assertFalse(tier.read(missing, 0, ByteBuffer.allocate(32)), () -> "miss for " + missing);
        }
        assertHolds(tier, held, content(held, 100));
    }

    @Test
    public void write_twoVersionsOfOneObject_areDistinctPages() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        final PageKey v1 = key("a", "v1", 0);
        final PageKey v2 = key("a", "v2", 0);
        assertTrue(tier.write(v1, page(v1, 1000)).stored());
        assertTrue(tier.write(v2, page(v2, 900)).stored());
        assertHolds(tier, v1, content(v1, 1000));
        assertHolds(tier, v2, content(v2, 900));
    }

    @Test
    public void write_doesNotKeepOrModifyCallersBuffer() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        for (boolean direct : new boolean[] {false, true}) {
            final PageKey key = key(direct ? "direct" : "heap", "v1", 0);
            final byte[] expected = content(key, 300);
            final ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(320) : ByteBuffer.allocate(320);
            buffer.position(10);
            buffer.put(expected);
            buffer.position(10).limit(310);

            assertTrue(tier.write(key, buffer).stored());
            assertEquals(10, buffer.position());
            assertEquals(310, buffer.limit());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], buffer.get(10 + i));
            }

            final ByteBuffer all = buffer.duplicate().clear();
            for (int i = 0; i < all.capacity(); i++) {
                all.put(i, (byte) ~all.get(i));
            }
            assertHolds(tier, key, expected);
        }
        final PageKey readOnly = key("read-only", "v1", 0);
        assertTrue(tier.write(readOnly, page(readOnly, 50).asReadOnlyBuffer()).stored());
        assertHolds(tier, readOnly, content(readOnly, 50));
    }

    @Test
    public void write_overwrite_readsOneCompletePage() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        final PageKey key = key("a", "v1", 0);
        final byte[] first = content(key("first", "v1", 0), 700);
        final byte[] second = content(key("second", "v1", 0), 700);
        assertTrue(tier.write(key, ByteBuffer.wrap(first)).stored());
        final boolean stored = tier.write(key, ByteBuffer.wrap(second)).stored();
        final byte[] read = readAll(tier, key, 700);
        assertArrayEquals(stored ? second : first, read);
    }

    @Test
    public void write_manyMorePagesThanCapacity_everyHitHasTheRightBytes() {
        final int pages = 8;
        final Tier tier = tier((long) pages * PAGE_SIZE, PAGE_SIZE);
        final List<PageKey> keys = new ArrayList<>();
        int stored = 0;
        for (int i = 0; i < 10 * pages; i++) {
            final PageKey key = key("o" + (i % 7), "v" + (i % 3), i);
            keys.add(key);
            if (tier.write(key, page(key, 1 + (i * 37) % PAGE_SIZE)).stored()) {
                stored++;
            }
        }
        int hits = 0;
        long hitBytes = 0;
        for (int i = 0; i < keys.size(); i++) {
            final PageKey key = keys.get(i);
            final int length = 1 + (i * 37) % PAGE_SIZE;
            final ByteBuffer dst = ByteBuffer.allocate(length);
            if (tier.read(key, 0, dst)) {
                hits++;
                hitBytes += length;
                assertArrayEquals(content(key, length), dst.array(), () -> "bytes of " + key);
            } else {
                assertEquals(0, dst.position());
            }
        }
        assertTrue(stored > 0, "some writes were stored");
        assertTrue(hits > 0, "some pages are held");
        assertTrue(hitBytes <= (long) pages * PAGE_SIZE, "held bytes within capacity: " + hitBytes);
        assertTrue(tier.usedBytes() <= (long) pages * PAGE_SIZE, "usedBytes within capacity: " + tier.usedBytes());
    }

    @Test
    public void read_miss_leavesTheDestinationUntouched() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        final PageKey held = key("a", "v1", 0);
        assertTrue(tier.write(held, page(held, 200)).stored());
        for (boolean direct : new boolean[] {false, true}) {
            final ByteBuffer dst = direct ? ByteBuffer.allocateDirect(64) : ByteBuffer.allocate(64);
            for (int i = 0; i < dst.capacity(); i++) {
                dst.put(i, (byte) 0x3C);
            }
            dst.position(5).limit(37);
            assertFalse(tier.read(key("a", "v1", 1), 0, dst));
            assertFalse(tier.read(key("a", "v2", 0), 3, dst));
            assertEquals(5, dst.position(), "position after a miss");
            assertEquals(37, dst.limit(), "limit after a miss");
            final ByteBuffer all = dst.duplicate().clear();
            for (int i = 0; i < all.capacity(); i++) {
                assertEquals((byte) 0x3C, all.get(i), "byte " + i + " after a miss");
            }
        }
    }

    @Test
    public void pageSize_isTheOneTheTierWasBuiltFor_andLargerPagesAreRefused() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        if (tier.pageSize().isEmpty()) {
            final PageKey key = key("any", "v1", 0);
            assertTrue(tier.write(key, page(key, 3 * PAGE_SIZE)).stored(), "a tier of any page size holds any page");
            assertHolds(tier, key, content(key, 3 * PAGE_SIZE));
            return;
        }
        assertEquals(PAGE_SIZE, tier.pageSize().getAsInt());
        final PageKey key = key("large", "v1", 0);
        assertThrows(IllegalArgumentException.class, () -> tier.write(key, page(key, PAGE_SIZE + 1)));
        assertMiss(tier, key);
        final PageKey full = key("full", "v1", 0);
        assertTrue(tier.write(full, page(full, PAGE_SIZE)).stored());
        assertHolds(tier, full, content(full, PAGE_SIZE));
    }

    @Test
    public void write_afterClose_isDeclinedAsClosed() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        tier.close();
        final PageKey key = key("a", "v1", 0);
        try {
            assertEquals(Tier.WriteOutcome.CLOSED, tier.write(key, page(key, 100)));
        } catch (IllegalStateException expected) {
            assertNotNull(expected.getMessage());
        }
    }

    @Test
    public void faultCounts_areNamedAndNeverNegative() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        final PageKey key = key("a", "v1", 0);
        assertTrue(tier.write(key, page(key, 100)).stored());
        assertHolds(tier, key, content(key, 100));
        tier.faultCounts().forEach((cause, count) -> {
            assertFalse(cause.isBlank(), "a cause has a name");
            assertEquals(cause.toLowerCase(Locale.ROOT), cause, "causes are lower case");
            assertEquals(0, count, () -> cause + " after a clean write and read");
        });
    }

    /* --------------- Invalidate --------------- */

    @Test
    public void invalidate_dropsEveryVersionOfThatObjectOnly() {
        final Tier tier = tier(32L * PAGE_SIZE, PAGE_SIZE);
        final ObjectId target = new ObjectId("s3", "bucket", "a");
        final List<PageKey> dropped = new ArrayList<>();
        final List<PageKey> kept = new ArrayList<>();
        for (String version : List.of("v1", "v2")) {
            for (long index = 0; index < 3; index++) {
                dropped.add(new PageKey(target, version, index));
                kept.add(new PageKey(new ObjectId("s3", "bucket", "b"), version, index));
                kept.add(new PageKey(new ObjectId("s3", "other-bucket", "a"), version, index));
                kept.add(new PageKey(new ObjectId("other-origin", "bucket", "a"), version, index));
            }
        }
        for (PageKey key : dropped) {
            assertTrue(tier.write(key, page(key, 512)).stored());
        }
        for (PageKey key : kept) {
            assertTrue(tier.write(key, page(key, 512)).stored());
        }
        final long usedBefore = tier.usedBytes();

        tier.invalidate(target);

        dropped.forEach(key -> assertMiss(tier, key));
        kept.forEach(key -> assertHolds(tier, key, content(key, 512)));
        assertEquals(usedBefore - 512L * dropped.size(), tier.usedBytes());
        tier.invalidate(new ObjectId("s3", "bucket", "never-written"));
        kept.forEach(key -> assertHolds(tier, key, content(key, 512)));
    }

    /* --------------- Accounting and close --------------- */

    @Test
    public void usedBytes_reflectsTheLengthsOfPagesHeld() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        assertEquals(0, tier.usedBytes());
        final PageKey a = key("a", "v1", 0);
        final PageKey b = key("b", "v1", 0);
        assertTrue(tier.write(a, page(a, PAGE_SIZE)).stored());
        assertTrue(tier.write(b, page(b, 123)).stored());
        assertEquals(PAGE_SIZE + 123, tier.usedBytes());
        assertTrue(tier.write(b, page(b, 123)).stored());
        assertEquals(PAGE_SIZE + 123, tier.usedBytes(), "overwriting a page does not count it twice");
        tier.invalidate(a.id());
        assertEquals(123, tier.usedBytes());
        tier.invalidate(b.id());
        assertEquals(0, tier.usedBytes());
        assertEquals(0, tier.evictionCount());
    }

    @Test
    public void close_laterReadsNeverHit() {
        final Tier tier = tier(16L * PAGE_SIZE, PAGE_SIZE);
        final PageKey key = key("a", "v1", 0);
        assertTrue(tier.write(key, page(key, 100)).stored());
        tier.close();
        final ByteBuffer dst = ByteBuffer.allocate(100);
        try {
            assertFalse(tier.read(key, 0, dst));
            assertEquals(0, dst.position());
        } catch (IllegalStateException expected) {
            assertNotNull(expected.getMessage());
        }
        try {
            tier.write(key, page(key, 100));
            assertFalse(tier.read(key, 0, dst), "a write after close is not readable");
        } catch (IllegalStateException expected) {
            assertNotNull(expected.getMessage());
        }
        try {
            tier.close();
        } catch (RuntimeException e) {
            fail("close is idempotent", e);
        }
    }
}
