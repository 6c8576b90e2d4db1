package io.tieredstore.jmh;

import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectId;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.MemoryTier;
import io.tieredstore.s3.CachingS3Client;
import io.tieredstore.s3.S3Origin;
import io.tieredstore.testfixtures.FaultPlan;
import io.tieredstore.testfixtures.FaultProxy;
import io.tieredstore.testfixtures.LatencyProfile;
import io.tieredstore.testfixtures.S3Clients;
import io.tieredstore.testfixtures.S3Endpoint;
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
 * A 4 KiB ranged GET three ways, side by side: through the caching {@code S3Client} on a memory hit,
 * through it on a cold page (memory tier emptied before each call, version known: one ranged GET of a 1 MiB
 * page behind the {@code standard} latency profile), and straight through the bare client behind the same
 * profile.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar CachedRangedGet -prof gc}. Keys are IMMUTABLE here so
 * that no call pays a revalidation HEAD; under STRICT every call adds one HEAD to S3.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class CachedRangedGetBenchmark {
    private static final int OBJECT_BYTES = 64 << 20;
    private static final int RANGE_BYTES = 4096;
    private static final String KEY = "object";

    /** Which path the GET takes. */
    @Param({"memoryHit", "coldPageStandard", "directStandard"})
    public String path;

    private FaultProxy proxy;
    private S3Client bare;
    private S3Client client;
    private TieredStore store;
    private MemoryTier memory;
    private ObjectId object;
    private String bucket;

    /** Starts the endpoint, uploads one object and builds the client for {@link #path}. */
    @Setup(Level.Trial)
    public void setUp() {
        S3Endpoint endpoint = S3Endpoint.shared();
        bucket = BenchObjects.bucketWithRandomObject(endpoint, KEY, OBJECT_BYTES);
        proxy = endpoint.newProxy(
                FaultPlan.of(path.equals("memoryHit") ? LatencyProfile.NONE : LatencyProfile.STANDARD));
        bare = S3Clients.sync(proxy.uri());
        memory = MemoryTier.builder()
                .capacity(256L << 20)
                .pageSize(TieredStore.DEFAULT_PAGE_SIZE)
                .build();
        S3Origin origin = S3Origin.create(bare);
        object = new ObjectId(origin.id(), bucket, KEY);
        store = TieredStore.builder()
                .origin(origin)
                .tier(memory)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
        client = path.equals("directStandard") ? bare : CachingS3Client.create(store, origin);
        if (path.equals("memoryHit")) {
            client.getObjectAsBytes(b -> b.bucket(bucket).key(KEY)); // every page into memory
        } else {
            client.headObject(b -> b.bucket(bucket).key(KEY)); // version known, no page cached
        }
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
        bare.close();
        proxy.close();
    }

    /** Each thread's random aligned offsets. */
    @State(Scope.Thread)
    public static class Offsets {
        private final SplittableRandom random = new SplittableRandom(7);

        long next() {
            return random.nextLong(OBJECT_BYTES / RANGE_BYTES) * RANGE_BYTES;
        }
    }

    /** Empties the memory tier before each call of the cold path; the version stays known. */
    @Setup(Level.Invocation)
    public void coldPage() {
        if (path.equals("coldPageStandard")) {
            memory.invalidate(object);
        }
    }

    /** One 4 KiB ranged GET at a random aligned offset, body read fully. */
    @Benchmark
    public byte[] rangedGet(Offsets offsets) {
        long first = offsets.next();
        String range = "bytes=" + first + "-" + (first + RANGE_BYTES - 1);
        return client.getObjectAsBytes(b -> b.bucket(bucket).key(KEY).range(range))
                .asByteArray();
    }
}
