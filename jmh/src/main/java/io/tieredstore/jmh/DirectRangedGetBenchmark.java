package io.tieredstore.jmh;

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
 * A ranged GET straight through the bare AWS SDK client to the fixture S3 endpoint, behind the fault layer
 * with a latency profile: the cost every cache miss pays, and the baseline the caching client is compared to.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar DirectRangedGet -prof gc}. Sample mode reports p50/p99.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class DirectRangedGetBenchmark {
    private static final int OBJECT_BYTES = 8 << 20;

    /** First-byte latency profile of the S3 model. */
    @Param({"NONE", "STANDARD"})
    public LatencyProfile profile;

    /** Bytes per ranged GET. */
    @Param({"4096"})
    public int rangeBytes;

    private FaultProxy proxy;
    private S3Client s3;
    private String bucket;

    /** Starts the endpoint, uploads one object and opens a client through the fault layer. */
    @Setup(Level.Trial)
    public void setUp() {
        S3Endpoint endpoint = S3Endpoint.shared();
        bucket = BenchObjects.bucketWithRandomObject(endpoint, "object", OBJECT_BYTES);
        proxy = endpoint.newProxy(FaultPlan.of(profile));
        s3 = S3Clients.sync(proxy.uri());
    }

    /** Closes the client and the proxy. */
    @TearDown(Level.Trial)
    public void tearDown() {
        s3.close();
        proxy.close();
    }

    /** Each thread's random page offsets. */
    @State(Scope.Thread)
    public static class Offsets {
        private final SplittableRandom random = new SplittableRandom(7);

        long next(int rangeBytes) {
            return random.nextLong(OBJECT_BYTES / rangeBytes) * rangeBytes;
        }
    }

    /** One ranged GET of {@code rangeBytes} at a random aligned offset, body read fully. */
    @Benchmark
    public byte[] rangedGet(Offsets offsets) {
        long first = offsets.next(rangeBytes);
        String range = "bytes=" + first + "-" + (first + rangeBytes - 1);
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key("object").range(range))
                .asByteArray();
    }
}
