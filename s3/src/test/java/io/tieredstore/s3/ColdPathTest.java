package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.Fault;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultRule;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A miss costs what a direct read costs: exact origin requests and bytes of cold reads through the caching
 * client, beside the bare client's, for each range form and several object sizes (pages of {@link Cached#PAGE}
 * bytes; a cold read fetches the pages it touches).
 */
@ExtendWith(S3Extension.class)
class ColdPathTest {
    private static final int PAGE = Cached.PAGE;

    /** One range form of a cold GET, what the caller gets of an object of {@code size} bytes. */
    private record Form(String range, long first, long length) {}

    private static Form[] forms(int size) {
        int mid = size / 3;
        return new Form[] {
            new Form("bytes=" + mid + "-" + (mid + 99), mid, Math.min(100, size - mid)),
            new Form("bytes=" + mid + "-" + (mid + 3 * PAGE), mid, Math.min(3 * PAGE + 1, size - mid)),
            new Form("bytes=" + mid + "-", mid, size - mid),
            new Form("bytes=-" + 700, Math.max(0, size - 700), Math.min(700, size)),
            new Form("bytes=0-0", 0, 1),
            new Form(null, 0, size),
        };
    }

    /**
     * Every form, on objects of one byte to many pages, under STRICT and IMMUTABLE: a cold GET is one request
     * (no HEAD), as it is for the bare client, and it brings at most the pages the range touches.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"STRICT", "IMMUTABLE"})
    void aColdGetIsOneRequestOfThePagesItTouches(String policyName, S3Fixture s3) {
        ConsistencyPolicy policy = policyName.equals("STRICT") ? ConsistencyPolicy.STRICT : ConsistencyPolicy.IMMUTABLE;
        int n = 0;
        for (int size : new int[] {1, PAGE - 1, PAGE + 1, 7 * PAGE + 3, 40 * PAGE}) {
            byte[] data = ConformanceTest.bytes(new Random(size), size);
            for (Form form : forms(size)) {
                String key = "k" + n++;
                s3.foreignWriter().put(key, data);
                try (Cached cached = Cached.over(s3.s3(), policy, new MapTier("map"))) {
                    s3.counters().reset();
                    byte[] got = cached.client()
                            .getObjectAsBytes(
                                    b -> b.bucket(s3.bucket()).key(key).range(form.range()))
                            .asByteArray();
                    String what = size + " bytes, range " + form.range() + ": " + s3.counters();
                    int first = (int) form.first();
                    assertArrayEquals(Arrays.copyOfRange(data, first, first + (int) form.length()), got, what);
                    assertEquals(1, s3.counters().totalRequests(), what);
                    assertEquals(0, s3.counters().requests(S3Operation.HEAD), what);
                    long pagesTouched = (first + form.length() - 1) / PAGE - first / PAGE + 1;
                    // a suffix starts where the object's length puts it: one page more at most
                    long bound = (pagesTouched
                                    + (form.range() != null && form.range().startsWith("bytes=-") ? 1 : 0))
                            * PAGE;
                    assertTrue(s3.counters().totalResponseBytes() <= bound, what + ", bound " + bound);

                    s3.counters().reset(); // and the same read again is a hit, or one HEAD under STRICT
                    cached.client()
                            .getObjectAsBytes(
                                    b -> b.bucket(s3.bucket()).key(key).range(form.range()));
                    assertEquals(policy.checksEveryOpen() ? 1 : 0, s3.counters().totalRequests(), what);
                }
            }
        }
    }

    /**
     * A cold whole-object stream of many pages is one GET through the cache, read as it arrives; its pages
     * fill the tier as they pass, so the second stream sends nothing under IMMUTABLE. A stream of a version
     * already known (a HEAD first) is one GET with If-Match.
     */
    @Test
    void aColdStreamIsOneGetThatFillsThePages(S3Fixture s3) throws IOException {
        byte[] data = ConformanceTest.bytes(new Random(5), 200 * PAGE + 11);
        s3.foreignWriter().put("big", data);
        s3.foreignWriter().put("known", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            assertArrayEquals(data, readAll(cached.client(), s3, "big"));
            assertEquals(
                    1, s3.counters().requests(S3Operation.GET), s3.counters().toString());
            assertEquals(1, s3.counters().totalRequests(), s3.counters().toString());
            assertEquals(data.length, s3.counters().totalResponseBytes());
            assertEquals(data.length, cached.store().stats().originBytes());

            s3.counters().reset();
            assertArrayEquals(data, readAll(cached.client(), s3, "big"));
            assertEquals(0, s3.counters().totalRequests(), s3.counters().toString());

            cached.client().headObject(b -> b.bucket(s3.bucket()).key("known"));
            s3.counters().reset();
            assertArrayEquals(data, readAll(cached.client(), s3, "known"));
            assertEquals(
                    1,
                    s3.counters().requests(S3Operation.RANGED_GET),
                    s3.counters().toString());
            assertEquals(1, s3.counters().totalRequests(), s3.counters().toString());
        }
    }

    /**
     * Under 30% connection resets, 60 cold ranged reads through the cache (each of a new object) fail no
     * more often than the same reads through the bare client, and never return wrong bytes: a cold read is
     * one request with the SDK's own retries, as the bare client's is.
     */
    @Test
    void underResetsAColdReadFailsNoMoreThanTheBareClient(S3Fixture s3) {
        byte[] data = ConformanceTest.bytes(new Random(6), 9 * PAGE);
        for (int i = 0; i < 60; i++) {
            s3.foreignWriter().put("r" + i, data);
        }
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT, new MapTier("map"))) {
            s3.faults(FaultPlan.builder().seed(11).reset(FaultRule.rate(0.3)).build());
            int bareFailures = 0;
            int cachedFailures = 0;
            for (int i = 0; i < 60; i++) {
                String key = "r" + i;
                bareFailures += failed(s3.s3(), s3, key, data);
                cachedFailures += failed(cached.client(), s3, key, data);
            }
            assertTrue(s3.counters().injected(Fault.RESET) > 20, "faults injected: " + s3.counters());
            assertTrue(
                    cachedFailures <= bareFailures,
                    "failed reads: " + cachedFailures + " through the cache, " + bareFailures + " bare");
        }
    }

    /** 1 if a read of 4 KiB at 1000 failed with an SDK exception, 0 if it returned the right bytes. */
    private static int failed(S3Client client, S3Fixture s3, String key, byte[] data) {
        try {
            byte[] got = client.getObjectAsBytes(
                            b -> b.bucket(s3.bucket()).key(key).range("bytes=1000-5095"))
                    .asByteArray();
            assertArrayEquals(Arrays.copyOfRange(data, 1000, 5096), got, key);
            return 0;
        } catch (SdkException e) {
            return 1;
        }
    }

    private static byte[] readAll(S3Client client, S3Fixture s3, String key) throws IOException {
        try (InputStream in = client.getObject(b -> b.bucket(s3.bucket()).key(key))) {
            return in.readAllBytes();
        }
    }
}
