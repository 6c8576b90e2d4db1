package io.tieredstore.jmh;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.StaticMembership;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.peers.PeerStats;
import io.tieredstore.peers.PeerTier;
import io.tieredstore.s3.CachingS3Client;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.LatencyProfile;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A ranged GET through the caching {@code S3Client} three ways, side by side: a local memory hit; a peer hit
 * (the page is in the memory of another instance in this JVM, asked over gRPC on loopback, plaintext, and not
 * copied locally, so every call crosses); and straight through the bare client behind the {@code standard}
 * latency profile. {@code range} is 4 KiB (inside a 64 KiB page) or 1 MiB (one whole page: the stores use 1 MiB
 * pages then).
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar PeerRangedGet}. The requester's view holds only the owner
 * as serving, so every page is the owner's; the owner's memory holds the whole object before measuring.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class PeerRangedGetBenchmark {
    private static final int OBJECT_BYTES = 64 << 20;
    private static final String KEY = "object";

    /** Where the bytes come from. */
    @Param({"memoryHit", "peerHit", "directStandard"})
    public String path;

    /** Bytes per GET. */
    @Param({"4096", "1048576"})
    public int range;

    private FaultProxy proxy;
    private S3Client bare;
    private S3Client client;
    private TieredStore owner;
    private TieredStore requester;
    private PeerTier requesterPeers;
    private String bucket;

    /** Starts the endpoint, uploads one object, and builds the instances {@link #path} needs. */
    @Setup(Level.Trial)
    public void setUp() {
        S3Endpoint endpoint = S3Endpoint.shared();
        bucket = BenchObjects.bucketWithRandomObject(endpoint, KEY, OBJECT_BYTES);
        proxy = endpoint.newProxy(
                FaultPlan.of(path.equals("directStandard") ? LatencyProfile.STANDARD : LatencyProfile.NONE));
        bare = S3Clients.sync(proxy.uri());
        S3Origin origin = S3Origin.create(bare);
        switch (path) {
            case "directStandard" -> client = bare;
            case "memoryHit" -> {
                owner = store(origin, null);
                client = CachingS3Client.create(owner, origin);
                client.getObjectAsBytes(b -> b.bucket(bucket).key(KEY)); // every page into memory
            }
            case "peerHit" -> {
                StaticMembership ownerView = StaticMembership.of(List.of());
                PeerTier ownerPeers = peers(ownerView, "owner", true);
                owner = store(origin, ownerPeers);
                StaticMembership requesterView = StaticMembership.of(List.of());
                requesterPeers = peers(requesterView, "requester", false);
                requester = store(origin, requesterPeers);
                List<Member> view = List.of(
                        Member.serving("owner", address(ownerPeers)),
                        new Member("requester", address(requesterPeers), 1, Member.State.NOT_READY));
                ownerView.set(view);
                requesterView.set(view);
                CachingS3Client.create(owner, origin)
                        .getObjectAsBytes(b -> b.bucket(bucket).key(KEY));
                client = CachingS3Client.create(requester, origin);
            }
            default -> throw new IllegalArgumentException("unknown path " + path);
        }
    }

    private TieredStore store(S3Origin origin, PeerTier peers) {
        int page = Math.max(TieredStore.DEFAULT_PAGE_SIZE, range); // a 1 MiB range is one 1 MiB page
        TieredStore.Builder b = TieredStore.builder()
                .origin(origin)
                .pageSize(page)
                .tier(MemoryTier.builder().capacity(256L << 20).pageSize(page).build())
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE);
        if (peers != null) {
            b.peers(peers);
        }
        return b.build();
    }

    private static PeerTier peers(StaticMembership m, String id, boolean keep) {
        return PeerTier.builder()
                .membership(m)
                .self(id)
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .plaintext()
                .keepLocalCopies(keep)
                .build();
    }

    private static String address(PeerTier p) {
        InetSocketAddress a = p.listenAddress();
        return a.getHostString() + ":" + a.getPort();
    }

    /** Closes everything; a peer run that fell back to S3 even once is reported as a failure. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (requesterPeers != null) {
                for (PeerStats.Peer p : requesterPeers.stats().peers()) {
                    if (p.fallbacks() > 0) {
                        throw new IllegalStateException("peer reads fell back to S3: " + p);
                    }
                }
            }
        } finally {
            if (requester != null) {
                requester.close();
            }
            if (owner != null) {
                owner.close();
            }
            bare.close();
            proxy.close();
        }
    }

    /** Each thread's random offsets, aligned to the range. */
    @State(Scope.Thread)
    public static class Offsets {
        private final SplittableRandom random = new SplittableRandom(7);

        long next(int range) {
            return random.nextLong(OBJECT_BYTES / range) * range;
        }
    }

    /** One ranged GET at a random aligned offset, body read fully. */
    @Benchmark
    public byte[] rangedGet(Offsets offsets) {
        long first = offsets.next(range);
        String r = "bytes=" + first + "-" + (first + range - 1);
        return client.getObjectAsBytes(b -> b.bucket(bucket).key(KEY).range(r)).asByteArray();
    }
}
