package io.tieredstore.samples;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.StaticMembership;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.peers.PeerStats;
import io.tieredstore.peers.PeerTier;
import io.tieredstore.s3.CachingS3Client;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.OriginCounters;
import io.tieredstore.testfixtures.S3Operation;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The demo's cluster part: three instances in this JVM, each a store with a memory tier behind its own caching
 * {@code S3Client}, read the same 4 KiB ranges of one object, first as three independent stores, then as a
 * cluster of peers on loopback (plaintext gRPC, one static membership each). It prints what reached S3 each way,
 * and checks that every instance got the bytes S3 holds.
 */
final class ClusterDemo {
    private static final int INSTANCES = 3;
    private static final int READS = 60;
    private static final int RANGE = 4096;

    private final PrintStream out;

    ClusterDemo(PrintStream out) {
        this.out = out;
    }

    /** Runs both ways over {@code key} through {@code s3}, whose requests {@code counters} counts. */
    void run(S3Client s3, OriginCounters counters, String bucket, String key, long objectBytes) {
        out.printf(
                "%n  %d instances each read the same %d ranges of %d bytes: as independent stores, then as peers...%n",
                INSTANCES, READS, RANGE);
        byte[][] truth = readDirect(s3, bucket, key, objectBytes);
        Result alone = readWith(false, s3, counters, bucket, key, objectBytes, truth);
        Result peers = readWith(true, s3, counters, bucket, key, objectBytes, truth);
        String format = "%-22s %8s %12s %11s %10s%n";
        out.println();
        out.printf(format, "3 instances", "S3 GETs", "S3 bytes", "peer hits", "seconds");
        out.printf(format, "-".repeat(22), "-------", "--------", "---------", "-------");
        for (Result r : List.of(alone, peers)) {
            out.printf(
                    format,
                    r.what(),
                    r.gets(),
                    String.format(Locale.ROOT, "%,d", r.bytes()),
                    r.peerHits(),
                    String.format(Locale.ROOT, "%.2f", r.seconds()));
        }
        out.printf(
                "  peers: %.1fx fewer S3 GETs: a page read from S3 by its owner is served to the others from the owner's"
                        + " memory (each instance's first read still learns the version from S3 itself); every read"
                        + " checked equal to S3's bytes%n",
                alone.gets() / (double) Math.max(1, peers.gets()));
    }

    private record Result(String what, long gets, long bytes, long peerHits, double seconds) {}

    private static byte[][] readDirect(S3Client s3, String bucket, String key, long objectBytes) {
        byte[][] truth = new byte[READS][];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < READS; i++) {
            truth[i] = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key).range(range(random, objectBytes)))
                    .asByteArray();
        }
        return truth;
    }

    private static String range(SplittableRandom random, long objectBytes) {
        long first = random.nextLong(objectBytes - RANGE);
        return "bytes=" + first + "-" + (first + RANGE - 1);
    }

    private Result readWith(
            boolean withPeers,
            S3Client s3,
            OriginCounters counters,
            String bucket,
            String key,
            long objectBytes,
            byte[][] truth) {
        List<TieredStore> stores = new ArrayList<>();
        List<PeerTier> tiers = new ArrayList<>();
        List<StaticMembership> views = new ArrayList<>();
        S3Origin origin = S3Origin.create(s3);
        try {
            for (int i = 0; i < INSTANCES; i++) {
                TieredStore.Builder b = TieredStore.builder()
                        .origin(origin)
                        .tier(MemoryTier.builder()
                                .capacity(64L << 20)
                                .pageSize(TieredStore.DEFAULT_PAGE_SIZE)
                                .build())
                        .consistency(bucket, "tables/", ConsistencyPolicy.IMMUTABLE);
                if (withPeers) {
                    StaticMembership view = StaticMembership.of(List.of());
                    PeerTier tier = PeerTier.builder()
                            .membership(view)
                            .self("instance-" + i)
                            .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                            .plaintext() // loopback in one JVM; see docs/peers.md for mutual TLS
                            .pagesPerGroup(1) // one 64 KiB page per owner: a small object still spreads
                            .build();
                    b.peers(tier);
                    tiers.add(tier);
                    views.add(view);
                }
                stores.add(b.build());
            }
            List<Member> members = new ArrayList<>();
            for (PeerTier t : tiers) {
                InetSocketAddress a = t.listenAddress();
                members.add(Member.serving(t.selfId(), a.getHostString() + ":" + a.getPort()));
            }
            for (StaticMembership v : views) {
                v.set(members);
            }
            counters.reset();
            long t0 = System.nanoTime();
            for (TieredStore store : stores) {
                S3Client cached = CachingS3Client.create(store, origin);
                SplittableRandom random = new SplittableRandom(5);
                for (int i = 0; i < READS; i++) {
                    String r = range(random, objectBytes);
                    byte[] got = cached.getObjectAsBytes(
                                    b -> b.bucket(bucket).key(key).range(r))
                            .asByteArray();
                    if (!Arrays.equals(truth[i], got)) {
                        throw new IllegalStateException("instance read wrong bytes at " + r);
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long hits = 0;
            for (PeerTier t : tiers) {
                for (PeerStats.Peer p : t.stats().peers()) {
                    hits += p.hits();
                }
            }
            long gets = counters.totalRequests() - counters.requests(S3Operation.HEAD);
            return new Result(
                    withPeers ? "as peers" : "independent stores", gets, counters.totalResponseBytes(), hits, seconds);
        } finally {
            for (TieredStore s : stores) {
                s.close();
            }
        }
    }
}
