package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.core.TieredStore;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A field report: one store shared by two caching clients with different credentials served B the object
 * after B's access was revoked, with no request under B's credentials, because STRICT's check went out on
 * the store's origin (A's). Here B's client carries an interceptor that answers 403 AccessDenied to every
 * request once B is revoked, as S3 would for a principal whose policy was withdrawn.
 */
@ExtendWith(S3Extension.class)
class AuthorizationTest {
    private final byte[] data = ConformanceTest.bytes(new Random(51), 3 * Cached.PAGE);

    @Test
    void strictChecksWithTheCallersCredentials(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        Principal b = new Principal(s3);
        try (TieredStore store = store(s3, ConsistencyPolicy.STRICT);
                S3Client revocable = b.client()) {
            CachingS3Client viaA = CachingS3Client.create(store, S3Origin.create(s3.s3()));
            CachingS3Client viaB = CachingS3Client.create(store, S3Origin.create(revocable));
            assertArrayEquals(data, get(viaB, s3));
            b.revoke();
            assertDeniedAsTheBareClient(revocable, viaB, s3, b);
            assertArrayEquals(data, get(viaA, s3), "A keeps its access");
        }
    }

    /** IMMUTABLE never checks: without re-authorisation the store is one trust domain (docs/security.md). */
    @Test
    void immutableWithoutReauthorizationServesTheStoresTrustDomain(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        Principal b = new Principal(s3);
        try (TieredStore store = store(s3, ConsistencyPolicy.IMMUTABLE);
                S3Client revocable = b.client()) {
            CachingS3Client viaB = CachingS3Client.create(store, S3Origin.create(revocable));
            assertArrayEquals(data, get(viaB, s3));
            b.revoke();
            b.requests.set(0);
            assertArrayEquals(data, get(viaB, s3), "served from the cache, as documented");
            assertEquals(0, b.requests.get(), "no request under B's credentials");
        }
    }

    @Test
    void reauthorizingEveryReadChecksEachHit(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        Principal b = new Principal(s3);
        try (TieredStore store = store(s3, ConsistencyPolicy.IMMUTABLE);
                S3Client revocable = b.client()) {
            CachingS3Client viaB = CachingS3Client.builder(store, S3Origin.create(revocable))
                    .reauthorizeEvery(Duration.ZERO)
                    .build();
            assertArrayEquals(data, get(viaB, s3));
            s3.counters().reset();
            assertArrayEquals(data, get(viaB, s3));
            assertEquals(1, s3.counters().requests(S3Operation.HEAD), "one HEAD per hit: " + s3.counters());
            assertEquals(0, s3.counters().requests(S3Operation.RANGED_GET), "the bytes are the cache's");
            b.revoke();
            assertDeniedAsTheBareClient(revocable, viaB, s3, b);
        }
    }

    @Test
    void reauthorizingAfterAnIntervalChecksOnlyOlderAuthorizations(S3Fixture s3) {
        s3.foreignWriter().put("k", data);
        Principal b = new Principal(s3);
        AtomicLong now = new AtomicLong();
        try (TieredStore store = store(s3, ConsistencyPolicy.IMMUTABLE);
                S3Client revocable = b.client()) {
            CachingS3Client viaB = CachingS3Client.builder(store, S3Origin.create(revocable))
                    .reauthorizeEvery(Duration.ofMinutes(1))
                    .ticker(now::get)
                    .build();
            assertArrayEquals(data, get(viaB, s3)); // authorised at 0
            b.revoke();
            now.set(Duration.ofSeconds(59).toNanos());
            b.requests.set(0);
            assertArrayEquals(data, get(viaB, s3), "within the interval: served");
            assertEquals(0, b.requests.get());
            now.set(Duration.ofSeconds(61).toNanos());
            assertDeniedAsTheBareClient(revocable, viaB, s3, b);
        }
    }

    @Test
    void aClientOfAnotherOriginIsRefusedAtBuild(S3Fixture s3) {
        try (TieredStore store = store(s3, ConsistencyPolicy.STRICT)) {
            S3Origin elsewhere = S3Origin.create(s3.s3(), "another-endpoint", 10);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> CachingS3Client.builder(store, elsewhere).build());
            assertTrue(e.getMessage().contains("another-endpoint"), e.getMessage());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> CachingS3Client.builder(store, S3Origin.create(s3.s3()))
                            .reauthorizeEvery(Duration.ofSeconds(-1)));
        }
    }

    private static TieredStore store(S3Fixture s3, ConsistencyPolicy policy) {
        return TieredStore.builder()
                .origin(S3Origin.create(s3.s3()))
                .pageSize(Cached.PAGE)
                .defaultConsistency(policy)
                .tier(new MapTier("map"))
                .build();
    }

    /** B's GET and HEAD through the cache fail as B's bare client's do, after requests under B's credentials. */
    private static void assertDeniedAsTheBareClient(S3Client bare, S3Client cached, S3Fixture s3, Principal b) {
        Outcome bareGet = Outcome.capture(() -> outcome(bare, s3));
        assertEquals("403", bareGet.fields().get("status"), bareGet.fields().toString());
        assertEquals("AccessDenied", bareGet.fields().get("errorCode"));
        b.requests.set(0);
        assertEquals("", bareGet.diff(Outcome.capture(() -> outcome(cached, s3))));
        assertTrue(b.requests.get() > 0, "the cache asked S3 with B's credentials");
        Outcome bareHead = Outcome.capture(() ->
                Outcome.of(bare.headObject(r -> r.bucket(s3.bucket()).key("k")), new byte[0]));
        assertEquals("403", bareHead.fields().get("status"));
        assertEquals(
                "",
                bareHead.diff(Outcome.capture(() ->
                        Outcome.of(cached.headObject(r -> r.bucket(s3.bucket()).key("k")), new byte[0]))));
    }

    private static Outcome outcome(S3Client client, S3Fixture s3) {
        ResponseBytes<GetObjectResponse> r =
                client.getObjectAsBytes(b -> b.bucket(s3.bucket()).key("k"));
        return Outcome.of(r.response(), r.asByteArray());
    }

    private static byte[] get(S3Client client, S3Fixture s3) {
        return client.getObjectAsBytes(b -> b.bucket(s3.bucket()).key("k")).asByteArray();
    }

    /** A second principal: its own client on the fixture's proxy, whose S3 answers 403 once it is revoked. */
    private static final class Principal implements ExecutionInterceptor {
        private static final byte[] DENIED = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied"
                        + "</Code><Message>Access Denied</Message><RequestId>R</RequestId><HostId>H</HostId></Error>")
                .getBytes(StandardCharsets.UTF_8);

        private final S3Fixture s3;
        private final AtomicBoolean revoked = new AtomicBoolean();
        final AtomicLong requests = new AtomicLong();

        Principal(S3Fixture s3) {
            this.s3 = s3;
        }

        S3Client client() {
            return S3Clients.syncBuilder(s3.proxy().uri())
                    .overrideConfiguration(c -> c.addExecutionInterceptor(this))
                    .build();
        }

        void revoke() {
            revoked.set(true);
        }

        @Override
        public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            requests.incrementAndGet();
            if (!revoked.get()) {
                return context.httpResponse();
            }
            return context.httpResponse().toBuilder()
                    .statusCode(403)
                    .statusText("Forbidden")
                    .clearHeaders()
                    .putHeader("Content-Type", "application/xml")
                    .putHeader("Content-Length", Integer.toString(DENIED.length))
                    .putHeader("x-amz-request-id", "R")
                    .putHeader("x-amz-id-2", "H")
                    .build();
        }

        @Override
        public Optional<InputStream> modifyHttpResponseContent(
                Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            if (!revoked.get()) {
                return context.responseBody();
            }
            return Optional.of(new ByteArrayInputStream(DENIED));
        }
    }
}
