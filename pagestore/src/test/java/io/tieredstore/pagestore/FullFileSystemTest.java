package io.tieredstore.pagestore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.PageKey;
import io.tieredstore.core.TierContractTest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full file system is a capacity condition, not a device fault: on a real 32 MiB tmpfs the store
 * reclaims, then declines, never disables itself, keeps serving what it holds and writes again once
 * space is free. The ticker stands still, so any fault counted would fall in one error window.
 */
class FullFileSystemTest {
    private static final int PAGE = TierContractTest.PAGE_SIZE;
    private static final int MIB = 1 << 20;

    @TempDir
    Path root;

    private final AtomicLong now = new AtomicLong();

    private LocalPageStore open(Path dir, long capacity) {
        return LocalPageStore.builder()
                .directories(List.of(dir))
                .capacity(capacity)
                .pageSize(PAGE)
                .regionSize(MIB)
                .ticker(now::get)
                .recoveryExecutor(Runnable::run)
                .build();
    }

    /** Offers {@code count} pages, each again if declined (admission may decline a first offer); returns the stored. */
    private static List<PageKey> write(LocalPageStore store, String object, int count) {
        final List<PageKey> stored = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final PageKey key = TierContractTest.key(object + (i % 16), "v1", i);
            for (int offer = 0; offer < 2; offer++) {
                if (store.write(key, TierContractTest.page(key, PAGE)).stored()) {
                    stored.add(key);
                    break;
                }
            }
        }
        return stored;
    }

    private static int hits(LocalPageStore store, List<PageKey> keys) {
        int hits = 0;
        for (PageKey key : keys) {
            final ByteBuffer dst = ByteBuffer.allocate(PAGE);
            if (store.read(key, 0, dst)) {
                assertArrayEquals(TierContractTest.content(key, PAGE), dst.array(), "wrong bytes for " + key);
                hits++;
            }
        }
        return hits;
    }

    @Test
    void fillingFileSystem_reclaimsAndNeverDisablesTheTier_readsHit_andTheStoreGrowsAgainWhenSpaceIsFree()
            throws Exception {
        try (Tmpfs fs = Tmpfs.mount(root.resolve("fs"), 32)) {
            try (LocalPageStore store = open(fs.dir.resolve("cache"), 64L * MIB)) {
                final long effectiveAtOpen = store.effectiveCapacity();
                assertTrue(effectiveAtOpen <= 32L * MIB, "quota lowered to the file system: " + store);
                assertEquals(
                        4 * MIB / PAGE, write(store, "early", 4 * MIB / PAGE).size());
                final Path other = fs.dir.resolve("other-data");
                final long otherBytes = fs.fillUp(other);
                assertTrue(otherBytes > 20L * MIB, "other data fills the rest: " + otherBytes);

                final List<PageKey> stored = write(store, "late", 3 * 32 * MIB / PAGE);
                assertFalse(store.isDisabled(), "a full file system disabled the tier: " + store);
                assertEquals(0, store.disableCount());
                assertTrue(store.noSpaceCount() > 0, "the file system filled up: " + store);
                assertEquals(0, faults(store), "a full file system is not a device fault");
                assertTrue(store.effectiveCapacity() < effectiveAtOpen / 2, "quota lowered on ENOSPC: " + store);
                assertTrue(stored.size() > 3 * 32 * MIB / PAGE * 9 / 10, "the store reclaimed and kept writing");
                final List<PageKey> recent = stored.subList(stored.size() - 200, stored.size());
                assertEquals(recent.size(), hits(store, recent), "the newest pages are served");
                final long usedWhileFull = store.usedBytes();
                assertTrue(usedWhileFull <= 32L * MIB - otherBytes, "the store shrank to the space left: " + store);

                Files.delete(other);
                final List<PageKey> after = write(store, "after", 24 * MIB / PAGE);
                assertTrue(after.size() > 24 * MIB / PAGE * 9 / 10, "writes resumed: " + after.size());
                assertTrue(store.usedBytes() > usedWhileFull + 12L * MIB, "the store grew again: " + store);
                assertEquals(effectiveAtOpen, store.effectiveCapacity(), "the quota is back");
                assertEquals(after.size() / 2, hits(store, after.subList(after.size() / 2, after.size())));
            }
        }
    }

    @Test
    void openOnAFullFileSystem_declinesWrites_neverDisables_andWritesOnceSpaceIsFree() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(root.resolve("fs"), 32)) {
            final Path cache = Files.createDirectories(fs.dir.resolve("cache"));
            final Path other = fs.dir.resolve("other-data");
            fs.fillUp(other);
            try (LocalPageStore store = open(cache, 16L * MIB)) {
                assertEquals(0, store.effectiveCapacity(), "no room for a region");
                assertEquals(List.of(), write(store, "full", 200), "nothing fits");
                assertFalse(store.isDisabled(), "a full file system disabled the tier: " + store);
                assertEquals(0, store.disableCount());
                assertTrue(store.noSpaceCount() >= 200, "each declined write counted: " + store);
                assertEquals(0, faults(store));

                Files.delete(other);
                final List<PageKey> after = write(store, "after", 100);
                assertEquals(100, after.size(), "writes resumed at once");
                assertEquals(100, hits(store, after));
                assertTrue(store.effectiveCapacity() > 8L * MIB, "quota raised again: " + store);
            }
        }
    }

    @Test
    void quotaLargerThanTheFileSystem_isLoweredAtOpen_soTheStoreNeverRunsOutOfSpace() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(root.resolve("fs"), 32)) {
            try (LocalPageStore store = open(fs.dir.resolve("cache"), 64L * MIB)) {
                final long slotCost = MIB + 4096; // a region rounded to the block, plus one block
                // Whole regions in the 32 MiB less the lock file's page.
                assertEquals((32L * MIB - 4096) / slotCost * slotCost, store.effectiveCapacity(), store.toString());
                final List<PageKey> stored = write(store, "o", 3 * 32 * MIB / PAGE);
                assertTrue(stored.size() > 3 * 32 * MIB / PAGE * 99 / 100, "stored (admission may decline a few)");
                assertEquals(0, store.noSpaceCount(), "never met a full file system: " + store);
                assertEquals(0, faults(store));
                final List<PageKey> recent = stored.subList(stored.size() - 1_500, stored.size());
                assertEquals(recent.size(), hits(store, recent), "the newest pages are served");
            }
        }
    }

    private static long faults(LocalPageStore store) {
        return store.faultCounts().values().stream().mapToLong(Long::longValue).sum();
    }
}
