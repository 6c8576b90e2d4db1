package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/** Writes through the caching client invalidate at once, even under IMMUTABLE. */
@ExtendWith(S3Extension.class)
class WriteInvalidationTest {
    private final Random random = new Random(41);

    @Test
    void putThenGetReturnsTheNewBytes(S3Fixture s3) {
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            byte[] v1 = ConformanceTest.bytes(random, 2 * Cached.PAGE + 3);
            byte[] v2 = ConformanceTest.bytes(random, Cached.PAGE - 3);
            put(cached, s3, "k", v1);
            assertArrayEquals(v1, get(cached, s3, "k"));
            assertArrayEquals(v1, get(cached, s3, "k"));
            put(cached, s3, "k", v2);
            assertArrayEquals(v2, get(cached, s3, "k"));
            assertEquals(
                    v2.length,
                    cached.client()
                            .headObject(b -> b.bucket(s3.bucket()).key("k"))
                            .contentLength());
        }
    }

    @Test
    void deletesCopiesAndMultipartUploadsInvalidate(S3Fixture s3) {
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            String bucket = s3.bucket();
            byte[] a = ConformanceTest.bytes(random, 1500);
            byte[] b = ConformanceTest.bytes(random, 2500);
            for (String key : List.of("a", "b", "c", "d", "e")) {
                put(cached, s3, key, a);
                assertArrayEquals(a, get(cached, s3, key));
            }

            cached.client().deleteObject(r -> r.bucket(bucket).key("a"));
            assertThrows(NoSuchKeyException.class, () -> get(cached, s3, "a"));

            cached.client()
                    .deleteObjects(r -> r.bucket(bucket)
                            .delete(d -> d.objects(
                                    ObjectIdentifier.builder().key("b").build(),
                                    ObjectIdentifier.builder().key("c").build())));
            assertThrows(NoSuchKeyException.class, () -> get(cached, s3, "b"));
            assertThrows(NoSuchKeyException.class, () -> get(cached, s3, "c"));

            s3.foreignWriter().put("source", b);
            cached.client()
                    .copyObject(r -> r.sourceBucket(bucket)
                            .sourceKey("source")
                            .destinationBucket(bucket)
                            .destinationKey("d"));
            assertArrayEquals(b, get(cached, s3, "d"));

            String upload = cached.client()
                    .createMultipartUpload(r -> r.bucket(bucket).key("e"))
                    .uploadId();
            String eTag = cached.client()
                    .uploadPart(r -> r.bucket(bucket).key("e").uploadId(upload).partNumber(1), RequestBody.fromBytes(b))
                    .eTag();
            assertArrayEquals(a, get(cached, s3, "e"), "an upload in progress changes nothing");
            cached.client()
                    .completeMultipartUpload(r -> r.bucket(bucket)
                            .key("e")
                            .uploadId(upload)
                            .multipartUpload(m -> m.parts(CompletedPart.builder()
                                    .partNumber(1)
                                    .eTag(eTag)
                                    .build())));
            assertArrayEquals(b, get(cached, s3, "e"));
        }
    }

    private static void put(Cached cached, S3Fixture s3, String key, byte[] data) {
        cached.client().putObject(r -> r.bucket(s3.bucket()).key(key), RequestBody.fromBytes(data));
    }

    private static byte[] get(Cached cached, S3Fixture s3, String key) {
        return cached.client()
                .getObjectAsBytes(r -> r.bucket(s3.bucket()).key(key))
                .asByteArray();
    }
}
