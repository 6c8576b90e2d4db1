package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.Fault;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultRule;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
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

    /**
     * A field report: the request the cache forwards for a condition or range it does not answer was sent
     * again when S3 failed it (1 HEAD + 2 GETs for a 304, 8 attempts in a 503 storm, and a request the bare
     * client fails could succeed). Each is sent once, and fails as the bare client's does.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"STRICT", "IMMUTABLE"})
    void aForwardedRequestIsSentOnce(String policyName, S3Fixture s3) {
        byte[] data = ConformanceTest.bytes(new Random(33), 3 * Cached.PAGE);
        String eTag = s3.foreignWriter().put("k", data);
        ConsistencyPolicy policy = policyName.equals("STRICT") ? ConsistencyPolicy.STRICT : ConsistencyPolicy.IMMUTABLE;
        Map<String, Consumer<GetObjectRequest.Builder>> failing = Map.of(
                "If-Match another tag (412)", b -> b.ifMatch("\"0123456789abcdef0123456789abcdef\""),
                "If-None-Match the tag (304)", b -> b.ifNoneMatch(eTag),
                "range past the end (416)", b -> b.range("bytes=" + data.length + "-"),
                "If-Modified-Since the future (304)",
                        b -> b.ifModifiedSince(Instant.now().plusSeconds(3600)));
        try (Cached cached = Cached.over(s3.s3(), policy, new MapTier("map"))) {
            cached.client().getObjectAsBytes(b -> b.bucket(s3.bucket()).key("k").range("bytes=0-9"));
            for (Map.Entry<String, Consumer<GetObjectRequest.Builder>> e : failing.entrySet()) {
                GetObjectRequest.Builder b =
                        GetObjectRequest.builder().bucket(s3.bucket()).key("k");
                e.getValue().accept(b);
                GetObjectRequest request = b.build();
                Outcome bare = get(s3.s3(), request);
                s3.counters().reset();
                Outcome viaCache = get(cached.client(), request);
                assertFalse(bare.ok(), e.getKey() + " fails at S3");
                assertEquals("", bare.diff(viaCache), e.getKey());
                assertEquals(
                        1,
                        s3.counters().requests(S3Operation.GET) + s3.counters().requests(S3Operation.RANGED_GET),
                        e.getKey() + ": " + s3.counters());
                assertEquals(policy.checksEveryOpen() ? 1 : 0, s3.counters().requests(S3Operation.HEAD), e.getKey());
            }

            if (policy.checksEveryOpen()) {
                return; // under STRICT the version check (a HEAD) meets a storm first: see ErrorsTest
            }
            // A condition the cache leaves to S3 (a date equal to Last-Modified) in a storm as long as the
            // client's retries: the bare client fails; so does the cache, with as many attempts, never a
            // second round that works.
            Instant modified =
                    s3.s3().headObject(b -> b.bucket(s3.bucket()).key("k")).lastModified();
            GetObjectRequest listed = GetObjectRequest.builder()
                    .bucket(s3.bucket())
                    .key("k")
                    .ifUnmodifiedSince(modified)
                    .build();
            assertTrue(get(s3.s3(), listed).ok(), "S3 answers an equal If-Unmodified-Since with 200");
            FaultPlan storm = FaultPlan.builder()
                    .slowDown(FaultRule.first(S3Clients.MAX_ATTEMPTS))
                    .build();
            s3.faults(storm);
            Outcome bare = get(s3.s3(), listed);
            assertEquals("503", bare.fields().get("status"), bare.fields().toString());
            s3.faults(storm);
            s3.counters().reset();
            Outcome viaCache = get(cached.client(), listed);
            assertEquals("", bare.diff(viaCache));
            assertEquals(S3Clients.MAX_ATTEMPTS, s3.counters().injected(Fault.SLOW_DOWN), "attempts, all refused");
            assertEquals(0, s3.counters().totalRequests(), "no attempt after the storm: " + s3.counters());
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
