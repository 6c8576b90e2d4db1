package io.tieredstore.testfixtures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

@ExtendWith(S3Extension.class)
class FaultProxyTest {
    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] get(S3Client s3, String bucket, String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
    }

    /* --------------- Counters --------------- */

    @Test
    void counters_countEachOperationAndItsBytesExactly(S3Fixture s3) {
        byte[] data = randomBytes(100_000, 1);
        s3.foreignWriter().put("obj", data);
        assertEquals(0, s3.counters().totalRequests(), "foreign writes bypass the counters");

        assertArrayEquals(data, get(s3.s3(), s3.bucket(), "obj"));
        byte[] range = s3.s3()
                .getObjectAsBytes(b -> b.bucket(s3.bucket()).key("obj").range("bytes=10-4105"))
                .asByteArray();
        assertArrayEquals(Arrays.copyOfRange(data, 10, 4106), range);
        s3.s3().getObjectAsBytes(b -> b.bucket(s3.bucket()).key("obj").range("bytes=-100"));
        s3.s3().headObject(b -> b.bucket(s3.bucket()).key("obj"));
        s3.s3().listObjectsV2(b -> b.bucket(s3.bucket()));
        s3.s3().putObject(b -> b.bucket(s3.bucket()).key("new"), RequestBody.fromBytes(new byte[] {1, 2, 3}));
        s3.s3().deleteObject(b -> b.bucket(s3.bucket()).key("new"));

        OriginCounters c = s3.counters();
        assertEquals(1, c.requests(S3Operation.GET), c::toString);
        assertEquals(2, c.requests(S3Operation.RANGED_GET), c::toString);
        assertEquals(1, c.requests(S3Operation.HEAD), c::toString);
        assertEquals(1, c.requests(S3Operation.LIST), c::toString);
        assertEquals(1, c.requests(S3Operation.PUT), c::toString);
        assertEquals(1, c.requests(S3Operation.DELETE), c::toString);
        assertEquals(7, c.totalRequests(), c::toString);
        assertEquals(data.length, c.responseBytes(S3Operation.GET));
        assertEquals(4096 + 100, c.responseBytes(S3Operation.RANGED_GET));
        assertEquals(0, c.responseBytes(S3Operation.HEAD));
        assertTrue(c.requestBytes(S3Operation.PUT) >= 3, "the PUT body went to the origin");
        assertEquals(0, c.injected(Fault.SLOW_DOWN) + c.injected(Fault.RESET) + c.injected(Fault.TRUNCATE));

        c.reset();
        assertEquals(0, c.totalRequests());
    }

    @Test
    void errorsOfTheOrigin_passThroughUnchanged(S3Fixture s3) {
        NoSuchKeyException e = assertThrows(NoSuchKeyException.class, () -> get(s3.s3(), s3.bucket(), "missing"));
        assertEquals(404, e.statusCode());
        assertEquals(1, s3.counters().requests(S3Operation.GET));
    }

    /* --------------- Latency and bandwidth --------------- */

    @Test
    void latency_standardProfileDelaysTheFirstByte(S3Fixture s3) {
        s3.foreignWriter().put("small", randomBytes(4096, 2));
        double base = medianMillis(s3, 21);
        s3.faults(FaultPlan.of(LatencyProfile.STANDARD));
        double standard = medianMillis(s3, 21);
        // Each request waits at least its drawn latency; the drawn median of 21 requests is 30 ms +- ~8 ms.
        assertTrue(standard >= 20, "median with STANDARD: " + standard + " ms (none: " + base + " ms)");
        assertTrue(standard - base < 120, "median with STANDARD: " + standard + " ms (none: " + base + " ms)");
    }

    private static double medianMillis(S3Fixture s3, int requests) {
        double[] ms = new double[requests];
        for (int i = 0; i < requests; i++) {
            long t0 = System.nanoTime();
            s3.s3().getObjectAsBytes(b -> b.bucket(s3.bucket()).key("small").range("bytes=0-1023"));
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[requests / 2];
    }

    @Test
    void bandwidthCap_slowsLargeBodies(S3Fixture s3) {
        byte[] data = randomBytes(1 << 20, 3);
        s3.foreignWriter().put("big", data);
        s3.faults(FaultPlan.builder().bandwidth(2L << 20).build()); // 2 MiB/s
        long t0 = System.nanoTime();
        assertArrayEquals(data, get(s3.s3(), s3.bucket(), "big"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 0.45, "1 MiB at 2 MiB/s took " + seconds + " s");
    }

    @Test
    void largeObject_streamsThroughIntact(S3Fixture s3) throws IOException {
        byte[] data = randomBytes(24 << 20, 4);
        s3.foreignWriter().put("large", data);
        try (InputStream in = s3.s3().getObject(b -> b.bucket(s3.bucket()).key("large"))) {
            assertArrayEquals(data, in.readAllBytes());
        }
        assertEquals(data.length, s3.counters().responseBytes(S3Operation.GET));
    }

    /**
     * A response the origin ends with {@code Connection: close} reaches the client whole although the proxy
     * holds it back for its first-byte latency: the client connection closes only after the last byte is
     * written. The client's small receive buffer keeps most of each body queued in the proxy at close time.
     */
    @Test
    void connectionClose_afterLatency_deliversEveryBodyWhole(S3Fixture s3) throws Exception {
        byte[] data = randomBytes(150_000, 9);
        s3.foreignWriter().put("k", data);
        s3.faults(FaultPlan.of(LatencyProfile.STANDARD));
        int requests = 200;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<byte[]>> bodies = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                bodies.add(pool.submit(() -> RawHttp.getClosing(s3.proxy().uri(), "/" + s3.bucket() + "/k")));
            }
            List<Integer> cut = new ArrayList<>();
            for (Future<byte[]> body : bodies) {
                byte[] got = body.get(60, TimeUnit.SECONDS);
                if (!Arrays.equals(data, got)) {
                    cut.add(got.length);
                }
            }
            assertEquals(List.of(), cut, cut.size() + " of " + requests + " bodies were cut, at these lengths");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(requests, s3.counters().requests(S3Operation.GET));
    }

    /* --------------- 503 SlowDown --------------- */

    @Test
    void slowDownStorm_isThrottlingToTheSdk_andRetried(S3Fixture s3) {
        byte[] data = randomBytes(1000, 5);
        s3.foreignWriter().put("k", data);
        s3.faults(FaultPlan.builder()
                .slowDown(FaultRule.first(S3Clients.MAX_ATTEMPTS - 1))
                .build());

        assertArrayEquals(data, get(s3.s3(), s3.bucket(), "k"), "the last retry gets through");
        assertEquals(S3Clients.MAX_ATTEMPTS - 1, s3.counters().injected(Fault.SLOW_DOWN));
        assertEquals(1, s3.counters().requests(S3Operation.GET), "only the successful attempt reached S3");
    }

    @Test
    void slowDownStorm_thatOutlastsTheRetries_reachesTheCallerAsS3Would(S3Fixture s3) {
        s3.foreignWriter().put("k", new byte[10]);
        s3.faults(FaultPlan.builder().slowDown(FaultRule.rate(1.0)).build());

        S3Exception e = assertThrows(S3Exception.class, () -> get(s3.s3(), s3.bucket(), "k"));
        assertEquals(503, e.statusCode());
        assertEquals("SlowDown", e.awsErrorDetails().errorCode());
        assertTrue(e.isThrottlingException(), "the SDK sees 503 SlowDown as throttling");
        assertEquals(S3Clients.MAX_ATTEMPTS, s3.counters().injected(Fault.SLOW_DOWN), "every attempt was retried");
        assertEquals(0, s3.counters().totalRequests());
    }

    @Test
    void slowDown_duringAWindow(S3Fixture s3) {
        s3.foreignWriter().put("k", new byte[10]);
        s3.faults(FaultPlan.builder()
                .slowDown(FaultRule.during(java.time.Duration.ZERO, java.time.Duration.ofHours(1)))
                .build());
        assertThrows(S3Exception.class, () -> get(s3.s3(), s3.bucket(), "k"));
        s3.faults(FaultPlan.builder()
                .slowDown(FaultRule.during(java.time.Duration.ofHours(1), java.time.Duration.ofHours(2)))
                .build());
        assertEquals(10, get(s3.s3(), s3.bucket(), "k").length);
    }

    @Test
    void asyncClient_seesTheSameFaults(S3Fixture s3) {
        byte[] data = randomBytes(5000, 6);
        s3.foreignWriter().put("k", data);
        s3.faults(FaultPlan.builder().slowDown(FaultRule.first(1)).build());
        ResponseBytes<GetObjectResponse> got = s3.s3Async()
                .getObject(
                        b -> b.bucket(s3.bucket()).key("k"),
                        software.amazon.awssdk.core.async.AsyncResponseTransformer.toBytes())
                .join();
        assertArrayEquals(data, got.asByteArray());
        assertEquals(1, s3.counters().injected(Fault.SLOW_DOWN));
        assertEquals(1, s3.counters().requests(S3Operation.GET));
    }

    /* --------------- Resets and truncation --------------- */

    @Test
    void reset_isRetriedByTheSdk(S3Fixture s3) {
        byte[] data = randomBytes(2000, 7);
        s3.foreignWriter().put("k", data);
        s3.faults(FaultPlan.builder().reset(FaultRule.first(1)).build());
        assertArrayEquals(data, get(s3.s3(), s3.bucket(), "k"));
        assertEquals(1, s3.counters().injected(Fault.RESET));
        assertEquals(1, s3.counters().requests(S3Operation.GET));
    }

    @Test
    void reset_onEveryAttempt_failsTheCall(S3Fixture s3) {
        s3.foreignWriter().put("k", new byte[10]);
        s3.faults(FaultPlan.builder().reset(FaultRule.rate(1.0)).build());
        assertThrows(SdkClientException.class, () -> get(s3.s3(), s3.bucket(), "k"));
        assertEquals(S3Clients.MAX_ATTEMPTS, s3.counters().injected(Fault.RESET));
    }

    @Test
    void truncatedBody_isAnErrorForTheReader_neverShortData(S3Fixture s3) {
        byte[] data = randomBytes(256 * 1024, 8);
        s3.foreignWriter().put("k", data);
        s3.faults(FaultPlan.builder().truncate(FaultRule.first(1)).build());

        byte[] received = new byte[data.length];
        int[] n = {0};
        Exception e = assertThrows(
                Exception.class,
                () -> s3.s3().getObject(b -> b.bucket(s3.bucket()).key("k"), ResponseTransformer.unmanaged((r, in) -> {
                    try (InputStream stream = in) {
                        int read;
                        while ((read = stream.read(received, n[0], received.length - n[0])) > 0) {
                            n[0] += read;
                        }
                    }
                    return r;
                })));
        assertTrue(e instanceof IOException || e instanceof SdkClientException, e::toString);
        assertTrue(n[0] < data.length, "read " + n[0] + " of " + data.length);
        assertArrayEquals(Arrays.copyOf(data, n[0]), Arrays.copyOf(received, n[0]), "the prefix is intact");
        assertEquals(1, s3.counters().injected(Fault.TRUNCATE));
        assertArrayEquals(data, get(s3.s3(), s3.bucket(), "k"), "the next read is whole");
    }

    /* --------------- Determinism --------------- */

    @Test
    void samePlanAndSeed_sameFaults(S3Fixture s3) {
        s3.foreignWriter().put("k", new byte[10]);
        FaultPlan plan =
                FaultPlan.builder().seed(7).slowDown(FaultRule.rate(0.5)).build();
        List<Boolean> first = faultPattern(s3, plan, 24);
        List<Boolean> second = faultPattern(s3, plan, 24);
        List<Boolean> otherSeed = faultPattern(s3, plan.toBuilder().seed(8).build(), 24);
        assertEquals(first, second);
        assertNotEquals(first, otherSeed);
        assertTrue(first.contains(true) && first.contains(false), first::toString);
    }

    private static List<Boolean> faultPattern(S3Fixture s3, FaultPlan plan, int requests) {
        s3.faults(plan);
        List<Boolean> throttled = new ArrayList<>();
        try (S3Client once = S3Clients.syncBuilder(s3.proxy().uri())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build()) {
            for (int i = 0; i < requests; i++) {
                try {
                    once.headObject(b -> b.bucket(s3.bucket()).key("k"));
                    throttled.add(false);
                } catch (S3Exception e) {
                    assertEquals(503, e.statusCode());
                    throttled.add(true);
                }
            }
        }
        return throttled;
    }

    /* --------------- Foreign writer --------------- */

    @Test
    void foreignWriter_overwritesAndDeletesBehindTheClientsBack(S3Fixture s3) {
        String etag1 = s3.foreignWriter().put("k", "one".getBytes(StandardCharsets.UTF_8));
        String etag2 = s3.foreignWriter().put("k", "two".getBytes(StandardCharsets.UTF_8));
        assertNotEquals(etag1, etag2);
        assertEquals("two", new String(get(s3.s3(), s3.bucket(), "k"), StandardCharsets.UTF_8));
        s3.foreignWriter().delete("k");
        assertThrows(NoSuchKeyException.class, () -> get(s3.s3(), s3.bucket(), "k"));
        assertEquals(2, s3.counters().requests(S3Operation.GET), "only the two reads were counted");
    }
}
