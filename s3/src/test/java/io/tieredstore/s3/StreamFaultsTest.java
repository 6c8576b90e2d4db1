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
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Streams through the cache fail as the bare client's do: the same kinds of exception at the same places
 * (an {@link SdkException} from {@code getObject}, an {@link IOException} from {@code read}), under injected
 * faults and after {@code close}; never an exception of the cache's own or the SDK's internal retry signals
 * from {@code read}.
 */
@ExtendWith(S3Extension.class)
class StreamFaultsTest {
    private static final int SIZE = 5 * Cached.PAGE + 17;

    /**
     * A field report: under 30% truncated bodies a whole-object stream threw the SDK's RetryableException
     * from read(). Every whole-object read, streamed and as bytes, under 30% truncated bodies and under 30%
     * connection resets, through the bare client and through a cache that fills every page from S3 (a cold
     * whole-object read is one streamed GET, resumed with If-Match where it broke): the places and kinds of failure the cache shows are ones the bare
     * client shows too, and every read that succeeds has the object's bytes.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TRUNCATE", "RESET"})
    void truncatedBodiesFailAsTheyDoForTheBareClient(String faultName, S3Fixture s3) {
        Fault fault = Fault.valueOf(faultName);
        byte[] data = ConformanceTest.bytes(new Random(41), SIZE);
        s3.foreignWriter().put("k", data);
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.STRICT)) { // no tier: every page from S3
            FaultPlan.Builder plan = FaultPlan.builder().seed(7);
            s3.faults((fault == Fault.TRUNCATE ? plan.truncate(FaultRule.rate(0.3)) : plan.reset(FaultRule.rate(0.3)))
                    .build());
            Set<String> bare = new TreeSet<>();
            Set<String> viaCache = new TreeSet<>();
            for (int i = 0; i < 40; i++) {
                bare.add(streamed(s3.s3(), s3.bucket(), data));
                bare.add(asBytes(s3.s3(), s3.bucket(), data));
                viaCache.add(streamed(cached.client(), s3.bucket(), data));
                viaCache.add(asBytes(cached.client(), s3.bucket(), data));
            }
            assertTrue(s3.counters().injected(fault) > 20, "faults injected: " + s3.counters());
            if (fault == Fault.TRUNCATE) {
                assertTrue(
                        bare.contains("stream read: IOException"), "the bare client's streams fail in read(): " + bare);
            }
            // The places the bare client fails: read() of a stream, getObject of a whole body, and, when a reset
            // meets every attempt of the SDK's, getObject of a stream.
            Set<String> bareFailsSo = new TreeSet<>(
                    Set.of("stream ok", "stream read: IOException", "bytes ok", "bytes getObject: SdkException"));
            if (fault == Fault.RESET) {
                bareFailsSo.add("stream getObject: SdkException");
            }
            for (String outcome : viaCache) {
                assertTrue(bareFailsSo.contains(outcome), "through the cache: " + viaCache + ", bare: " + bare);
            }
        }
    }

    /**
     * A field report: after close(), read() on an empty object's stream returns -1 from the bare client but
     * threw through the cache. Both sides, for an empty and a non-empty object, closed unread, part read and
     * wholly read, cold and warm: the same values or the same exceptions with the same messages.
     */
    @Test
    void aClosedStreamReadsAsTheBareClientsDoes(S3Fixture s3) throws IOException {
        s3.foreignWriter().put("empty", new byte[0]);
        s3.foreignWriter().put("k", ConformanceTest.bytes(new Random(42), Cached.PAGE + 1));
        try (Cached cached = Cached.over(s3.s3(), ConsistencyPolicy.IMMUTABLE, new MapTier("map"))) {
            List<String> differences = new ArrayList<>();
            for (String key : List.of("empty", "k")) {
                for (int before : new int[] {0, 10, Integer.MAX_VALUE}) {
                    String expected = afterClose(s3.s3(), s3.bucket(), key, before);
                    for (String pass : List.of("cold", "warm")) {
                        String got = afterClose(cached.client(), s3.bucket(), key, before);
                        if (!expected.equals(got)) {
                            differences.add(key + " read " + before + " " + pass + ": " + expected + " != " + got);
                        }
                    }
                }
            }
            assertEquals(List.of(), differences);
        }
    }

    private static String streamed(S3Client client, String bucket, byte[] data) {
        InputStream in;
        try {
            in = client.getObject(b -> b.bucket(bucket).key("k"));
        } catch (SdkException e) {
            return "stream getObject: SdkException";
        }
        try (InputStream body = in) {
            assertArrayEquals(data, body.readAllBytes());
            return "stream ok";
        } catch (IOException e) {
            return "stream read: IOException";
        } catch (RuntimeException e) {
            return "stream read: " + e.getClass().getName();
        }
    }

    private static String asBytes(S3Client client, String bucket, byte[] data) {
        try {
            assertArrayEquals(
                    data,
                    client.getObjectAsBytes(b -> b.bucket(bucket).key("k")).asByteArray());
            return "bytes ok";
        } catch (SdkException e) {
            return "bytes getObject: SdkException";
        }
    }

    /** What read() and read(byte[]) give after close, having read {@code before} bytes first. */
    private static String afterClose(S3Client client, String bucket, String key, int before) throws IOException {
        InputStream in = client.getObject(b -> b.bucket(bucket).key(key));
        in.readNBytes(before);
        in.close();
        return attempt(in::read) + " / " + attempt(() -> in.read(new byte[5]));
    }

    private interface Read {
        int read() throws IOException;
    }

    private static String attempt(Read read) {
        try {
            return Integer.toString(read.read());
        } catch (IOException | RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }
}
