package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.TieredStore;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultRule;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A field report: STRICT gives no availability in an S3 brownout (8 of 31 warm reads failed in a 503 storm).
 * {@code serveStaleOnOriginError(maxStaleness)} serves the version last checked, within the bound, when the
 * check fails because S3 is unavailable; off by default, and never for S3's own "no".
 */
@ExtendWith(S3Extension.class)
class StaleOnErrorTest {
    private final byte[] data = ConformanceTest.bytes(new Random(61), 3 * Cached.PAGE);

    @Test
    void aBrownoutServesTheVersionCheckedWithinTheBound(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        AtomicLong now = new AtomicLong();
        ConsistencyPolicy policy = ConsistencyPolicy.STRICT.serveStaleOnOriginError(Duration.ofMinutes(5));
        try (Cached cached = cached(s3, policy, now)) {
            assertArrayEquals(data, get(cached.client(), s3)); // checked at 0
            s3.faults(FaultPlan.builder().slowDown(FaultRule.rate(1.0)).build());
            now.set(Duration.ofMinutes(4).toNanos());
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(data, get(cached.client(), s3), "read " + i + " in the storm");
                assertArrayEquals(
                        Arrays.copyOfRange(data, 5, 2000),
                        cached.client()
                                .getObjectAsBytes(
                                        b -> b.bucket(s3.bucket()).key("k").range("bytes=5-1999"))
                                .asByteArray());
            }
            assertEquals(6, cached.store().stats().staleServed());
            assertEquals(
                    data.length,
                    cached.client()
                            .headObject(b -> b.bucket(s3.bucket()).key("k"))
                            .contentLength());

            now.set(Duration.ofMinutes(6).toNanos()); // older than the bound: S3's own answer, as the bare client
            S3Exception e = assertThrows(S3Exception.class, () -> get(cached.client(), s3));
            assertEquals(503, e.statusCode());

            s3.faults(FaultPlan.none()); // the storm passes: checked again, and the bound starts over
            assertArrayEquals(data, get(cached.client(), s3));
            assertEquals(7, cached.store().stats().staleServed());
        }
    }

    @Test
    void offByDefaultAndNeverForAnAnswerOfS3(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        AtomicLong now = new AtomicLong();
        try (Cached strict = cached(s3, ConsistencyPolicy.STRICT, now);
                Cached stale =
                        cached(s3, ConsistencyPolicy.STRICT.serveStaleOnOriginError(Duration.ofMinutes(5)), now)) {
            get(strict.client(), s3);
            get(stale.client(), s3);
            s3.faults(FaultPlan.builder().slowDown(FaultRule.rate(1.0)).build());
            assertEquals(
                    503,
                    assertThrows(S3Exception.class, () -> get(strict.client(), s3))
                            .statusCode());
            assertEquals(0, strict.store().stats().staleServed());

            s3.faults(FaultPlan.none());
            s3.foreignWriter().delete("k");
            assertThrows(NoSuchKeyException.class, () -> get(stale.client(), s3));
            assertEquals(0, stale.store().stats().staleServed(), "a 404 is S3's answer, not unavailability");
        }
    }

    @Test
    void unavailabilityIsA5xxATimeoutOrNoConnection() {
        try (S3Client client = S3Clients.sync(URI.create("http://127.0.0.1:9"))) { // never called
            classifies(S3Origin.create(client));
        }
    }

    private static void classifies(S3Origin origin) {
        assertTrue(origin.isUnavailable(status(503)));
        assertTrue(origin.isUnavailable(status(500)));
        assertFalse(origin.isUnavailable(status(403)));
        assertFalse(origin.isUnavailable(status(404)));
        assertFalse(origin.isUnavailable(status(412)));
        assertTrue(origin.isUnavailable(ApiCallTimeoutException.create(1000)));
        assertTrue(origin.isUnavailable(ApiCallAttemptTimeoutException.create(1000)));
        assertTrue(origin.isUnavailable(clientFailure(new ConnectException("refused"))));
        assertTrue(origin.isUnavailable(clientFailure(new IOException(new SocketTimeoutException("read")))));
        assertFalse(origin.isUnavailable(clientFailure(new IOException("premature end"))));
        assertFalse(origin.isUnavailable(new IllegalStateException("not an SDK failure")));
        assertInstanceOf(S3Exception.class, status(503));
    }

    private static Cached cached(S3Fixture s3, ConsistencyPolicy policy, AtomicLong now) {
        S3Origin origin = S3Origin.create(s3.s3());
        TieredStore store = TieredStore.builder()
                .origin(origin)
                .pageSize(Cached.PAGE)
                .defaultConsistency(policy)
                .ticker(now::get)
                .tier(new MapTier("map"))
                .build();
        return new Cached(origin, store, CachingS3Client.create(store, origin));
    }

    private static byte[] get(S3Client client, S3Fixture s3) {
        return client.getObjectAsBytes(b -> b.bucket(s3.bucket()).key("k")).asByteArray();
    }

    private static S3Exception status(int code) {
        return (S3Exception)
                S3Exception.builder().statusCode(code).message("status " + code).build();
    }

    private static SdkClientException clientFailure(Throwable cause) {
        return SdkClientException.builder().message("failed").cause(cause).build();
    }
}
