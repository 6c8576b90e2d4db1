package io.tieredstore.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.peers.proto.PageChunk;
import io.tieredstore.peers.proto.PageRequest;
import io.tieredstore.peers.proto.PeerPagesGrpc;
import io.tieredstore.testfixtures.S3Extension;
import io.tieredstore.testfixtures.S3Fixture;
import io.tieredstore.testfixtures.S3Operation;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Stores in one JVM, peers on loopback: one origin read per page for the whole cluster, bytes as S3 has them. */
@ExtendWith(S3Extension.class)
class PeerClusterTest {
    private static final int PAGES = 48;
    private static final Duration PATIENT = Duration.ofSeconds(5);

    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] readAll(TieredStore store, ObjectVersion v) {
        ByteBuffer dst = ByteBuffer.allocate((int) v.length());
        store.readFully(v, 0, dst);
        return dst.array();
    }

    /** Reads the object page by page, so that each page is its own request (as random reads are). */
    static byte[] readByPage(TieredStore store, ObjectVersion v) {
        byte[] out = new byte[(int) v.length()];
        for (int off = 0; off < out.length; off += Cluster.PAGE) {
            int n = Math.min(Cluster.PAGE, out.length - off);
            store.readFully(v, off, ByteBuffer.wrap(out, off, n).slice());
        }
        return out;
    }

    @Test
    void threeInstancesReadEachPageFromTheOriginOnceBetweenThem(S3Fixture s3) {
        byte[] data = bytes(1, PAGES * Cluster.PAGE - 100);
        s3.foreignWriter().put("obj", data);
        try (Cluster c = Cluster.of(3, s3.s3(), b -> b.deadline(PATIENT))) {
            List<ObjectVersion> versions = new ArrayList<>();
            for (TieredStore st : c.stores) {
                versions.add(st.open(s3.bucket(), "obj"));
            }
            s3.counters().reset();
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(data, readByPage(c.stores.get(i), versions.get(i)), "instance " + i);
            }
            long gets = s3.counters().requests(S3Operation.RANGED_GET)
                    + s3.counters().requests(S3Operation.GET);
            assertEquals(
                    PAGES,
                    gets,
                    s3.counters() + " " + c.peers.get(0).stats()
                            + c.peers.get(1).stats()); // one per page, for the whole cluster
            assertEquals(data.length, s3.counters().totalResponseBytes());
            long hits = c.sum(PeerStats.Peer::hits);
            // the two instances that did not own a page asked its owner for it (the first reader asked for
            // every page it did not own; the others asked for those they did not own and had not copied)
            assertTrue(hits >= PAGES * 2L / 3, "peer hits " + hits);
            assertEquals(0, c.sum(PeerStats.Peer::fallbacks));
            long served = 0;
            for (PeerTier p : c.peers) {
                served += p.stats().served();
                assertEquals(0, p.stats().refusedHops());
                assertEquals(0, p.stats().epochMismatches());
            }
            assertEquals(c.sum(PeerStats.Peer::requests), served);

            s3.counters().reset(); // every page is now in some memory: reads anywhere cost no origin request
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(data, readAll(c.stores.get(i), versions.get(i)));
            }
            assertEquals(0, s3.counters().totalRequests(), s3.counters().toString());
        }
    }

    @Test
    void concurrentReadersOnEveryInstanceStillReadEachPageOnce(S3Fixture s3) throws Exception {
        byte[] data = bytes(2, PAGES * Cluster.PAGE);
        s3.foreignWriter().put("hot", data);
        int readers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        try (Cluster c = Cluster.of(3, s3.s3(), b -> b.deadline(PATIENT))) {
            List<ObjectVersion> versions = new ArrayList<>();
            for (TieredStore st : c.stores) {
                versions.add(st.open(s3.bucket(), "hot"));
            }
            s3.counters().reset();
            CyclicBarrier start = new CyclicBarrier(readers);
            List<Future<byte[]>> results = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                int i = r % 3;
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return readByPage(c.stores.get(i), versions.get(i));
                }));
            }
            for (Future<byte[]> f : results) {
                assertArrayEquals(data, f.get(60, TimeUnit.SECONDS));
            }
            assertEquals(
                    data.length,
                    s3.counters().totalResponseBytes(),
                    s3.counters().toString());
            assertEquals(0, c.sum(PeerStats.Peer::fallbacks));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void instancesThatDisagreeOnMembershipAskOneHopAndNeverForward(S3Fixture s3) {
        byte[] data = bytes(3, PAGES * Cluster.PAGE);
        s3.foreignWriter().put("split", data);
        try (Cluster c = Cluster.of(2, s3.s3(), b -> b.deadline(PATIENT))) {
            List<Member> both = c.members();
            // i0 sees both; i1 sees only itself, so it owns every page in its own eyes and never asks i0
            c.memberships.get(1).set(List.of(both.get(1)));
            ObjectVersion v0 = c.stores.get(0).open(s3.bucket(), "split");
            s3.counters().reset();
            assertArrayEquals(data, readByPage(c.stores.get(0), v0));
            PeerStats s0 = c.peers.get(0).stats();
            PeerStats s1 = c.peers.get(1).stats();
            long asked = s0.peers().get(0).requests();
            assertTrue(asked > 0 && asked < PAGES, "i0 asked i1 for " + asked);
            assertEquals(asked, s1.served()); // answered, not forwarded back: i1 asked nobody
            assertTrue(s1.peers().isEmpty(), s1.toString());
            assertEquals(asked, s1.epochMismatches()); // epochs differ (3 against 4), and are counted
            assertEquals(0, s1.refusedHops());
            assertEquals(data.length, s3.counters().totalResponseBytes());
        }
    }

    @Test
    void aPeerThatStopsAnsweringCostsOneFallbackPerReaderAndItsPagesMove(S3Fixture s3) throws Exception {
        byte[] data = bytes(4, PAGES * Cluster.PAGE);
        s3.foreignWriter().put("after", data);
        Duration minute = Duration.ofMinutes(1); // no probe of i2 during the test: each reader fails on it once
        try (Cluster c = Cluster.of(3, s3.s3(), b -> b.deadline(PATIENT).breakerCoolDown(minute, minute))) {
            List<ObjectVersion> versions = new ArrayList<>();
            for (TieredStore st : c.stores.subList(0, 2)) {
                versions.add(st.open(s3.bucket(), "after"));
            }
            c.stores.get(2).close(); // i2 stops serving; the others' memberships still list it
            s3.counters().reset();
            List<CompletableFuture<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int at = i;
                reads.add(CompletableFuture.supplyAsync(() -> readByPage(c.stores.get(at), versions.get(at))));
            }
            for (CompletableFuture<byte[]> r : reads) {
                assertArrayEquals(data, r.get(60, TimeUnit.SECONDS)); // no caller error, no wrong byte
            }
            PeerStats.Peer dead0 = find(c.peers.get(0).stats(), "i2");
            PeerStats.Peer dead1 = find(c.peers.get(1).stats(), "i2");
            // each reader's first request to i2 failed and opened its breaker; i2's pages then went to their next
            // owner, one of the two, which read each from the origin once
            assertEquals(1, dead0.fallbacks() + dead0.shed(), dead0.toString());
            assertEquals(1, dead1.fallbacks() + dead1.shed(), dead1.toString());
            assertTrue(dead0.breaker() != PeerStats.Breaker.CLOSED && dead1.breaker() != PeerStats.Breaker.CLOSED);
            long extra = s3.counters().totalResponseBytes() - data.length;
            assertTrue(extra >= 0 && extra <= 2L * Cluster.PAGE, "bytes beyond one read of each page: " + extra);
        }
    }

    @Test
    void anOwnerRefusesARequestOfMoreThanOneHop(S3Fixture s3) {
        byte[] data = bytes(5, 3 * Cluster.PAGE);
        s3.foreignWriter().put("hops", data);
        try (Cluster c = Cluster.of(1, s3.s3(), b -> b.deadline(PATIENT))) {
            InetSocketAddress at = c.peers.get(0).listenAddress();
            ManagedChannel channel = NettyChannelBuilder.forAddress(at.getHostString(), at.getPort())
                    .usePlaintext()
                    .build();
            try {
                ObjectVersion v = c.stores.get(0).open(s3.bucket(), "hops");
                PageRequest.Builder r = PageRequest.newBuilder()
                        .setOrigin(v.id().origin())
                        .setBucket(s3.bucket())
                        .setKey("hops")
                        .setVersion(v.version())
                        .setObjectLength(v.length())
                        .setPageIndex(1)
                        .setPageSize(Cluster.PAGE)
                        .setLength(Cluster.PAGE)
                        .setEpoch(c.memberships.get(0).view().epoch());
                PeerPagesGrpc.PeerPagesBlockingStub stub = PeerPagesGrpc.newBlockingStub(channel);
                StatusRuntimeException refused = assertThrows(
                        StatusRuntimeException.class,
                        () -> stub.readPage(r.setHop(2).build()).forEachRemaining(chunk -> {}));
                assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
                assertEquals(1, c.peers.get(0).stats().refusedHops());

                List<PageChunk> answer = new ArrayList<>();
                stub.readPage(r.setHop(1).build()).forEachRemaining(answer::add);
                assertTrue(answer.get(0).getData().isEmpty() && !answer.get(0).getLast()); // taken
                PageChunk last = answer.get(answer.size() - 1);
                assertTrue(last.getLast());
                ByteBuffer got = ByteBuffer.allocate(Cluster.PAGE);
                answer.forEach(chunk -> chunk.getData().copyTo(got));
                assertArrayEquals(java.util.Arrays.copyOfRange(data, Cluster.PAGE, 2 * Cluster.PAGE), got.array());
                PageRequest asked = r.build();
                assertEquals(PeerCodec.crc(asked, got.flip()), last.getCrc32C());
                // the same bytes do not verify as another page's
                assertTrue(PeerCodec.crc(asked.toBuilder().setPageIndex(0).build(), got) != last.getCrc32C());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static PeerStats.Peer find(PeerStats stats, String id) {
        return stats.peers().stream()
                .filter(p -> p.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stats of " + id + " in " + stats));
    }
}
