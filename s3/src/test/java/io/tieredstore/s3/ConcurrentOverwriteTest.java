package io.tieredstore.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.MapTier;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A field report: 16 readers through the cache while a foreign writer overwrites the key saw
 * ObjectChangedException, a type the bare client never throws, under STRICT, TTL and IMMUTABLE. Here the
 * same: every read either succeeds with the bytes of exactly the version whose ETag it reports, or fails
 * as a bare client's read can (an IOException from a stream's read, after bytes of one version).
 */
@ExtendWith(S3Extension.class)
class ConcurrentOverwriteTest {
    private static final int READERS = 16;
    private static final int READS_PER_READER = 15;
    private static final int MAX_VERSIONS = 200;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"STRICT", "TTL", "IMMUTABLE"})
    void readersSeeOnlyWholeVersionsAndBareClientErrors(String policyName, S3Fixture s3) throws Exception {
        ConsistencyPolicy policy = switch (policyName) {
            case "STRICT" -> ConsistencyPolicy.STRICT;
            case "TTL" -> ConsistencyPolicy.ttl(Duration.ofMillis(1));
            default -> ConsistencyPolicy.IMMUTABLE;
        };
        Map<String, Integer> versionOfETag = new HashMap<>(); // known before the write: a reader may be first
        for (int v = 0; v < MAX_VERSIONS; v++) {
            versionOfETag.put(eTag(content(v)), v);
        }
        s3.foreignWriter().put("k", content(0));
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        AtomicInteger streamFailures = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
        try (Cached cached = Cached.over(s3.s3(), policy, new MapTier("map"))) {
            // Readers make their later reads only once the writer has written a few versions, so that reads and
            // writes overlap however fast the reads are.
            CountDownLatch fewWritten = new CountDownLatch(3);
            Future<Integer> writer = pool.submit(() -> {
                int v = 1;
                for (; v < MAX_VERSIONS && !done.get(); v++) {
                    s3.foreignWriter().put("k", content(v));
                    fewWritten.countDown();
                }
                return v;
            });
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                Random random = new Random(r);
                readers.add(pool.submit(() -> {
                    for (int i = 0; i < READS_PER_READER; i++) {
                        read(cached, s3, random, versionOfETag, wrong, streamFailures);
                        reads.incrementAndGet();
                        if (i == 0 && !fewWritten.await(1, TimeUnit.MINUTES)) {
                            throw new IllegalStateException("the writer wrote too few versions");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : readers) {
                f.get(2, TimeUnit.MINUTES);
            }
            done.set(true);
            int versions = writer.get(1, TimeUnit.MINUTES);
            assertEquals(List.of(), new ArrayList<>(wrong), wrong.size() + " wrong outcomes");
            assertEquals(READERS * READS_PER_READER, reads.get());
            assertTrue(versions > 2, "the writer wrote " + versions + " versions");
        } finally {
            pool.shutdownNow();
        }
    }

    /** One read: whole or ranged, as bytes or streamed; records anything a bare client could not give. */
    private static void read(
            Cached cached,
            S3Fixture s3,
            Random random,
            Map<String, Integer> versionOfETag,
            ConcurrentLinkedQueue<String> wrong,
            AtomicInteger streamFailures) {
        boolean ranged = random.nextBoolean();
        String range =
                ranged ? "bytes=" + random.nextInt(Cached.PAGE) + "-" + (Cached.PAGE + random.nextInt(500)) : null;
        long offset = ranged ? Long.parseLong(range.substring(6, range.indexOf('-'))) : 0;
        try {
            if (random.nextBoolean()) {
                ResponseBytes<GetObjectResponse> r = cached.client()
                        .getObjectAsBytes(b -> b.bucket(s3.bucket()).key("k").range(range));
                check(r.response().eTag(), offset, r.asByteArray(), versionOfETag, wrong, true);
            } else {
                try (ResponseInputStream<GetObjectResponse> in = cached.client()
                        .getObject(b -> b.bucket(s3.bucket()).key("k").range(range))) {
                    byte[] got = readAll(in, streamFailures);
                    check(
                            in.response().eTag(),
                            offset,
                            got,
                            versionOfETag,
                            wrong,
                            got.length == in.response().contentLength());
                }
            }
        } catch (RuntimeException | IOException e) {
            wrong.add("read " + range + " threw " + e);
        }
    }

    /** All bytes of the stream, or those read before an IOException (as after a cut connection). */
    private static byte[] readAll(InputStream in, AtomicInteger failures) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[700];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            failures.incrementAndGet();
        }
        return out.toByteArray();
    }

    private static void check(
            String eTag,
            long offset,
            byte[] got,
            Map<String, Integer> versionOfETag,
            ConcurrentLinkedQueue<String> wrong,
            boolean whole) {
        Integer v = versionOfETag.get(eTag);
        if (v == null) {
            wrong.add("an ETag no write returned: " + eTag);
            return;
        }
        byte[] expected = content(v);
        if (whole && offset + got.length != Math.min(expected.length, offset + got.length)) {
            wrong.add("version " + v + ": " + got.length + " bytes at " + offset + " of " + expected.length);
            return;
        }
        for (int i = 0; i < got.length; i++) {
            if (offset + i >= expected.length || got[i] != expected[(int) offset + i]) {
                wrong.add("version " + v + ": byte " + (offset + i) + " is not that version's");
                return;
            }
        }
    }

    /** A single-part upload's ETag: the quoted hex MD5 of its bytes. */
    private static String eTag(byte[] bytes) {
        try {
            return "\""
                    + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Version v: 2 to 4 pages, every byte a function of v and its position, so mixed bytes show. */
    private static byte[] content(int v) {
        byte[] b = new byte[2 * Cached.PAGE + (v % 3) * Cached.PAGE + v];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (v * 31 + i * 7 + (i >> 8));
        }
        return b;
    }
}
