package io.tieredstore.testfixtures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Overwrites of one key are atomic, as in S3: while two writers (one through the proxy, one the foreign
 * writer) replace an object with distinct bodies, every read through the proxy returns one whole version
 * with its own ETag (the body's MD5), and a read with {@code If-Match} on an ETag it saw returns that
 * version or 412, never another body.
 */
@ExtendWith(S3Extension.class)
class AtomicOverwriteTest {
    private static final int SIZE = 64 * 1024;
    private static final int READERS = 3;
    private static final int READS_PER_READER = 150;

    @Test
    void readersNeverSeeAVersionMixedWithAnother(S3Fixture s3) throws Exception {
        String bucket = s3.bucket();
        s3.foreignWriter().put("k", body(0, 0));
        AtomicBoolean reading = new AtomicBoolean(true);
        // One overwrite per read: writers keep pace with readers instead of starving them.
        Semaphore credits = new Semaphore(0);
        AtomicLong writes = new AtomicLong();
        AtomicLong conditionalHits = new AtomicLong();
        AtomicLong preconditionFailures = new AtomicLong();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 2);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 1; w <= 2; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int i = 1; reading.get(); i++) {
                        if (!credits.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            continue; // no read since the last write: check whether reading has ended
                        }
                        byte[] b = body(writer, i);
                        String eTag = writer == 1
                                ? s3.foreignWriter().put("k", b)
                                : s3.s3()
                                        .putObject(r -> r.bucket(bucket).key("k"), RequestBody.fromBytes(b))
                                        .eTag();
                        if (!unquote(eTag).equals(md5(b))) {
                            violations.add("PUT answered ETag " + eTag + " for a body of MD5 " + md5(b));
                        }
                        writes.incrementAndGet();
                    }
                    return null;
                }));
            }
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                readers.add(pool.submit(() -> {
                    for (int i = 0; i < READS_PER_READER; i++) {
                        credits.release();
                        ResponseBytes<GetObjectResponse> bare =
                                s3.s3().getObjectAsBytes(g -> g.bucket(bucket).key("k"));
                        String seen = unquote(bare.response().eTag());
                        String bareMd5 = md5(bare.asByteArray());
                        if (!bareMd5.equals(seen)) {
                            violations.add("GET: ETag " + seen + ", body MD5 " + bareMd5);
                        }
                        try {
                            ResponseBytes<GetObjectResponse> matched = s3.s3()
                                    .getObjectAsBytes(
                                            g -> g.bucket(bucket).key("k").ifMatch("\"" + seen + "\""));
                            String matchedMd5 = md5(matched.asByteArray());
                            if (!matchedMd5.equals(seen)) {
                                violations.add("GET If-Match " + seen + ": 200 with ETag "
                                        + unquote(matched.response().eTag()) + ", body MD5 " + matchedMd5);
                            }
                            conditionalHits.incrementAndGet();
                        } catch (S3Exception e) {
                            if (e.statusCode() != 412) {
                                throw e;
                            }
                            preconditionFailures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : readers) {
                f.get(5, TimeUnit.MINUTES);
            }
            reading.set(false);
            for (Future<?> f : writers) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            reading.set(false);
            pool.shutdownNow();
        }
        String summary = READERS * READS_PER_READER + " bare reads, " + conditionalHits + " If-Match hits, "
                + preconditionFailures + " If-Match 412s, " + writes + " overwrites";
        assertTrue(
                writes.get() >= READERS * READS_PER_READER / 2,
                "the writers overwrote the key too rarely to test anything: " + summary);
        assertTrue(preconditionFailures.get() > 0, "no If-Match read ever met an overwrite: " + summary);
        assertEquals(List.of(), List.copyOf(violations), violations.size() + " violations in " + summary);
    }

    /**
     * A writer never waits for a reader, as in S3: an overwrite completes while a GET stream of the old
     * version is open and unread, and that stream still returns the old version whole.
     */
    @Test
    void anOpenStreamKeepsItsVersion_andDoesNotHoldBackAnOverwrite(S3Fixture s3) throws Exception {
        byte[] v1 = new byte[4 << 20];
        new Random(21).nextBytes(v1);
        byte[] v2 = body(9, 9);
        s3.foreignWriter().put("big", v1);
        try (InputStream in = s3.s3().getObject(g -> g.bucket(s3.bucket()).key("big"))) {
            byte[] head = in.readNBytes(1024);
            String eTag2 = assertTimeoutPreemptively(
                    Duration.ofSeconds(30),
                    () -> s3.foreignWriter().put("big", v2),
                    "the overwrite waited for the reader");
            assertEquals(md5(v2), unquote(eTag2));
            byte[] rest = in.readAllBytes();
            byte[] whole = new byte[head.length + rest.length];
            System.arraycopy(head, 0, whole, 0, head.length);
            System.arraycopy(rest, 0, whole, head.length, rest.length);
            assertEquals(md5(v1), md5(whole), "the open stream returned other bytes than the version it opened");
        }
        assertEquals(
                md5(v2),
                md5(s3.s3()
                        .getObjectAsBytes(g -> g.bucket(s3.bucket()).key("big"))
                        .asByteArray()));
    }

    /** A body no other (writer, index) has. */
    private static byte[] body(int writer, int index) {
        byte[] b = new byte[SIZE];
        new Random(writer * 1_000_003L + index).nextBytes(b);
        return b;
    }

    private static String unquote(String eTag) {
        return eTag.startsWith("\"") && eTag.endsWith("\"") ? eTag.substring(1, eTag.length() - 1) : eTag;
    }

    private static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
