package io.tieredstore.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.TcpFaultProxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Network faults between a requester (i0) and an owner (i1) that it reaches only through a {@link TcpFaultProxy}:
 * every read returns the bytes S3 has, within a bound far below the fill deadline; the fault is counted as what it
 * is and opens i1's breaker; once the fault is gone and the cool-down has passed, i1 answers again.
 */
@ExtendWith(S3Extension.class)
class PeerNetworkFaultTest {
    private static final int PAGES = 24;
    /** The take deadline: long enough for a cold JVM's first call on a loaded machine, short against FILL. */
    private static final Duration TAKE = Duration.ofMillis(500);
    /** The fill deadline: a read that waited for it would miss BOUND. */
    private static final Duration FILL = Duration.ofSeconds(4);
    /** A faulted read falls back to S3 within this: the take deadline and a generous margin. */
    private static final Duration BOUND = TAKE.plusMillis(2_000);
    /** Breaker cool-down, on the test's own ticker: nothing reopens until the test says so. */
    private static final Duration COOL = Duration.ofSeconds(1);
    /** Each way, so a round trip takes 3 s: a slow hit if the take deadline did not end it, and past BOUND. */
    private static final Duration LATENCY = Duration.ofMillis(1_500);
    /** Server-to-client bytes after the fault is installed: past the answer's HTTP/2 and gRPC headers, inside
     * its 16 KiB of page bytes. */
    private static final long PAYLOAD_OFFSET = 4096;

    /**
     * Loads and warms the read path (gRPC, the store, S3) once with a patient deadline, so that a cold JVM's
     * first call on a busy machine is not what the tests' 500 ms take deadline measures. The class's tests share
     * this fixture (one bucket; each test its own key).
     */
    @BeforeAll
    static void warmUp(S3Fixture s3) {
        byte[] data = PeerClusterTest.bytes(0, PAGES * Cluster.PAGE);
        s3.foreignWriter().put("warm", data);
        try (Cluster c = Cluster.of(2, s3.s3(), b -> b.deadline(Duration.ofSeconds(10)))) {
            ObjectVersion v = c.stores.get(0).open(s3.bucket(), "warm");
            assertArrayEquals(data, PeerClusterTest.readByPage(c.stores.get(0), v));
            assertTrue(c.sum(PeerStats.Peer::hits) > 0, "a peer answered");
        }
    }

    @Test
    void latencyAboveTheDeadlineIsADeadlineAndAFallback(S3Fixture s3) {
        Result r = faultThenRecover(s3, TcpFaultProxy.Mode.latency(LATENCY), 1);
        assertEquals(1, r.fault.deadlines(), r.toString());
    }

    @Test
    void aResetConnectionIsAnErrorAndAFallback(S3Fixture s3) {
        Result r = faultThenRecover(s3, TcpFaultProxy.Mode.RESET, 2);
        assertEquals(1, r.fault.errors(), r.toString());
    }

    @Test
    void aBlackholeEndsAtTheTakeDeadlineNotTheFillDeadline(S3Fixture s3) {
        Result r = faultThenRecover(s3, TcpFaultProxy.Mode.BLACKHOLE, 3);
        assertEquals(1, r.fault.deadlines(), r.toString());
    }

    @Test
    void anAnswerCutShortIsAnErrorAndAFallback(S3Fixture s3) {
        // cut inside the page bytes: the owner had taken the request, so only the transport error ends the read
        Result r = faultThenRecover(s3, TcpFaultProxy.Mode.truncate(PAYLOAD_OFFSET), 4);
        assertEquals(1, r.fault.errors(), r.toString());
    }

    @Test
    void aCorruptPayloadByteIsCaughtByTheChecksum(S3Fixture s3) {
        // one byte inside the page bytes of a DATA frame: HTTP/2 and protobuf framing survive, the CRC does not
        Result r = faultThenRecover(s3, TcpFaultProxy.Mode.corrupt(PAYLOAD_OFFSET, 1 << 20), 5);
        assertEquals(1, r.fault.corrupt(), r.toString());
        assertEquals(0, r.fault.errors(), r.toString());
    }

    @Test
    void aCorruptFrameHeaderIsAConnectionErrorAndAFallback(S3Fixture s3) {
        // the first byte after the fault is a frame header's length: HTTP/2 fails the connection, never a payload
        Result r = faultThenRecover(s3, TcpFaultProxy.Mode.corrupt(0, 1 << 20), 6);
        assertEquals(1, r.fault.errors(), r.toString());
        assertEquals(0, r.fault.corrupt(), r.toString());
    }

    /** i0's view of i1 after the faulted read, and how long that read took. */
    record Result(PeerStats.Peer fault, long faultedReadNanos) {}

    /**
     * Two instances; i0 reads a page owned by i1 through the relay (a hit), then one under {@code fault} (a
     * fallback), then every other page while i1's breaker is open (no request to i1), then, with the fault gone
     * and the cool-down passed, one more page of i1's (a hit again).
     */
    private static Result faultThenRecover(S3Fixture s3, TcpFaultProxy.Mode fault, long seed) {
        byte[] data = PeerClusterTest.bytes(seed, PAGES * Cluster.PAGE);
        String key = "obj-" + seed;
        s3.foreignWriter().put(key, data);
        AtomicLong now = new AtomicLong();
        try (Cluster c = Cluster.of(
                2,
                s3.s3(),
                b -> b.deadline(TAKE)
                        .fillDeadline(FILL)
                        .breakerCoolDown(COOL, COOL)
                        .ticker(now::get))) {
            TcpFaultProxy relay = c.relayInFrontOf(1);
            TieredStore store = c.stores.get(0);
            PeerTier tier = c.peers.get(0);
            ObjectVersion v = store.open(s3.bucket(), key);
            List<Integer> owned = new ArrayList<>(); // pages i1 owns, in i0's eyes
            for (int i = 0; i < PAGES; i++) {
                if (tier.routesAway(v, i)) {
                    owned.add(i);
                }
            }
            assertTrue(owned.size() >= 3, "pages owned by i1: " + owned);
            int warm = owned.get(0);
            int faulted = owned.get(1);
            int recover = owned.get(2);

            assertPage(data, store, v, warm);
            PeerStats.Peer before = i1(tier);
            assertEquals(1, before.hits(), before.toString()); // through the relay
            assertTrue(relay.bytesToClient() > Cluster.PAGE, "the answer passed the relay");

            relay.mode(fault);
            long start = System.nanoTime();
            assertPage(data, store, v, faulted); // a fallback to S3, byte for byte
            long took = System.nanoTime() - start;
            assertTrue(took < BOUND.toNanos(), "the faulted read took " + Duration.ofNanos(took));
            PeerStats.Peer after = i1(tier);
            assertEquals(2, after.requests(), after.toString());
            assertEquals(1, after.hits(), after.toString());
            assertEquals(1, after.fallbacks(), after.toString());
            assertEquals(PeerStats.Breaker.OPEN, after.breaker(), after.toString());

            // i1 suspected: its pages are read by i0 from S3, without asking i1 (the relay is still faulty)
            for (int i = 0; i < PAGES; i++) {
                if (i != warm && i != faulted && i != recover) {
                    assertPage(data, store, v, i);
                }
            }
            assertEquals(2, i1(tier).requests(), i1(tier).toString());

            relay.mode(TcpFaultProxy.Mode.PASS);
            await(() -> relay.heldChunks() == 0, "bytes held by the fault flowed", relay);
            now.addAndGet(COOL.toNanos()); // the cool-down ends: the next read of i1's pages probes it
            assertEquals(PeerStats.Breaker.HALF_OPEN, i1(tier).breaker());
            assertPage(data, store, v, recover);
            PeerStats.Peer recovered = i1(tier);
            assertEquals(2, recovered.hits(), recovered.toString());
            assertEquals(PeerStats.Breaker.CLOSED, recovered.breaker(), recovered.toString());
            assertEquals(1, recovered.fallbacks(), recovered.toString());
            return new Result(after, took);
        }
    }

    private static void assertPage(byte[] data, TieredStore store, ObjectVersion v, int page) {
        ByteBuffer dst = ByteBuffer.allocate(Cluster.PAGE);
        store.readFully(v, (long) page * Cluster.PAGE, dst);
        int from = page * Cluster.PAGE;
        assertArrayEquals(Arrays.copyOfRange(data, from, from + Cluster.PAGE), dst.array(), "page " + page);
    }

    private static PeerStats.Peer i1(PeerTier tier) {
        return tier.stats().peers().stream()
                .filter(p -> p.id().equals("i1"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stats of i1 in " + tier.stats()));
    }

    private static void await(BooleanSupplier condition, String what, Object state) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within 10 s: " + what + " " + state);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // polling a condition, bounded above
        }
    }
}
