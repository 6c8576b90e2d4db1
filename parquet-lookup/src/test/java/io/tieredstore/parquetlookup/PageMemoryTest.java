package io.tieredstore.parquetlookup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The allocator behind the decompressed-page cache: bounds, best fit, merging, and refusing bad frees. */
class PageMemoryTest {
    @Test
    void blocksAreTheRequestRoundedUpToFourKiB() {
        assertEquals(4096, PageMemory.blockSize(1));
        assertEquals(4096, PageMemory.blockSize(4096));
        assertEquals(8192, PageMemory.blockSize(4097));
        assertEquals(1 << 20, PageMemory.blockSize(1 << 20));
        assertEquals((1 << 20) + 4096, PageMemory.blockSize((1 << 20) + 1));
        PageMemory m = new PageMemory(1 << 20);
        PageMemory.Block b = given(m.allocate(5000));
        assertEquals(8192, b.size());
        assertEquals(0, b.buffer.position());
        assertEquals(8192, b.buffer.capacity());
        assertTrue(b.buffer.isDirect());
        assertEquals(8192, m.inUse());
    }

    @Test
    void usesTheWholeBoundArenaByArenaAndNeverMore() {
        long bound = (43L << 20) + 5000; // arenas of 16, 16 and 11 MiB + 4 KiB; 904 bytes go unused
        PageMemory m = new PageMemory(bound);
        assertEquals((43L << 20) + 4096, m.usable());
        int blocks = 0;
        for (PageMemory.Block b = m.allocate(1 << 20); b != null; b = m.allocate(1 << 20)) {
            blocks++;
            assertTrue(m.reserved() <= bound);
        }
        assertEquals(43, blocks);
        assertEquals((43L << 20) + 4096, m.reserved());
        assertNull(m.allocate(PageMemory.ARENA_BYTES + 1));
    }

    @Test
    void aLargeBlockFindsTheLargeArenaAndSmallOnesFillTheRest() {
        PageMemory m = new PageMemory(24L << 20); // 16 + 8 MiB
        PageMemory.Block big = given(m.allocate(12 << 20)); // cut from the 16 MiB arena, 4 MiB left free
        assertEquals(12 << 20, big.size());
        assertNotNull(m.allocate(4 << 20), "the tail is free");
        assertNull(m.allocate(9 << 20), "the 8 MiB arena cannot hold a 16 MiB block");
        assertNotNull(m.allocate(8 << 20));
        assertEquals(24L << 20, m.reserved());
        m.free(big);
        assertNull(m.allocate(16 << 20), "the tail is still given out");
    }

    @Test
    void freedNeighboursMergeBackIntoTheWholeArena() {
        PageMemory m = new PageMemory(64 << 10);
        List<PageMemory.Block> small = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            small.add(given(m.allocate(100)));
        }
        assertNull(m.allocate(1));
        for (int i = 15; i >= 0; i -= 2) { // every other one: no two free units side by side yet
            m.free(small.get(i));
        }
        assertNull(m.allocate(8 << 10), "no two free units side by side, so no 8 KiB block");
        for (int i = 0; i < 16; i += 2) {
            m.free(small.get(i));
        }
        assertEquals(0, m.inUse());
        assertNotNull(m.allocate(64 << 10), "all merged into the whole arena");
    }

    @Test
    void aDoubleFreeIsRefusedRatherThanLettingTwoPagesShareMemory() {
        PageMemory m = new PageMemory(1 << 20);
        PageMemory.Block b = given(m.allocate(4096));
        m.free(b);
        assertThrows(IllegalStateException.class, () -> m.free(b));
        PageMemory.Block foreign = given(new PageMemory(1 << 20).allocate(4096));
        assertThrows(IllegalStateException.class, () -> m.free(foreign));
    }

    @Test
    void theSmallestHoleThatFitsIsTakenSoLargeHolesStayWhole() {
        PageMemory m = new PageMemory(64 << 10);
        PageMemory.Block a = given(m.allocate(8 << 10)); // [0, 8)
        given(m.allocate(4 << 10)); // [8, 12)
        PageMemory.Block c = given(m.allocate(16 << 10)); // [12, 28)
        given(m.allocate(4 << 10)); // [28, 32); [32, 64) free
        m.free(a); // holes of 8 and 32 KiB
        m.free(c); // and of 16
        PageMemory.Block small = given(m.allocate(6 << 10));
        assertEquals(8 << 10, small.size());
        assertNotNull(m.allocate(16 << 10), "the 16 KiB hole is still whole");
        assertNotNull(m.allocate(32 << 10), "and so is the 32 KiB one");
        assertNull(m.allocate(1));
    }

    @Test
    void closedMemoryGivesNothingAndIgnoresLateFrees() {
        PageMemory m = new PageMemory(1 << 20);
        PageMemory.Block b = given(m.allocate(4096));
        m.close();
        m.free(b);
        assertNull(m.allocate(4096));
        assertEquals(0, m.reserved());
    }

    @Test
    void randomUseNeverHandsOutOverlappingBlocks() {
        PageMemory m = new PageMemory(3L << 20); // one arena of 3 MiB
        Random random = new Random(42);
        List<PageMemory.Block> live = new ArrayList<>();
        List<Long> stamps = new ArrayList<>(); // Long: remove(int) stays an index
        long expectedInUse = 0;
        int refused = 0;
        for (int step = 0; step < 20_000; step++) {
            if (!live.isEmpty() && (random.nextInt(3) == 0 || live.size() > 200)) {
                int i = random.nextInt(live.size());
                PageMemory.Block b = live.remove(i);
                long stamp = stamps.remove(i);
                for (int at = 0; at < b.size(); at += 8) {
                    assertEquals(stamp, b.buffer.getLong(at), "block overwritten by another");
                }
                expectedInUse -= b.size();
                m.free(b);
            } else {
                int bytes = 1 + random.nextInt(random.nextBoolean() ? 8 << 10 : 256 << 10);
                PageMemory.Block b = m.allocate(bytes);
                if (b == null) {
                    assertTrue(expectedInUse > 0, "an empty memory never refuses a block that fits");
                    refused++;
                    continue;
                }
                assertEquals(PageMemory.blockSize(bytes), b.size());
                for (int at = 0; at < b.size(); at += 8) {
                    b.buffer.putLong(at, step);
                }
                live.add(b);
                stamps.add((long) step);
                expectedInUse += b.size();
            }
            assertEquals(expectedInUse, m.inUse());
            assertTrue(m.reserved() <= 3L << 20);
        }
        assertTrue(refused > 0, "the run filled the memory at times");
        live.forEach(m::free);
        assertEquals(0, m.inUse());
        assertNotNull(m.allocate(2 << 20), "everything merged back");
    }

    /** The block, which must have been given. */
    private static PageMemory.Block given(PageMemory.@Nullable Block b) {
        assertNotNull(b);
        return Objects.requireNonNull(b);
    }
}
