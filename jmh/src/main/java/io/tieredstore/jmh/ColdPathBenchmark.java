package io.tieredstore.jmh;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.s3.CachingS3Client;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.LatencyProfile;
import io.tieredstore.testfixtures.OriginCounters;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
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
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A miss costs what a direct read costs: cold reads through the caching {@code S3Client} beside the same reads
 * through the bare client, behind the {@code standard} latency profile (or {@code none}, for the local stack's
 * own cost), one read per invocation. Before each
 * cached read the store forgets the object (its version and pages), so every cached read is fully cold: it
 * must learn the version and fetch every byte, as the bare client does.
 *
 * <p>Reads: {@code range4k} and {@code range1m} (one ranged GET at a random offset), {@code stream200m} (the
 * whole 200 MiB object through {@code getObject} as a stream), {@code icebergReads} (what a scan of one
 * Parquet file asks for: a 16 KiB tail, then six ranges of 64 KiB to 1 MiB at random offsets, in turn).
 * The {@code Origin} counters give reads, S3 requests and response bytes (fault-proxy counts): divide by reads.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar ColdPath}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 10)
@Fork(1)
public class ColdPathBenchmark {
    private static final int OBJECT_BYTES = 200 << 20;
    private static final String KEY = "object";

    /** What is read. */
    @Param({"range4k", "range1m", "stream200m", "icebergReads"})
    public String read;

    /** Through the bare client or the caching one. */
    @Param({"direct", "cached"})
    public String path;

    /** The latency profile of the S3 model ({@code NONE}: the local stack's own cost). */
    @Param({"STANDARD"})
    public String profile;

    private FaultProxy proxy;
    private S3Client bare;
    private S3Client client;
    private TieredStore store;
    private String bucket;
    private final SplittableRandom random = new SplittableRandom(12);
    private final byte[] sink = new byte[1 << 16];

    /** Reads, and the origin requests and response bytes they caused, from the fault proxy's counts. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Origin {
        /** Reads done. */
        public long reads;

        /** S3 requests of those reads. */
        public long requests;

        /** Response bytes from S3 of those reads. */
        public long bytes;

        private long requestsBefore;
        private long bytesBefore;

        void before(OriginCounters c) {
            requestsBefore = c.totalRequests();
            bytesBefore = c.totalResponseBytes();
        }

        void after(OriginCounters c) {
            reads++;
            requests += c.totalRequests() - requestsBefore;
            bytes += c.totalResponseBytes() - bytesBefore;
        }
    }

    /** Starts the endpoint, uploads the object and builds the client for {@link #path}. */
    @Setup(Level.Trial)
    public void setUp() {
        S3Endpoint endpoint = S3Endpoint.shared();
        bucket = BenchObjects.bucketWithRandomObject(endpoint, KEY, OBJECT_BYTES);
        proxy = endpoint.newProxy(FaultPlan.of(LatencyProfile.valueOf(profile)));
        bare = S3Clients.sync(proxy.uri());
        MemoryTier memory = MemoryTier.builder().capacity(512L << 20).build();
        S3Origin origin = S3Origin.create(bare);
        store = TieredStore.builder()
                .origin(origin)
                .tier(memory)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
        client = path.equals("direct") ? bare : CachingS3Client.create(store, origin);
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
        bare.close();
        proxy.close();
    }

    /** Makes the next cached read fully cold: the store forgets the object's version and pages. */
    @Setup(Level.Invocation)
    public void cold() {
        store.invalidate(bucket, KEY);
    }

    /** One cold read of {@link #read}. */
    @Benchmark
    public long coldRead(Origin origin) {
        origin.before(proxy.counters());
        long n = switch (read) {
            case "range4k" -> ranged(random.nextLong(OBJECT_BYTES - 4096), 4096);
            case "range1m" -> ranged(random.nextLong(OBJECT_BYTES - (1 << 20)), 1 << 20);
            case "stream200m" -> stream();
            case "icebergReads" -> iceberg();
            default -> throw new IllegalArgumentException(read);
        };
        origin.after(proxy.counters());
        return n;
    }

    private long ranged(long first, int length) {
        return client.getObjectAsBytes(
                        b -> b.bucket(bucket).key(KEY).range("bytes=" + first + "-" + (first + length - 1)))
                .asByteArray()
                .length;
    }

    private long stream() {
        long total = 0;
        try (InputStream in = client.getObject(b -> b.bucket(bucket).key(KEY))) {
            for (int n; (n = in.read(sink)) > 0; ) {
                total += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total;
    }

    private long iceberg() {
        long total = client.getObjectAsBytes(b -> b.bucket(bucket).key(KEY).range("bytes=-16384"))
                .asByteArray()
                .length;
        for (int i = 0; i < 6; i++) {
            int length = (64 << 10) + random.nextInt(15 << 16);
            total += ranged(random.nextLong(OBJECT_BYTES - length), length);
        }
        return total;
    }
}
