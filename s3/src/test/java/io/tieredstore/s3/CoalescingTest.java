package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Concurrent cold reads of one page through the caching client share one origin GET. */
@ExtendWith(S3Extension.class)
class CoalescingTest {
    private static final int THREADS = 32;

    /**
     * IMMUTABLE: the version is looked up once (one HEAD, made before the readers start), then 32 readers
     * started together by a barrier read the same cold page: S3 sees exactly one GET and no other HEAD.
     */
    @Test
    void thirtyTwoReadersOfAColdPageCauseOneGet(S3Fixture s3) throws Exception {
        byte[] data = ConformanceTest.bytes(new Random(1), 3 * Cached.PAGE);
        s3.foreignWriter().put("hot", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            cached.client().headObject(b -> b.bucket(s3.bucket()).key("hot"));
            assertEquals(1, s3.counters().requests(S3Operation.HEAD));

            List<byte[]> bodies = readTogether(cached, s3.bucket(), "bytes=100-899");

            byte[] expected = Arrays.copyOfRange(data, 100, 900);
            for (byte[] body : bodies) {
                assertArrayEquals(expected, body);
            }
            assertEquals(
                    1,
                    s3.counters().requests(S3Operation.RANGED_GET),
                    s3.counters().toString());
            assertEquals(
                    0, s3.counters().requests(S3Operation.GET), s3.counters().toString());
            assertEquals(
                    1, s3.counters().requests(S3Operation.HEAD), s3.counters().toString());
            assertEquals(1, cached.store().stats().originFetches());
        }
    }

    /**
     * STRICT, nothing known: each reader's check is either a HEAD or the read itself (a GET that learns the
     * version, shared only with readers that started before it), so S3 sees no more requests than 32 bare
     * clients would send, and a reader that checked with a HEAD found the page fetched by another's GET.
     */
    @Test
    void underStrictTheReadersSendNoMoreThanBareClients(S3Fixture s3) throws Exception {
        byte[] data = ConformanceTest.bytes(new Random(2), 2 * Cached.PAGE + 1);
        s3.foreignWriter().put("hot", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT, new MapTier("map"))) {
            List<byte[]> bodies = readTogether(cached, s3.bucket(), "bytes=1024-2047");

            byte[] expected = Arrays.copyOfRange(data, 1024, 2048);
            for (byte[] body : bodies) {
                assertArrayEquals(expected, body);
            }
            long gets = s3.counters().requests(S3Operation.RANGED_GET);
            long heads = s3.counters().requests(S3Operation.HEAD);
            assertTrue(gets >= 1 && gets + heads <= THREADS, s3.counters().toString());
            assertEquals(
                    0, s3.counters().requests(S3Operation.GET), s3.counters().toString());
            assertEquals(gets * Cached.PAGE, s3.counters().responseBytes(S3Operation.RANGED_GET));
        }
    }

    private static List<byte[]> readTogether(Cached cached, String bucket, String range) throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<byte[]>> futures = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return cached.client()
                            .getObjectAsBytes(b -> b.bucket(bucket).key("hot").range(range))
                            .asByteArray();
                }));
            }
            List<byte[]> bodies = new ArrayList<>();
            for (Future<byte[]> f : futures) {
                bodies.add(f.get());
            }
            return bodies;
        } finally {
            pool.shutdownNow();
        }
    }
}
