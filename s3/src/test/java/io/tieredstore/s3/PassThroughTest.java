package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.RequestPayer;

/**
 * Requests a shared cache must not answer reach S3 every time, untouched: the proxy counts one GET (or HEAD)
 * per call and none other, and the answer is the bare client's. S3Mock ignores partNumber and
 * requester-pays; the point here is that the decorator forwards them.
 */
@ExtendWith(S3Extension.class)
class PassThroughTest {
    @Test
    void uncacheableGetsGoToS3EveryTime(S3Fixture s3) throws NoSuchAlgorithmException {
        byte[] data = ConformanceTest.bytes(new Random(31), 2 * Cached.PAGE);
        s3.foreignWriter().put("k", data);
        byte[] key = ConformanceTest.bytes(new Random(32), 32);
        String keyMd5 = Base64.getEncoder()
                .encodeToString(MessageDigest.getInstance("MD5").digest(key));
        Map<String, Consumer<GetObjectRequest.Builder>> requests = Map.of(
                "SSE-C",
                b -> b.sseCustomerAlgorithm("AES256")
                        .sseCustomerKey(Base64.getEncoder().encodeToString(key))
                        .sseCustomerKeyMD5(keyMd5),
                "partNumber",
                b -> b.partNumber(1),
                "requester pays",
                b -> b.requestPayer(RequestPayer.REQUESTER),
                "checksum mode",
                b -> b.checksumMode(ChecksumMode.ENABLED),
                "expected owner",
                b -> b.expectedBucketOwner("123456789012"),
                "response override",
                b -> b.responseContentType("text/x-override"),
                "request override",
                b -> b.overrideConfiguration(o -> o.putHeader("x-test", "1")));
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            for (Map.Entry<String, Consumer<GetObjectRequest.Builder>> e : requests.entrySet()) {
                GetObjectRequest.Builder b =
                        GetObjectRequest.builder().bucket(s3.bucket()).key("k");
                e.getValue().accept(b);
                GetObjectRequest request = b.build();
                Outcome bare = get(s3.s3(), request);
                for (int i = 0; i < 2; i++) {
                    s3.counters().reset();
                    Outcome viaCache = get(cached.client(), request);
                    assertEquals("", bare.diff(viaCache), e.getKey());
                    assertEquals(Map.of(S3Operation.GET, 1L), s3.counters().requestsByOperation(), e.getKey());
                }
            }
            assertEquals(0, cached.store().stats().originRequests());
        }
    }

    @Test
    void uncacheableHeadsGoToS3EveryTime(S3Fixture s3) {
        s3.foreignWriter().put("k", new byte[100]);
        List<HeadObjectRequest> requests = List.of(
                HeadObjectRequest.builder()
                        .bucket(s3.bucket())
                        .key("k")
                        .checksumMode(ChecksumMode.ENABLED)
                        .build(),
                HeadObjectRequest.builder()
                        .bucket(s3.bucket())
                        .key("k")
                        .partNumber(1)
                        .build(),
                HeadObjectRequest.builder()
                        .bucket(s3.bucket())
                        .key("k")
                        .requestPayer(RequestPayer.REQUESTER)
                        .build(),
                HeadObjectRequest.builder()
                        .bucket(s3.bucket())
                        .key("k")
                        .range("bytes=0-9")
                        .build());
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            for (HeadObjectRequest request : requests) {
                Outcome bare = Outcome.capture(() -> Outcome.of(s3.s3().headObject(request), new byte[0]));
                for (int i = 0; i < 2; i++) {
                    s3.counters().reset();
                    Outcome viaCache =
                            Outcome.capture(() -> Outcome.of(cached.client().headObject(request), new byte[0]));
                    assertEquals("", bare.diff(viaCache), request.toString());
                    assertEquals(Map.of(S3Operation.HEAD, 1L), s3.counters().requestsByOperation(), request.toString());
                }
            }
        }
    }

    /** Operations the decorator does not cache are the client's own: a listing goes straight through. */
    @Test
    void otherOperationsAreDelegated(S3Fixture s3) {
        s3.foreignWriter().put("a", new byte[1]);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE)) {
            assertEquals(
                    List.of("a"),
                    cached.client().listObjectsV2(b -> b.bucket(s3.bucket())).contents().stream()
                            .map(o -> o.key())
                            .toList());
            assertEquals(Map.of(S3Operation.LIST, 1L), s3.counters().requestsByOperation());
        }
    }

    private static Outcome get(S3Client client, GetObjectRequest request) {
        return Outcome.capture(() -> {
            ResponseBytes<GetObjectResponse> r = client.getObjectAsBytes(request);
            return Outcome.of(r.response(), r.asByteArray());
        });
    }
}
