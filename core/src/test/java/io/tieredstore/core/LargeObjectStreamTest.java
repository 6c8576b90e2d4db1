package io.tieredstore.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * A whole 5 GiB object streamed through the store: the first byte comes after one page, the bytes buffered
 * ahead of the reader stay within the read-ahead chunks plus the one being read, and the content is exact. The origin makes the object's
 * bytes on the fly from their offsets, so the test holds no copy of it; set
 * {@code -Dtieredstore.test.largeObjectGiB=N} to change the size.
 */
class LargeObjectStreamTest {
    private static final int PAGE = 1 << 20;
    private static final int MAX_PAGES_PER_FETCH = 8;

    /** An origin whose one object's byte at offset i is a function of i; counts the bytes it hands out. */
    private static final class GeneratedOrigin implements Origin {
        final long length;
        final AtomicLong bytesFetched = new AtomicLong();

        GeneratedOrigin(long length) {
            this.length = length;
        }

        @Override
        public String id() {
            return "generated";
        }

        @Override
        public ObjectVersion stat(String bucket, String key) {
            return new ObjectVersion(new ObjectId(id(), bucket, key), "v1", length);
        }

        @Override
        public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
            ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            fill(out, offset);
            bytesFetched.addAndGet(length);
            return out.flip();
        }
    }

    /** Fills {@code out} with the object's bytes from {@code offset}; offsets are 8-aligned here. */
    static void fill(ByteBuffer out, long offset) {
        long word = offset >>> 3;
        while (out.remaining() >= 8) {
            out.putLong(mix(word++));
        }
        long last = mix(word);
        while (out.hasRemaining()) {
            out.put((byte) last);
            last >>>= 8;
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        return z ^ (z >>> 29);
    }

    /**
     * Holds the tasks it is given until opened, then runs them (and every later one) on its own threads: the
     * read-ahead started by the first read cannot race the check of what that read fetched.
     */
    private static final class GatedExecutor implements Executor, AutoCloseable {
        private final ExecutorService pool = Executors.newFixedThreadPool(4);
        private final List<Runnable> held = new ArrayList<>();
        private boolean open;

        @Override
        public synchronized void execute(Runnable task) {
            if (open) {
                pool.execute(task);
            } else {
                held.add(task);
            }
        }

        synchronized void open() {
            open = true;
            held.forEach(pool::execute);
            held.clear();
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    @Test
    void wholeObject_streamsInBoundedMemory_firstByteAfterOnePage() throws IOException {
        long gib = Long.getLong("tieredstore.test.largeObjectGiB", 5);
        long length = gib << 30;
        GeneratedOrigin origin = new GeneratedOrigin(length);
        try (GatedExecutor executor = new GatedExecutor();
                TieredStore store = TieredStore.builder()
                        .origin(origin)
                        .pageSize(PAGE)
                        .maxPagesPerFetch(MAX_PAGES_PER_FETCH)
                        .fetchExecutor(executor)
                        .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                        .build()) {
            ObjectVersion v = store.open("b", "huge");
            CRC32C streamed = new CRC32C();
            long consumed = 0;
            long maxAhead = 0;
            try (InputStream in = store.newInputStream(v, 0, length)) {
                byte[] buf = new byte[1 << 16];
                int n = in.read(buf, 0, 1);
                assertEquals(1, n);
                assertTrue(origin.bytesFetched.get() <= PAGE, "bytes fetched before the first byte");
                executor.open(); // the read-ahead it queued may run now
                streamed.update(buf, 0, 1);
                consumed = 1;
                while ((n = in.read(buf)) > 0) {
                    streamed.update(buf, 0, n);
                    consumed += n;
                    maxAhead = Math.max(maxAhead, origin.bytesFetched.get() - consumed);
                }
            }
            assertEquals(length, consumed);
            assertTrue(
                    maxAhead <= (PageInputStream.READ_AHEAD + 1L) * MAX_PAGES_PER_FETCH * PAGE,
                    "bytes buffered ahead of the reader: " + maxAhead);
            assertEquals(expectedCrc(length), streamed.getValue());
        }
    }

    private static long expectedCrc(long length) {
        CRC32C crc = new CRC32C();
        ByteBuffer chunk = ByteBuffer.allocate(8 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (long at = 0; at < length; at += chunk.capacity()) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), length - at));
            fill(chunk, at);
            crc.update(chunk.flip());
        }
        return crc.getValue();
    }
}
