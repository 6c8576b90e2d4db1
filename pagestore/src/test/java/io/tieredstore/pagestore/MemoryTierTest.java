package io.tieredstore.pagestore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.PageKey;
import io.tieredstore.core.Tier;
import io.tieredstore.core.TierContractTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The memory tier: the SPI contract plus its budget, eviction, builder and read-safety protocol. */
final class MemoryTierTest extends TierContractTest {

    @Override
    protected Tier newTier(long capacityBytes, int pageSize) {
        return MemoryTier.builder().capacity(capacityBytes).pageSize(pageSize).build();
    }

    private MemoryTier memoryTier(long capacityBytes, int pageSize) {
        return (MemoryTier) tier(capacityBytes, pageSize);
    }

    /* --------------- Builder --------------- */

    @Test
    void builder_rejectsBadValuesWithMessages() {
        assertEquals(
                "capacity must be positive: 0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> MemoryTier.builder().capacity(0))
                        .getMessage());
        assertEquals(
                "capacity must be positive: -5",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> MemoryTier.builder().capacity(-5))
                        .getMessage());
        assertEquals(
                "page size must be positive: 0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> MemoryTier.builder().pageSize(0))
                        .getMessage());
    }

    @Test
    void builder_rejectsSettingTwice() {
        assertEquals(
                "capacity was already set to 100",
                assertThrows(
                                IllegalStateException.class,
                                () -> MemoryTier.builder().capacity(100).capacity(200))
                        .getMessage());
        assertEquals(
                "page size was already set to 10",
                assertThrows(
                                IllegalStateException.class,
                                () -> MemoryTier.builder().pageSize(10).pageSize(20))
                        .getMessage());
        final MemoryTier.Builder builder = MemoryTier.builder().executor(Runnable::run);
        assertThrows(IllegalStateException.class, () -> builder.executor(Runnable::run));
    }

    @Test
    void build_checksTheCombination() {
        assertEquals(
                "capacity (1023 bytes) must hold at least two pages of 512 bytes",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> MemoryTier.builder()
                                        .capacity(1023)
                                        .pageSize(512)
                                        .build())
                        .getMessage());
        assertEquals(
                "capacity (1000 bytes) must hold at least two pages of 65536 bytes",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> MemoryTier.builder().capacity(1000).build())
                        .getMessage());
        final IllegalArgumentException tooMany = assertThrows(
                IllegalArgumentException.class,
                () -> MemoryTier.builder().capacity(1L << 40).pageSize(1).build());
        assertTrue(String.valueOf(tooMany.getMessage()).contains("too many pages"), tooMany.getMessage());
    }

    @Test
    void build_defaultsAndReuse() {
        final MemoryTier.Builder builder = MemoryTier.builder();
        try (MemoryTier first = builder.build();
                MemoryTier second = builder.build()) {
            assertNotSame(first, second);
            assertEquals("memory", first.name());
            assertEquals(MemoryTier.Builder.DEFAULT_PAGE_SIZE, first.slab().slotSize());
            assertEquals(
                    MemoryTier.Builder.DEFAULT_CAPACITY / MemoryTier.Builder.DEFAULT_PAGE_SIZE,
                    first.slab().maxSlots());
            final PageKey key = key("a", "v1", 0);
            assertTrue(first.write(key, page(key, MemoryTier.Builder.DEFAULT_PAGE_SIZE))
                    .stored());
            assertMiss(second, key);
            assertEquals(0, second.slab().reservedBytes(), "arenas are reserved on demand");
        }
    }

    @Test
    void write_pageLargerThanPageSize_isRejected() {
        final MemoryTier tier = memoryTier(8L * PAGE_SIZE, PAGE_SIZE);
        final PageKey key = key("a", "v1", 0);
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> tier.write(key, page(key, PAGE_SIZE + 1)));
        assertEquals("page of 4097 bytes exceeds the page size 4096", e.getMessage());
        assertEquals(0, tier.usedBytes());
        assertEquals(0, tier.slab().allocatedSlots());
    }

    /** Stronger than the SPI, which leaves dst's content unspecified on a miss. */
    @Test
    void read_miss_leavesDstUntouched() {
        final MemoryTier tier = memoryTier(16L * PAGE_SIZE, PAGE_SIZE);
        assertTrue(tier.write(key("a", "v1", 0), page(key("a", "v1", 0), 100)).stored());
        final ByteBuffer dst = ByteBuffer.allocate(64);
        for (int i = 0; i < dst.capacity(); i++) {
            dst.put(i, (byte) i);
        }
        dst.position(8).limit(40);
        for (PageKey missing : List.of(key("a", "v1", 1), key("a", "v2", 0), key("b", "v1", 0))) {
            assertFalse(tier.read(missing, 0, dst));
            assertEquals(8, dst.position());
            assertEquals(40, dst.limit());
            final ByteBuffer all = dst.duplicate().clear();
            for (int i = 0; i < all.capacity(); i++) {
                assertEquals((byte) i, all.get(i));
            }
        }
    }

    @Test
    void read_pastThePageEnd_throwsAndLeavesDstUntouched() {
        final MemoryTier tier = memoryTier(8L * PAGE_SIZE, PAGE_SIZE);
        final PageKey key = key("a", "v1", 0);
        assertTrue(tier.write(key, page(key, 100)).stored());
        final ByteBuffer dst = ByteBuffer.allocate(10);
        assertThrows(IndexOutOfBoundsException.class, () -> tier.read(key, 95, dst));
        assertThrows(IndexOutOfBoundsException.class, () -> tier.read(key, -1, dst));
        assertEquals(0, dst.position());
        assertEquals(0, dst.get(0));
        assertTrue(tier.read(key, 90, dst));
    }

    /* --------------- Budget and eviction --------------- */

    @Test
    void evictionCount_countsPagesEvictedToMakeRoom() {
        final int slots = 16;
        final MemoryTier tier = memoryTier((long) slots * PAGE_SIZE, PAGE_SIZE);
        final int indexable = slots - MemoryTier.spareSlots(slots);
        for (int i = 0; i < indexable; i++) {
            final PageKey key = key("a", "v1", i);
            assertTrue(tier.write(key, page(key, PAGE_SIZE)).stored());
        }
        assertEquals(0, tier.evictionCount());
        assertEquals(indexable, tier.indexedPages());

        final int extra = 40;
        for (int i = 0; i < extra; i++) {
            final PageKey key = key("b", "v1", i);
            tier.write(key, page(key, PAGE_SIZE));
        }
        assertEquals(indexable, tier.indexedPages());
        assertEquals(extra, tier.evictionCount(), "each distinct page beyond the bound evicts exactly one");
        assertEquals((long) indexable * PAGE_SIZE, tier.usedBytes());
        assertEquals(indexable, tier.slab().allocatedSlots(), "evicted pages gave their slots back");
        assertTrue(tier.slab().reservedBytes() <= (long) slots * PAGE_SIZE);
    }

    @Test
    void budget_randomSkewedWorkload_neverExceedsCapacity() {
        final int pageSize = 1024;
        final long capacity = 40L * pageSize + 1000; // not a multiple of the page size
        final MemoryTier tier = memoryTier(capacity, pageSize);
        final Random random = new Random(42);
        final Map<PageKey, Integer> lengths = new HashMap<>();
        long lastEvictions = 0;
        int hits = 0;
        for (int step = 1; step <= 20_000; step++) {
            final double u = random.nextDouble();
            final int rank = (int) (400 * u * u * u); // skewed: low ranks are hot
            final PageKey key = key("o" + rank % 13, "v" + rank % 2, rank);
            final int length = lengths.computeIfAbsent(key, k -> random.nextInt(pageSize + 1));
            if (random.nextInt(3) == 0) {
                tier.write(key, page(key, length));
            } else {
                final ByteBuffer dst = ByteBuffer.allocate(length);
                if (tier.read(key, 0, dst)) {
                    hits++;
                    assertArrayEquals(content(key, length), dst.array());
                }
            }
            if (step % 97 == 0) {
                tier.invalidate(key("o" + random.nextInt(13), "v0", 0).id());
            }
            assertTrue(tier.usedBytes() <= capacity, "usedBytes within capacity");
            assertTrue(tier.slab().reservedBytes() <= capacity, "reserved off-heap bytes within capacity");
            if (step % 1000 == 0) {
                tier.cleanUp();
                long held = 0;
                int indexed = 0;
                for (Map.Entry<PageKey, Integer> e : lengths.entrySet()) {
                    final PageEntry entry = tier.peek(e.getKey());
                    if (entry != null) {
                        assertEquals(e.getValue(), entry.length());
                        held += entry.length();
                        indexed++;
                    }
                }
                assertEquals(held, tier.usedBytes(), "usedBytes is the sum of the held pages' lengths");
                assertEquals(indexed, tier.slab().allocatedSlots(), "no slot leaked");
                assertTrue(tier.evictionCount() > lastEvictions, "evictions grow at step " + step);
                lastEvictions = tier.evictionCount();
            }
        }
        assertTrue(hits > 1000, "hits: " + hits);
    }

    /* --------------- Read safety: a reader racing eviction or invalidation --------------- */

    @Test
    void pinnedPage_slotIsNotRecycledUntilTheReaderReleases() {
        final int slots = 32; // two spare slots: the reader holds one, writes go through the other
        final MemoryTier tier = memoryTier((long) slots * PAGE_SIZE, PAGE_SIZE);
        final PageKey pinnedKey = key("pinned", "v1", 0);
        final byte[] pinnedBytes = content(pinnedKey, 3000);
        assertTrue(tier.write(pinnedKey, ByteBuffer.wrap(pinnedBytes)).stored());

        // A reader has looked the page up and acquired it: the state inside read() before its copy.
        final PageEntry reader = tier.peek(pinnedKey);
        assertNotNull(reader);
        assertTrue(reader.tryAcquire());
        final int pinnedSlot = reader.slot();

        tier.invalidate(pinnedKey.id());
        assertNull(tier.peek(pinnedKey));
        assertMiss(tier, pinnedKey);
        assertTrue(tier.slab().isAllocated(pinnedSlot), "the reader still holds the slot");
        assertEquals(3000, tier.usedBytes());

        // Churn through many pages, so every other slot is recycled several times.
        final Set<Integer> slotsUsed = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            final PageKey key = key("churn", "v1", i);
            if (tier.write(key, page(key, PAGE_SIZE)).stored()) {
                final PageEntry entry = tier.peek(key);
                if (entry != null) {
                    slotsUsed.add(entry.slot());
                }
            }
        }
        assertTrue(tier.evictionCount() > 0);
        assertFalse(slotsUsed.contains(pinnedSlot), "a held slot was handed out again");
        assertTrue(slotsUsed.size() >= slots - MemoryTier.spareSlots(slots) - 1, "other slots were recycled");

        final ByteBuffer copy = ByteBuffer.allocate(pinnedBytes.length);
        reader.copyTo(0, copy);
        assertArrayEquals(pinnedBytes, copy.array(), "the held slot still has the pinned page's bytes");

        reader.release();
        assertFalse(tier.slab().isAllocated(pinnedSlot), "the last release frees the slot");
        assertFalse(reader.tryAcquire(), "a freed entry can never be acquired again");

        // The freed slot is used again.
        boolean reused = false;
        for (int i = 0; i < 200 && !reused; i++) {
            final PageKey key = key("after", "v1", i);
            if (tier.write(key, page(key, 10)).stored()) {
                final PageEntry entry = tier.peek(key);
                reused = entry != null && entry.slot() == pinnedSlot;
            }
        }
        assertTrue(reused, "the released slot is recycled");
    }

    @Test
    void pinnedPage_survivesSizeEviction() {
        final int slots = 8;
        final MemoryTier tier = memoryTier((long) slots * PAGE_SIZE, PAGE_SIZE);
        final PageKey pinnedKey = key("pinned", "v1", 0);
        final byte[] pinnedBytes = content(pinnedKey, PAGE_SIZE);
        assertTrue(tier.write(pinnedKey, ByteBuffer.wrap(pinnedBytes)).stored());
        final PageEntry reader = tier.peek(pinnedKey);
        assertNotNull(reader);
        assertTrue(reader.tryAcquire());

        for (int i = 0; tier.peek(pinnedKey) != null && i < 1000; i++) {
            final PageKey key = key("churn", "v1", i % 40);
            tier.write(key, page(key, PAGE_SIZE));
            tier.read(key, 0, ByteBuffer.allocate(1)); // raise the churn pages' frequency above the pinned one's
        }
        assertNull(tier.peek(pinnedKey), "the pinned page was evicted from the index");
        assertTrue(reader.slot() >= 0 && tier.slab().isAllocated(reader.slot()));
        final ByteBuffer copy = ByteBuffer.allocate(PAGE_SIZE);
        reader.copyTo(0, copy);
        assertArrayEquals(pinnedBytes, copy.array());
        reader.release();
        assertFalse(tier.slab().isAllocated(reader.slot()));
    }

    @Test
    void readerThatLosesTheRace_reportsAMissEvenWhenTheSlotHoldsAnotherPage() {
        final MemoryTier tier = memoryTier(8L * PAGE_SIZE, PAGE_SIZE);
        final PageKey oldKey = key("old", "v1", 0);
        assertTrue(tier.write(oldKey, page(oldKey, 500)).stored());
        // A reader's lookup returned this entry; before it acquires, the page is invalidated.
        final PageEntry stale = tier.peek(oldKey);
        assertNotNull(stale);
        tier.invalidate(oldKey.id());
        assertFalse(stale.isLive());
        assertFalse(tier.slab().isAllocated(stale.slot()));

        final PageKey newKey = key("new", "v1", 0);
        assertTrue(tier.write(newKey, page(newKey, 500)).stored());
        final PageEntry fresh = tier.peek(newKey);
        assertNotNull(fresh);
        assertEquals(stale.slot(), fresh.slot(), "the freed slot was recycled for another page");

        assertFalse(stale.tryAcquire(), "the stale entry cannot reach the recycled slot");
        assertHolds(tier, newKey, content(newKey, 500));
        assertMiss(tier, oldKey);
    }

    @Test
    void write_allSpareSlotsHeldByReaders_declinesWithoutBlocking() {
        final int slots = 4; // one spare slot
        assertEquals(1, MemoryTier.spareSlots(slots));
        final MemoryTier tier = memoryTier((long) slots * PAGE_SIZE, PAGE_SIZE);
        final List<PageEntry> readers = new ArrayList<>();
        for (int i = 0; i < slots - 1; i++) {
            final PageKey key = key("held", "v1", i);
            assertTrue(tier.write(key, page(key, 100)).stored());
            final PageEntry entry = tier.peek(key);
            assertNotNull(entry);
            assertTrue(entry.tryAcquire());
            readers.add(entry);
        }
        tier.invalidate(key("held", "v1", 0).id());
        assertEquals(slots - 1, tier.slab().allocatedSlots(), "removed but held by readers");

        final PageKey first = key("new", "v1", 0);
        final PageKey second = key("new", "v1", 1);
        assertTrue(tier.write(first, page(first, 100)).stored(), "the free slot is used");
        assertFalse(tier.write(second, page(second, 100)).stored(), "no slot left: declined");
        assertMiss(tier, second);
        assertHolds(tier, first, content(first, 100));

        readers.forEach(PageEntry::release);
        assertTrue(tier.write(second, page(second, 100)).stored());
        assertHolds(tier, second, content(second, 100));
        assertNotEquals(0, tier.usedBytes());
    }

    @Test
    void close_dropsEverythingAndIsSafeForAHeldReader() {
        final MemoryTier tier = memoryTier(8L * PAGE_SIZE, PAGE_SIZE);
        final PageKey key = key("a", "v1", 0);
        final byte[] bytes = content(key, 1000);
        assertTrue(tier.write(key, ByteBuffer.wrap(bytes)).stored());
        final PageEntry reader = tier.peek(key);
        assertNotNull(reader);
        assertTrue(reader.tryAcquire());

        tier.close();
        assertEquals(0, tier.usedBytes());
        assertEquals(0, tier.slab().reservedBytes());
        assertFalse(tier.read(key, 0, ByteBuffer.allocate(10)));
        assertFalse(tier.write(key, ByteBuffer.wrap(bytes)).stored());

        final ByteBuffer copy = ByteBuffer.allocate(1000);
        reader.copyTo(0, copy);
        assertArrayEquals(bytes, copy.array(), "a reader in flight during close still copies its page");
        reader.release();
    }
}
