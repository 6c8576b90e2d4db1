package io.tieredstore.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The cold path of the store: an open that must learn the version reads the bytes it is for (no separate
 * stat), widened to whole pages that fill the tiers; a cold multi-page stream is one origin stream; a body
 * that fails is resumed with the version.
 */
class ColdReadTest {
    private static final int PAGE = 100;
    private static final String B = "b";

    /** An origin that reads and streams natively (one call each), over a {@link MemoryOrigin}. */
    private static final class StreamingOrigin implements Origin {
        final MemoryOrigin objects = new MemoryOrigin();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger streams = new AtomicInteger();
        /** Streams whose body breaks after this many bytes, counted down per stream. */
        final AtomicInteger breakingStreams = new AtomicInteger();

        @Override
        public String id() {
            return objects.id();
        }

        @Override
        public ObjectVersion stat(String bucket, String key) {
            return objects.stat(bucket, key);
        }

        @Override
        public ByteBuffer fetch(ObjectVersion version, long offset, int length) {
            return objects.fetch(version, offset, length);
        }

        @Override
        public OriginRead read(String bucket, String key, ReadRange range) {
            reads.incrementAndGet();
            ObjectVersion v = objects.stat(bucket, key);
            objects.stats.decrementAndGet(); // not a stat of the store's
            long start = range.start(v.length());
            long length = range.end(v.length()) - start;
            return new OriginRead(v, start, length, body(v, start, length));
        }

        @Override
        public InputStream stream(ObjectVersion version, long offset, long length) {
            streams.incrementAndGet();
            return body(version, offset, length);
        }

        private InputStream body(ObjectVersion v, long offset, long length) {
            ByteBuffer bytes = objects.fetch(v, offset, (int) length);
            objects.fetches.decrementAndGet(); // counted as this origin's read or stream
            byte[] b = new byte[bytes.remaining()];
            bytes.get(b);
            boolean breaks = breakingStreams.getAndDecrement() > 0;
            return new ByteArrayInputStream(b) {
                @Override
                public synchronized int read(byte[] out, int off, int len) {
                    if (breaks && pos >= b.length / 2) {
                        throw new IllegalStateException("connection reset");
                    }
                    return super.read(out, off, Math.min(len, breaks ? Math.max(1, b.length / 2 - pos) : len));
                }
            };
        }
    }

    private final StreamingOrigin origin = new StreamingOrigin();
    private final MapTier memory = new MapTier("memory");

    private TieredStore store(ConsistencyPolicy policy, Tier... tiers) {
        TieredStore.Builder b =
                TieredStore.builder().origin(origin).pageSize(PAGE).defaultConsistency(policy);
        for (Tier t : tiers) {
            b.tier(t);
        }
        return b.build();
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (InputStream s = in) {
            return s.readAllBytes();
        }
    }

    @Test
    void aColdOpenIsOneReadOfThePagesItTouches() throws IOException {
        byte[] data = bytes(1000, 1);
        origin.objects.put(B, "k", data);
        try (TieredStore store = store(ConsistencyPolicy.STRICT, memory)) {
            OpenedRead opened = store.openRead(B, "k", ReadRange.of(150, 100));
            assertEquals(1, opened.originRequests());
            assertArrayEquals(Arrays.copyOfRange(data, 150, 250), readAll(opened.stream(150, 100)));
            assertEquals(1, origin.reads.get());
            assertEquals(0, origin.objects.stats.get(), "no stat before the read");
            assertEquals(0, origin.objects.fetches.get());
            assertEquals(200, store.stats().originBytes(), "pages 1 and 2, whole");

            // STRICT, the first page cached: the check is a stat, the bytes come from the tier
            OpenedRead again = store.openRead(B, "k", ReadRange.of(160, 50));
            assertArrayEquals(Arrays.copyOfRange(data, 160, 210), readAll(again.stream(160, 50)));
            assertEquals(1, origin.reads.get());
            assertEquals(1, origin.objects.stats.get());
            assertEquals(0, origin.objects.fetches.get());
        }
    }

    @Test
    void aSuffixIsWidenedToStartOnItsFirstPage_andAStoreWithoutTiersStillReadsOnce() throws IOException {
        byte[] data = bytes(1000, 2);
        origin.objects.put(B, "k", data);
        try (TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory)) {
            OpenedRead opened = store.openRead(B, "k", ReadRange.last(50));
            ObjectVersion v = opened.version();
            assertEquals(1000, v.length());
            assertArrayEquals(Arrays.copyOfRange(data, 950, 1000), readAll(opened.stream(950, 50)));
            assertEquals(149, store.stats().originBytes(), "the last 50 bytes, widened by a page less a byte");
            assertTrue(store.holds(v, 9), "the last page, whole in the read");
            assertTrue(!store.holds(v, 8), "the page the read starts inside is not cut");
        }
        try (TieredStore bare = store(ConsistencyPolicy.STRICT)) {
            OpenedRead opened = bare.openRead(B, "k", ReadRange.of(0, 250));
            assertArrayEquals(Arrays.copyOf(data, 250), readAll(opened.stream(0, 250)));
            assertEquals(2, origin.reads.get());
            assertEquals(0, origin.streams.get() + origin.objects.fetches.get(), "served from the read's bytes");
        }
    }

    @Test
    void aColdStreamIsOneOriginStream_evenAfterACachedPrefix() throws IOException {
        byte[] data = bytes(2000, 3);
        origin.objects.put(B, "k", data);
        try (TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory)) {
            ObjectVersion v = store.open(B, "k");
            store.readFully(v, 0, ByteBuffer.allocate(2 * PAGE)); // pages 0 and 1 cached
            int fetchesBefore = origin.objects.fetches.get();

            assertArrayEquals(data, readAll(store.newInputStream(v, 0, data.length)));
            assertEquals(1, origin.streams.get(), "the cold rest in one stream");
            assertEquals(fetchesBefore, origin.objects.fetches.get(), "no ranged fetch");
            for (long p = 0; p < 20; p++) {
                assertTrue(store.holds(v, p), "page " + p + " filled as it passed");
            }
            assertArrayEquals(data, readAll(store.newInputStream(v, 0, data.length)));
            assertEquals(1, origin.streams.get(), "the second stream is all hits");
        }
    }

    @Test
    void aBrokenBodyIsResumedWithTheVersion_atMostTwice() throws IOException {
        byte[] data = bytes(3000, 4);
        origin.objects.put(B, "k", data);
        try (TieredStore store = store(ConsistencyPolicy.IMMUTABLE, memory)) {
            ObjectVersion v = store.open(B, "k");
            origin.breakingStreams.set(1);
            assertArrayEquals(data, readAll(store.newInputStream(v, 0, data.length)));
            assertEquals(2, origin.streams.get(), "the stream and one resume");

            store.invalidate(B, "k");
            origin.objects.put(B, "k", data);
            ObjectVersion v2 = store.open(B, "k");
            origin.breakingStreams.set(3);
            InputStream in = store.newInputStream(v2, 0, data.length);
            assertThrows(IllegalStateException.class, in::readAllBytes, "the third failure reaches the reader");
            assertEquals(5, origin.streams.get());
        }
    }

    @Test
    void theDefaultReadIsAStatThenAStream() throws IOException {
        MemoryOrigin plain = new MemoryOrigin();
        byte[] data = bytes(500, 5);
        plain.put(B, "k", data);
        OriginRead read = plain.read(B, "k", ReadRange.last(120));
        assertEquals(380, read.offset());
        assertEquals(120, read.length());
        assertArrayEquals(Arrays.copyOfRange(data, 380, 500), readAll(read.body()));
        assertEquals(1, plain.stats.get());
        assertEquals(
                new ReadRange(0, 1099, true),
                ReadRange.last(1000).toPages(PAGE),
                "a suffix grows by a page less a byte");
        assertEquals(ReadRange.of(100, 200), ReadRange.of(150, 100).toPages(PAGE));
        assertEquals(ReadRange.from(100), ReadRange.from(150).toPages(PAGE));
    }
}
