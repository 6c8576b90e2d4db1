package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.CacheStats;
import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultRule;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Origin errors reach the caller as the bare client reports them; cache faults never do. */
@ExtendWith(S3Extension.class)
class ErrorsTest {
    private final byte[] data = ConformanceTest.bytes(new Random(21), 3 * Cached.PAGE);

    @Test
    void aSlowDownStormLooksTheSameThroughTheCache(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT, new MapTier("map"))) {
            s3.faults(FaultPlan.builder().slowDown(FaultRule.rate(1.0)).build());
            Outcome bareGet = Outcome.capture(() -> get(s3.s3(), s3.bucket(), "bytes=0-9"));
            Outcome cachedGet = Outcome.capture(() -> get(cached.client(), s3.bucket(), "bytes=0-9"));
            Outcome bareHead = Outcome.capture(() -> head(s3.s3(), s3.bucket()));
            Outcome cachedHead = Outcome.capture(() -> head(cached.client(), s3.bucket()));

            assertEquals(S3Exception.class.getName(), bareGet.kind());
            assertEquals("503", bareGet.fields().get("status"));
            assertEquals("SlowDown", bareGet.fields().get("errorCode"));
            assertEquals("", bareGet.diff(cachedGet));
            assertEquals("503", bareHead.fields().get("status"));
            assertEquals("", bareHead.diff(cachedHead));
        }
    }

    /** IMMUTABLE with the version known: the storm meets the cache's own ranged fill, and still looks the same. */
    @Test
    void aSlowDownStormDuringAFillLooksTheSame(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            head(cached.client(), s3.bucket());
            s3.faults(FaultPlan.builder().slowDown(FaultRule.rate(1.0)).build());
            Outcome bare = Outcome.capture(() -> get(s3.s3(), s3.bucket(), "bytes=0-9"));
            s3.counters().reset();
            Outcome cached1 = Outcome.capture(() -> get(cached.client(), s3.bucket(), "bytes=0-9"));

            assertEquals("503", bare.fields().get("status"));
            assertEquals(bare.kind(), cached1.kind());
            assertEquals(bare.fields().get("status"), cached1.fields().get("status"));
            assertEquals(bare.fields().get("errorCode"), cached1.fields().get("errorCode"));
            assertEquals(bare.fields().get("errorMessage"), cached1.fields().get("errorMessage"));
            assertEquals(0, s3.counters().requests(S3Operation.HEAD), "the fill needed no HEAD");

            s3.faults(FaultPlan.none()); // the storm passes: the same read succeeds
            assertArrayEquals(
                    Arrays.copyOf(data, 10),
                    bytes(cached.client(), s3.bucket(), "bytes=0-9").asByteArray());
        }
    }

    @Test
    void missingKeysAndBucketsAreTheSameExceptions(S3Fixture s3) {
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT)) {
            NoSuchKeyException key = assertThrows(
                    NoSuchKeyException.class,
                    () -> cached.client()
                            .getObjectAsBytes(b -> b.bucket(s3.bucket()).key("missing")));
            assertEquals(404, key.statusCode());
            assertEquals("NoSuchKey", key.awsErrorDetails().errorCode());

            NoSuchBucketException bucket = assertThrows(
                    NoSuchBucketException.class,
                    () -> cached.client()
                            .getObjectAsBytes(
                                    b -> b.bucket("no-such-bucket-errors").key("k")));
            assertEquals(404, bucket.statusCode());
            assertEquals("NoSuchBucket", bucket.awsErrorDetails().errorCode());

            s3.foreignWriter().put("k", data);
            S3Exception range = assertThrows(
                    S3Exception.class, () -> bytes(cached.client(), s3.bucket(), "bytes=" + data.length + "-"));
            assertEquals(416, range.statusCode());
            assertEquals("InvalidRange", range.awsErrorDetails().errorCode());
        }
    }

    /** A tier that throws on every read and write: reads succeed from S3, and the faults are counted. */
    @Test
    void cacheFaultsNeverReachTheCaller(S3Fixture s3) throws IOException {
        s3.foreignWriter().put("k", data);
        MapTier broken = new MapTier("broken");
        broken.failReads(true);
        broken.failWrites(true);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, broken)) {
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(
                        Arrays.copyOfRange(data, 10, 2500),
                        bytes(cached.client(), s3.bucket(), "bytes=10-2499").asByteArray());
                try (InputStream in =
                        cached.client().getObject(b -> b.bucket(s3.bucket()).key("k"))) {
                    assertArrayEquals(data, in.readAllBytes());
                }
            }
            CacheStats stats = cached.store().stats();
            assertTrue(stats.faultCount() > 0, stats.toString());
            assertTrue(
                    stats.faults().keySet().stream().allMatch(k -> k.startsWith("broken")),
                    stats.faults().toString());
            assertEquals(0, broken.size());
        }
    }

    /** A transformer's own failure is wrapped as the SDK wraps it. */
    @Test
    void transformerFailuresAreWrappedAsTheSdkDoes(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT, new MapTier("map"))) {
            ResponseTransformer<GetObjectResponse, Object> checked = (r, in) -> {
                throw new IOException("transformer failed");
            };
            ResponseTransformer<GetObjectResponse, Object> unchecked = (r, in) -> {
                throw new UncheckedIOException(new IOException("transformer failed"));
            };
            for (ResponseTransformer<GetObjectResponse, Object> t : java.util.List.of(checked, unchecked)) {
                Outcome bare = Outcome.capture(() -> {
                    s3.s3().getObject(b -> b.bucket(s3.bucket()).key("k"), t);
                    throw new AssertionError("no failure");
                });
                Outcome viaCache = Outcome.capture(() -> {
                    cached.client().getObject(b -> b.bucket(s3.bucket()).key("k"), t);
                    throw new AssertionError("no failure");
                });
                assertEquals("", bare.diff(viaCache));
            }
        }
    }

    private static ResponseBytes<GetObjectResponse> bytes(S3Client client, String bucket, String range) {
        return client.getObjectAsBytes(b -> b.bucket(bucket).key("k").range(range));
    }

    private static Outcome get(S3Client client, String bucket, String range) {
        ResponseBytes<GetObjectResponse> r = bytes(client, bucket, range);
        return Outcome.of(r.response(), r.asByteArray());
    }

    private static Outcome head(S3Client client, String bucket) {
        return Outcome.of(client.headObject(b -> b.bucket(bucket).key("k")), new byte[0]);
    }
}
