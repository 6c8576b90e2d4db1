package io.tieredstore.pagestore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.BytesOrigin;
import io.tieredstore.core.CacheStats;
import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.Tier;
import io.tieredstore.core.TieredStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the real tiers report reaches the store's stats: write outcomes, and the faults the disk tier absorbs. */
final class StoreStatsTest {
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private LocalPageStore disk(int pageSize) {
        return LocalPageStore.builder()
                .directories(List.of(dir.resolve("nvme0")))
                .capacity(4L << 20)
                .pageSize(pageSize)
                .regionSize(256 * 1024)
                .recoveryExecutor(Runnable::run)
                .build();
    }

    @Test
    void aCorruptRecordOnDisk_isACountedFaultInTheStoresStats_andTheBytesStayRight() throws IOException {
        byte[] data = new byte[16 * PAGE];
        new Random(3).nextBytes(data);
        BytesOrigin origin = new BytesOrigin(data);
        try (TieredStore store = TieredStore.builder()
                .origin(origin)
                .pageSize(PAGE)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .fetchExecutor(Runnable::run) // every fill is written to the tier before the read returns
                .tier(disk(PAGE))
                .build()) {
            ObjectVersion v = store.open("b", "k");
            ByteBuffer all = ByteBuffer.allocate(data.length);
            store.readFully(v, 0, all);
            assertEquals(16, store.stats().tier("disk").stored(), store.stats().toString());
            int fetched = origin.fetches();

            flipAByteOfThePages();

            ByteBuffer again = ByteBuffer.allocate(data.length);
            store.readFully(v, 0, again);
            assertArrayEquals(data, again.array(), "a corrupt page is a miss, never wrong bytes");
            CacheStats stats = store.stats();
            assertTrue(origin.fetches() > fetched, "the corrupt pages came from the origin again");
            assertTrue(stats.faults().getOrDefault("disk: checksum", 0L) > 0, stats.toString());
            assertTrue(stats.faultCount() > 0);
        }
    }

    @Test
    void aDiskBuiltForAnotherPageSize_isRefusedByTheStore() {
        try (LocalPageStore disk = disk(2 * PAGE)) {
            TieredStore.Builder b = TieredStore.builder()
                    .origin(new BytesOrigin(new byte[1]))
                    .pageSize(PAGE)
                    .tier(disk);
            assertThrows(IllegalStateException.class, b::build);
        }
    }

    @Test
    void aClosedDisk_declinesAsClosed_andTheStoreCountsIt() {
        byte[] data = new byte[2 * PAGE];
        LocalPageStore disk = disk(PAGE);
        try (TieredStore store = TieredStore.builder()
                .origin(new BytesOrigin(data))
                .pageSize(PAGE)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .fetchExecutor(Runnable::run)
                .tier(disk)
                .build()) {
            disk.close();
            ObjectVersion v = store.open("b", "k");
            store.readFully(v, 0, ByteBuffer.allocate(data.length));
            assertEquals(2, store.stats().tier("disk").writes(Tier.WriteOutcome.CLOSED));
            assertEquals(0, store.stats().tier("disk").stored());
        }
    }

    /** Flips one byte in the middle of each 4 KiB page on disk (past the record headers, inside the data). */
    private void flipAByteOfThePages() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir.resolve("nvme0"))) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".tsr")).toList();
        }
        assertTrue(!files.isEmpty(), "region files on disk");
        for (Path file : files) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long size = ch.size();
                for (long at = 2048; at < size; at += 1024) {
                    ByteBuffer b = ByteBuffer.allocate(1);
                    if (ch.read(b, at) == 1) {
                        b.put(0, (byte) (b.get(0) ^ 0x10));
                        ch.write(b.flip(), at);
                    }
                }
            }
        }
    }
}
