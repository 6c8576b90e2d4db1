package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.ObjectChangedException;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;

/** Objects overwritten behind the cache's back: what each consistency policy shows, and never mixed bytes. */
@ExtendWith(S3Extension.class)
class ConsistencyTest {
    private static final int SIZE = 3 * Cached.PAGE;

    private final byte[] v1 = ConformanceTest.bytes(new Random(11), SIZE);
    private final byte[] v2 = ConformanceTest.bytes(new Random(12), SIZE);

    @Test
    void strictReadsTheNewBytesAfterAForeignOverwrite(S3Fixture s3) {
        String eTag1 = s3.foreignWriter().put("k", v1);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT, new MapTier("map"))) {
            ResponseBytes<GetObjectResponse> first = get(cached, s3, null);
            assertArrayEquals(v1, first.asByteArray());
            assertEquals(eTag1, first.response().eTag());

            String eTag2 = s3.foreignWriter().put("k", v2);
            ResponseBytes<GetObjectResponse> second = get(cached, s3, null);
            assertArrayEquals(v2, second.asByteArray());
            assertEquals(eTag2, second.response().eTag());
        }
    }

    /** IMMUTABLE never looks again: after a foreign overwrite it keeps serving the cached version, as documented. */
    @Test
    void immutableKeepsServingTheCachedVersion(S3Fixture s3) {
        String eTag1 = s3.foreignWriter().put("k", v1);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            assertArrayEquals(v1, get(cached, s3, null).asByteArray());
            s3.foreignWriter().put("k", v2);
            s3.counters().reset();

            ResponseBytes<GetObjectResponse> again = get(cached, s3, null);
            assertArrayEquals(v1, again.asByteArray());
            assertEquals(eTag1, again.response().eTag());
            assertEquals(0, s3.counters().totalRequests(), s3.counters().toString());
        }
    }

    /**
     * A change between two fills of one read: page 0 is cached, the object is overwritten, then a streamed
     * read of pages 0 and 1 returns page 0 and fails on page 1 with an IOException (as a cut connection
     * would), never ObjectChangedException; the bytes it returned are all of the old version. The whole-body
     * form restarts on the new version, and the next stream reads the new bytes.
     */
    @Test
    void aChangeBetweenTwoFillsFailsTheStreamWithoutMixing(S3Fixture s3) throws IOException {
        s3.foreignWriter().put("k", v1);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            assertArrayEquals(
                    Arrays.copyOf(v1, 100), get(cached, s3, "bytes=0-99").asByteArray());
            String eTag2 = s3.foreignWriter().put("k", v2);

            byte[] got = new byte[2 * Cached.PAGE];
            int[] total = {0};
            try (ResponseInputStream<GetObjectResponse> in = cached.client()
                    .getObject(b -> b.bucket(s3.bucket()).key("k").range("bytes=0-2047"))) {
                IOException e = assertThrows(IOException.class, () -> {
                    for (int r; (r = in.read(got, total[0], got.length - total[0])) > 0; ) {
                        total[0] += r;
                    }
                });
                assertEquals(Cached.PAGE, total[0], "bytes delivered before the failure");
                assertArrayEquals(Arrays.copyOf(v1, Cached.PAGE), Arrays.copyOf(got, total[0]));
                assertInstanceOf(ObjectChangedException.class, e.getCause(), "the cause, for diagnosis");
            }
            ResponseBytes<GetObjectResponse> whole = get(cached, s3, "bytes=0-2047");
            assertArrayEquals(Arrays.copyOf(v2, 2 * Cached.PAGE), whole.asByteArray());
            assertEquals(eTag2, whole.response().eTag());
            try (InputStream in =
                    cached.client().getObject(b -> b.bucket(s3.bucket()).key("k"))) {
                assertArrayEquals(v2, in.readAllBytes());
            }
        }
    }

    /**
     * A field report: under IMMUTABLE, put 3 pages, read a few bytes, overwrite with one page behind the
     * cache: every later whole GET failed until eviction. The 412 on the first fill forgets the version, so
     * the byte-array form restarts on the new version at once and so does everything after it.
     */
    @Test
    void anOverwriteBehindAnImmutableCacheIsReadAfterOneFailedFill(S3Fixture s3) throws IOException {
        s3.foreignWriter().put("k", v1);
        byte[] small = Arrays.copyOf(v2, Cached.PAGE);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            assertArrayEquals(
                    Arrays.copyOf(v1, 11), get(cached, s3, "bytes=0-10").asByteArray());
            String eTag2 = s3.foreignWriter().put("k", small);

            for (int i = 0; i < 3; i++) {
                ResponseBytes<GetObjectResponse> whole = get(cached, s3, null);
                assertArrayEquals(small, whole.asByteArray(), "whole GET " + i);
                assertEquals(eTag2, whole.response().eTag());
            }
            try (InputStream in =
                    cached.client().getObject(b -> b.bucket(s3.bucket()).key("k"))) {
                assertArrayEquals(small, in.readAllBytes());
            }
            assertEquals(
                    eTag2,
                    cached.client()
                            .headObject(b -> b.bucket(s3.bucket()).key("k"))
                            .eTag());
        }
    }

    /** The same change met by the store's own read of an opened version (STRICT, the origin's If-Match). */
    @Test
    void theOriginRefusesToFillAnOldVersion(S3Fixture s3) {
        s3.foreignWriter().put("k", v1);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT, new MapTier("map"))) {
            ObjectVersion opened = cached.store().open(s3.bucket(), "k");
            ByteBuffer page0 = ByteBuffer.allocate(Cached.PAGE);
            cached.store().read(opened, 0, page0);
            assertArrayEquals(Arrays.copyOf(v1, Cached.PAGE), page0.array());

            s3.foreignWriter().put("k", v2);
            ByteBuffer both = ByteBuffer.allocate(2 * Cached.PAGE);
            ObjectChangedException e = assertThrows(
                    ObjectChangedException.class, () -> cached.store().read(opened, 0, both));
            assertEquals(opened, e.expected());
        }
    }

    /**
     * A change met before any byte reached the caller restarts the read once on the new version: page 0 of
     * v1 is cached (IMMUTABLE), the object is overwritten, and a read of page 1 returns v2's bytes and ETag.
     */
    @Test
    void aChangeBeforeTheFirstByteRestartsOnTheNewVersion(S3Fixture s3) throws IOException {
        s3.foreignWriter().put("k", v1);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            assertArrayEquals(
                    Arrays.copyOf(v1, 100), get(cached, s3, "bytes=0-99").asByteArray());
            String eTag2 = s3.foreignWriter().put("k", v2);

            ResponseBytes<GetObjectResponse> page1 = get(cached, s3, "bytes=1024-1100");
            assertArrayEquals(Arrays.copyOfRange(v2, 1024, 1101), page1.asByteArray());
            assertEquals(eTag2, page1.response().eTag());
            assertEquals("bytes 1024-1100/" + SIZE, page1.response().contentRange());
            // and the object now reads as v2 throughout, streamed
            try (InputStream in =
                    cached.client().getObject(b -> b.bucket(s3.bucket()).key("k"))) {
                assertArrayEquals(v2, in.readAllBytes());
            }
            // No HEAD: the first read learned v1, the fill of page 1 met the change (412), the restart learned v2
            // from its own GET, and the stream of the rest was one GET with If-Match.
            assertEquals(
                    0, s3.counters().requests(S3Operation.HEAD), s3.counters().toString());
            assertEquals(
                    4,
                    s3.counters().requests(S3Operation.RANGED_GET),
                    s3.counters().toString());
        }
    }

    /**
     * Read-your-writes under IMMUTABLE when a version lookup started before the write: a HEAD through the
     * client is held inside its version lookup (S3 has answered v1) while the client writes v2; the later
     * HEAD must report v2, not the lookup's v1 remembered after the write's invalidation.
     */
    @Test
    void aWriteWinsOverALookupThatStartedBeforeIt(S3Fixture s3) throws Exception {
        String eTag1 = s3.foreignWriter().put("k", v1);
        CountDownLatch inStat = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean pauseOnce = new AtomicBoolean(true);
        ExecutionInterceptor pauseAfterFirstHead = new ExecutionInterceptor() {
            @Override
            public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof HeadObjectRequest && pauseOnce.getAndSet(false)) {
                    inStat.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
            }
        };
        ExecutorService early = Executors.newSingleThreadExecutor();
        try (S3Client pausing = S3Clients.syncBuilder(s3.proxy().uri())
                        .overrideConfiguration(c -> c.addExecutionInterceptor(pauseAfterFirstHead))
                        .build();
                Cached cached = Cached.over(pausing, ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            CachingS3Client client = cached.client();
            Future<String> before = early.submit(
                    () -> client.headObject(b -> b.bucket(s3.bucket()).key("k")).eTag());
            inStat.await();
            String eTag2 = client.putObject(b -> b.bucket(s3.bucket()).key("k"), RequestBody.fromBytes(v2))
                    .eTag();
            release.countDown();
            assertEquals(eTag1, before.get(), "the lookup that began before the write saw v1");

            assertEquals(
                    eTag2,
                    client.headObject(b -> b.bucket(s3.bucket()).key("k")).eTag());
            assertArrayEquals(v2, get(cached, s3, null).asByteArray());
        } finally {
            early.shutdownNow();
        }
    }

    private static ResponseBytes<GetObjectResponse> get(Cached cached, S3Fixture s3, String range) {
        return cached.client()
                .getObjectAsBytes(b -> b.bucket(s3.bucket()).key("k").range(range));
    }
}
