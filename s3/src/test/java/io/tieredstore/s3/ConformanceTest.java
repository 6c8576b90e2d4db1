package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Differential conformance: a generated corpus of GETs and HEADs (every range form and edge, conditional
 * headers, versionIds, missing keys and buckets) goes through the bare client and through the caching client
 * twice (cold, then warm), and every outcome must be identical: body, every modelled response field, HTTP
 * status and headers, or exception type, status, error code and message.
 *
 * <p>The bare client is a fixture client on a fault proxy of its own (no faults), so that both sides see
 * the same network path; the caching client decorates the fixture's client, whose proxy counts what the
 * cache sends to S3. Pages are 1 KiB, so objects of a page, a page plus one and a few pages are small.
 */
@ExtendWith(S3Extension.class)
class ConformanceTest {
    private static final String MISSING_BUCKET = "no-such-bucket-conformance";

    /** One request of the corpus; a successful one is served from the cache when warm unless it may be forwarded. */
    private record Call(String label, Object request, boolean mayBeForwarded) {}

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"STRICT", "IMMUTABLE"})
    void cachingClientAnswersAsTheBareClient(String policyName, S3Fixture s3, @TempDir Path dir) {
        ConsistencyPolicy policy = policyName.equals("STRICT") ? ConsistencyPolicy.STRICT : ConsistencyPolicy.IMMUTABLE;
        List<Call> corpus = corpus(s3);
        assertTrue(corpus.size() >= 200, "corpus has " + corpus.size() + " requests");

        try (FaultProxy bareProxy = S3Endpoint.shared().newProxy(FaultPlan.none());
                S3Client bare = S3Clients.sync(bareProxy.uri());
                Cached cached = Cached.over(s3.s3(), policy, new MapTier("map"))) {
            List<String> differences = new ArrayList<>();
            List<String> notServedWarm = new ArrayList<>();
            int okCount = 0;
            int servedWarm = 0;
            AtomicInteger files = new AtomicInteger();
            for (int i = 0; i < corpus.size(); i++) {
                Call call = corpus.get(i);
                int form = i % 4;
                Outcome expected = run(bare, call, form, dir, files);
                Outcome cold = run(cached.client(), call, form, dir, files);
                long getsBefore = gets(s3);
                Outcome warm = run(cached.client(), call, (form + 1) % 4, dir, files);
                long warmGets = gets(s3) - getsBefore;
                String coldDiff = expected.diff(cold);
                String warmDiff = expected.diff(warm);
                if (!coldDiff.isEmpty()) {
                    differences.add(call.label() + " [cold]" + coldDiff);
                }
                if (!warmDiff.isEmpty()) {
                    differences.add(call.label() + " [warm]" + warmDiff);
                }
                if (expected.ok() && call.request() instanceof GetObjectRequest) {
                    okCount++;
                    if (warmGets == 0) {
                        servedWarm++;
                    } else if (!call.mayBeForwarded()) {
                        notServedWarm.add(call.label());
                    }
                }
            }
            assertEquals(List.of(), differences, differences.size() + " differences in " + corpus.size() + " requests");
            // Every successful unconditional single-range read is answered from the cache when warm; conditional
            // ones are left to S3 when a condition fails or its outcome depends on how S3 reads it (equal dates,
            // unquoted or listed tags), and so are multiple ranges.
            assertEquals(List.of(), notServedWarm, "successful reads that went to S3 when warm");
            assertTrue(okCount > 100, "only " + okCount + " successful requests in the corpus");
            assertTrue(
                    servedWarm >= okCount * 3 / 4, servedWarm + " of " + okCount + " served from the cache when warm");
        }
    }

    private static long gets(S3Fixture s3) {
        return s3.counters().requests(S3Operation.GET) + s3.counters().requests(S3Operation.RANGED_GET);
    }

    /** Runs one call; GETs use one of four response transformer forms. */
    private static Outcome run(S3Client client, Call call, int form, Path dir, AtomicInteger files) {
        return Outcome.capture(() -> {
            if (call.request() instanceof HeadObjectRequest head) {
                HeadObjectResponse r = client.headObject(head);
                return Outcome.of(r, new byte[0]);
            }
            GetObjectRequest get = (GetObjectRequest) call.request();
            switch (form) {
                case 0 -> {
                    ResponseBytes<GetObjectResponse> r = client.getObjectAsBytes(get);
                    return Outcome.of(r.response(), r.asByteArray());
                }
                case 1 -> {
                    try (ResponseInputStream<GetObjectResponse> in = client.getObject(get)) {
                        return Outcome.of(in.response(), in.readAllBytes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                case 2 -> {
                    Path file = dir.resolve("body-" + files.incrementAndGet());
                    GetObjectResponse r = client.getObject(get, file);
                    try {
                        return Outcome.of(r, Files.readAllBytes(file));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                default -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    GetObjectResponse r = client.getObject(get, ResponseTransformer.toOutputStream(out));
                    return Outcome.of(r, out.toByteArray());
                }
            }
        });
    }

    /** Objects in a versioned bucket, and the requests over them. */
    private static List<Call> corpus(S3Fixture s3) {
        S3Client setup = s3.origin();
        String bucket = s3.bucket();
        setup.putBucketVersioning(
                b -> b.bucket(bucket).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        Random random = new Random(7);
        int page = Cached.PAGE;
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("empty", 0);
        sizes.put("one", 1);
        sizes.put("page-minus-one", page - 1);
        sizes.put("page", page);
        sizes.put("page-plus-one", page + 1);
        sizes.put("pages/three-and-a-bit", 3 * page + 17);
        sizes.put("dir/odd name+plus%.bin", 100);
        for (Map.Entry<String, Integer> e : sizes.entrySet()) {
            setup.putObject(b -> b.bucket(bucket).key(e.getKey()), RequestBody.fromBytes(bytes(random, e.getValue())));
        }
        sizes.put("meta", 2 * page + 5);
        setup.putObject(
                b -> b.bucket(bucket)
                        .key("meta")
                        .contentType("application/x-conformance")
                        .contentEncoding("identity")
                        .contentLanguage("en")
                        .contentDisposition("attachment; filename=\"m.bin\"")
                        .cacheControl("max-age=60")
                        .metadata(Map.of("colour", "blue", "n", "1")),
                RequestBody.fromBytes(bytes(random, 2 * page + 5)));
        PutObjectResponse v1 =
                setup.putObject(b -> b.bucket(bucket).key("versioned"), RequestBody.fromBytes(bytes(random, 500)));
        PutObjectResponse v2 =
                setup.putObject(b -> b.bucket(bucket).key("versioned"), RequestBody.fromBytes(bytes(random, 1500)));
        sizes.put("versioned", 1500);

        List<Call> calls = new ArrayList<>();
        for (Map.Entry<String, Integer> e : sizes.entrySet()) {
            String key = e.getKey();
            long n = e.getValue();
            List<String> ranges = List.of(
                    "bytes=0-0",
                    "bytes=0-" + (n - 1),
                    "bytes=0-" + n,
                    "bytes=0-" + (n + 100),
                    "bytes=" + (n - 1) + "-" + (n - 1),
                    "bytes=" + (n - 1) + "-",
                    "bytes=" + n + "-",
                    "bytes=" + n + "-" + (n + 5),
                    "bytes=1-",
                    "bytes=-1",
                    "bytes=-" + n,
                    "bytes=-" + (n + 1),
                    "bytes=-0",
                    "bytes=" + (page - 1) + "-" + page,
                    "bytes=" + page + "-",
                    "bytes=5-3",
                    "bytes=0-0,2-3",
                    "bytes=100-200");
            get(calls, bucket, key, b -> {}, false);
            for (String range : ranges) {
                if (!range.contains("--")) { // n - 1 is negative for the empty object: no such header
                    // S3 answers several ranges as it likes; the cache leaves them to S3.
                    get(calls, bucket, key, b -> b.range(range), range.contains(","));
                }
            }
            head(calls, bucket, key, b -> {});
        }
        for (String key : List.of("empty", "page", "pages/three-and-a-bit", "meta")) {
            HeadObjectResponse h = setup.headObject(b -> b.bucket(bucket).key(key));
            String eTag = h.eTag();
            Instant lm = h.lastModified();
            List<Consumer<GetObjectRequest.Builder>> conditions = List.of(
                    b -> b.ifMatch(eTag),
                    b -> b.ifMatch("\"0123456789abcdef0123456789abcdef\""),
                    b -> b.ifMatch(eTag.replace("\"", "")),
                    b -> b.ifMatch("*"),
                    b -> b.ifMatch("\"0123\", " + eTag),
                    b -> b.ifNoneMatch(eTag),
                    b -> b.ifNoneMatch("\"0123456789abcdef0123456789abcdef\""),
                    b -> b.ifNoneMatch(eTag.replace("\"", "")),
                    b -> b.ifNoneMatch("*"),
                    b -> b.ifModifiedSince(lm.minus(Duration.ofHours(1))),
                    b -> b.ifModifiedSince(lm),
                    b -> b.ifModifiedSince(lm.plus(Duration.ofHours(1))),
                    b -> b.ifUnmodifiedSince(lm.minus(Duration.ofHours(1))),
                    b -> b.ifUnmodifiedSince(lm),
                    b -> b.ifUnmodifiedSince(lm.plus(Duration.ofHours(1))),
                    b -> b.ifMatch(eTag).ifUnmodifiedSince(lm.minus(Duration.ofHours(1))),
                    b -> b.ifNoneMatch("\"0123\"").ifModifiedSince(lm.plus(Duration.ofHours(1))),
                    b -> b.ifMatch(eTag).range("bytes=1-"),
                    b -> b.ifNoneMatch("\"0123\"").range("bytes=-5"),
                    b -> b.ifMatch(eTag).ifNoneMatch(eTag));
            for (Consumer<GetObjectRequest.Builder> c : conditions) {
                get(calls, bucket, key, c, true);
            }
            head(calls, bucket, key, b -> b.ifMatch(eTag));
            head(calls, bucket, key, b -> b.ifMatch("\"0123\""));
            head(calls, bucket, key, b -> b.ifNoneMatch(eTag));
            head(calls, bucket, key, b -> b.ifModifiedSince(lm.plus(Duration.ofHours(1))));
            head(calls, bucket, key, b -> b.ifUnmodifiedSince(lm.minus(Duration.ofHours(1))));
        }
        for (PutObjectResponse v : List.of(v1, v2)) {
            String id = v.versionId();
            get(calls, bucket, "versioned", b -> b.versionId(id), false);
            get(calls, bucket, "versioned", b -> b.versionId(id).range("bytes=100-1099"), false);
            get(calls, bucket, "versioned", b -> b.versionId(id).range("bytes=-10"), false);
            get(calls, bucket, "versioned", b -> b.versionId(id).range("bytes=499-"), false);
            get(calls, bucket, "versioned", b -> b.versionId(id).range("bytes=500-"), false);
            get(calls, bucket, "versioned", b -> b.versionId(id).ifMatch(v.eTag()), true);
            get(calls, bucket, "versioned", b -> b.versionId(id).ifNoneMatch(v.eTag()), true);
            head(calls, bucket, "versioned", b -> b.versionId(id));
        }
        get(calls, bucket, "versioned", b -> b.versionId("no-such-version"), false);
        head(calls, bucket, "versioned", b -> b.versionId("no-such-version"));
        get(calls, bucket, "missing", b -> {}, false);
        get(calls, bucket, "missing", b -> b.range("bytes=0-9"), false);
        get(calls, bucket, "missing", b -> b.ifMatch("\"0123\""), true);
        head(calls, bucket, "missing", b -> {});
        get(calls, MISSING_BUCKET, "k", b -> {}, false);
        get(calls, MISSING_BUCKET, "k", b -> b.range("bytes=-3"), false);
        head(calls, MISSING_BUCKET, "k", b -> {});
        head(calls, bucket, "page", b -> b.range("bytes=0-9"));
        return calls;
    }

    private static void get(
            List<Call> calls,
            String bucket,
            String key,
            Consumer<GetObjectRequest.Builder> more,
            boolean mayBeForwarded) {
        GetObjectRequest.Builder b = GetObjectRequest.builder().bucket(bucket).key(key);
        more.accept(b);
        GetObjectRequest r = b.build();
        calls.add(new Call(
                "#" + calls.size() + " GET " + key
                        + describe(
                                r.range(),
                                r.versionId(),
                                r.ifMatch(),
                                r.ifNoneMatch(),
                                r.ifModifiedSince(),
                                r.ifUnmodifiedSince()),
                r,
                mayBeForwarded));
    }

    private static void head(List<Call> calls, String bucket, String key, Consumer<HeadObjectRequest.Builder> more) {
        HeadObjectRequest.Builder b = HeadObjectRequest.builder().bucket(bucket).key(key);
        more.accept(b);
        HeadObjectRequest r = b.build();
        calls.add(new Call(
                "#" + calls.size() + " HEAD " + key
                        + describe(
                                r.range(),
                                r.versionId(),
                                r.ifMatch(),
                                r.ifNoneMatch(),
                                r.ifModifiedSince(),
                                r.ifUnmodifiedSince()),
                r,
                true));
    }

    private static String describe(Object... parts) {
        String[] names = {"range", "versionId", "ifMatch", "ifNoneMatch", "ifModifiedSince", "ifUnmodifiedSince"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] != null) {
                sb.append(' ').append(names[i]).append('=').append(parts[i]);
            }
        }
        return sb.toString();
    }

    static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
