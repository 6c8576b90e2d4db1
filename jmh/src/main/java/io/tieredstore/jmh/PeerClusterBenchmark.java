package io.tieredstore.jmh;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.TieredStore;
import io.tieredstore.hashing.Member;
import io.tieredstore.hashing.StaticMembership;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.peers.PeerStats;
import io.tieredstore.peers.PeerTier;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.LatencyProfile;
import io.tieredstore.testfixtures.OriginCounters;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
import io.tieredstore.testfixtures.S3Operation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Three instances reading one working set (4 objects of 2 MiB, in 64 KiB pages, each instance in its own
 * order, all at once) behind the {@code standard} latency profile, as a cluster of peers or as three
 * independent stores: the time, and the origin GETs and bytes (aux counters, per operation). Then a fourth
 * instance reading the same set once the three are warm: joining the cluster, or alone.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar PeerClusterBenchmark}. Every iteration starts from cold
 * instances (memory tiers only); the requesters' deadline is the default's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class PeerClusterBenchmark {
    private static final int OBJECTS = 4;
    private static final int OBJECT_BYTES = 2 << 20;
    private static final int PAGE = TieredStore.DEFAULT_PAGE_SIZE;

    /** Peers or independent stores. */
    @Param({"peers", "independent"})
    public String cluster;

    private S3Endpoint endpoint;
    private FaultProxy proxy;
    private S3Client bare;
    private String bucket;
    private final List<TieredStore> stores = new ArrayList<>();
    private final List<PeerTier> peers = new ArrayList<>();
    private final List<StaticMembership> views = new ArrayList<>();
    private ExecutorService pool;

    /** Origin traffic of one operation (JMH reports the per-operation mean). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Origin {
        /** GETs (whole and ranged) that reached S3. */
        public long originGets;

        /** Response bytes S3 sent, in KiB. */
        public long originKiB;

        /** Reads that fell back to S3 because a peer failed. */
        public long fallbacks;
    }

    /** Uploads the working set once. */
    @Setup(Level.Trial)
    public void upload() {
        endpoint = S3Endpoint.shared();
        bucket = endpoint.newBucket();
        for (int i = 0; i < OBJECTS; i++) {
            byte[] data = new byte[OBJECT_BYTES];
            new Random(i).nextBytes(data);
            int n = i;
            endpoint.directClient().putObject(b -> b.bucket(bucket).key("obj-" + n), RequestBody.fromBytes(data));
        }
        proxy = endpoint.newProxy(FaultPlan.of(LatencyProfile.STANDARD));
        bare = S3Clients.sync(proxy.uri());
        pool = Executors.newFixedThreadPool(4);
    }

    /** Cold instances for each iteration. */
    @Setup(Level.Iteration)
    public void coldInstances() {
        for (int i = 0; i < 3; i++) {
            add("i" + i);
        }
        publish();
        proxy.counters().reset();
    }

    private TieredStore add(String id) {
        TieredStore.Builder b = TieredStore.builder()
                .origin(S3Origin.create(bare))
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .tier(MemoryTier.builder().capacity(64L << 20).pageSize(PAGE).build());
        if (cluster.equals("peers")) {
            StaticMembership view = StaticMembership.of(List.of());
            PeerTier tier = PeerTier.builder()
                    .membership(view)
                    .self(id)
                    .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .plaintext()
                    .build();
            b.peers(tier);
            peers.add(tier);
            views.add(view);
        }
        TieredStore store = b.build();
        stores.add(store);
        return store;
    }

    /** Sets every instance's view to all instances. */
    private void publish() {
        List<Member> members = new ArrayList<>();
        for (PeerTier p : peers) {
            InetSocketAddress a = p.listenAddress();
            members.add(Member.serving(p.selfId(), a.getHostString() + ":" + a.getPort()));
        }
        for (StaticMembership v : views) {
            v.set(members);
        }
    }

    /** Closes the iteration's instances. */
    @TearDown(Level.Iteration)
    public void close() {
        for (TieredStore s : stores) {
            s.close();
        }
        stores.clear();
        peers.clear();
        views.clear();
    }

    /** Closes the client and the proxy. */
    @TearDown(Level.Trial)
    public void closeTrial() {
        pool.shutdownNow();
        bare.close();
        proxy.close();
    }

    /** Every page of every object, in an order of {@code seed}'s, into one reused buffer; returns a checksum. */
    private long readAll(TieredStore store, int seed) {
        List<long[]> pages = new ArrayList<>();
        for (int o = 0; o < OBJECTS; o++) {
            for (int p = 0; p < OBJECT_BYTES / PAGE; p++) {
                pages.add(new long[] {o, p});
            }
        }
        Collections.shuffle(pages, new Random(seed));
        List<ObjectVersion> versions = new ArrayList<>();
        for (int o = 0; o < OBJECTS; o++) {
            versions.add(store.open(bucket, "obj-" + o));
        }
        ByteBuffer dst = ByteBuffer.allocate(PAGE);
        long sum = 0;
        for (long[] page : pages) {
            store.readFully(versions.get((int) page[0]), page[1] * PAGE, dst.clear());
            sum += dst.get(0);
        }
        return sum;
    }

    private void count(Origin origin) {
        OriginCounters c = proxy.counters();
        origin.originGets += c.requests(S3Operation.GET) + c.requests(S3Operation.RANGED_GET);
        origin.originKiB += c.totalResponseBytes() >> 10;
        for (PeerTier p : peers) {
            for (PeerStats.Peer s : p.stats().peers()) {
                origin.fallbacks += s.fallbacks();
            }
        }
    }

    /** The three instances read the working set at once; the time until the last is done. */
    @Benchmark
    public long threeReadTheWorkingSet(Origin origin) throws Exception {
        List<Future<Long>> done = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TieredStore s = stores.get(i);
            int seed = i;
            done.add(pool.submit(() -> readAll(s, seed)));
        }
        long sum = 0;
        for (Future<Long> f : done) {
            sum += f.get(5, TimeUnit.MINUTES);
        }
        count(origin);
        return sum;
    }

    /**
     * A fourth instance reads the working set once the three have read it: joining them (a quarter of the page
     * groups move to it, so it reads those from S3 and the rest from peers), or alone.
     */
    @Benchmark
    public long fourthJoinsWarm(Warm warm, Origin origin) throws Exception {
        TieredStore fourth = add("i3");
        publish();
        long sum = readAll(fourth, 3);
        count(origin);
        return sum;
    }

    /** The three warm instances before {@link #fourthJoinsWarm} measures. */
    @State(Scope.Thread)
    public static class Warm {
        /** Has the three read the working set, then resets the origin counters. */
        @Setup(Level.Iteration)
        public void warm(PeerClusterBenchmark b) throws Exception {
            b.threeReadTheWorkingSet(new Origin());
            b.proxy.counters().reset(); // reads are synchronous: every page is in some memory tier now
        }
    }
}
