package io.tieredstore.jmh;

import io.tieredstore.core.BytesOrigin;
import io.tieredstore.core.ConsistencyPolicy;
import io.tieredstore.core.ObjectVersion;
import io.tieredstore.core.Tier;
import io.tieredstore.core.TieredStore;
import io.tieredstore.pagestore.LocalPageStore;
import io.tieredstore.pagestore.MemoryTier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
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

/**
 * A 4 KiB read hit through the core API ({@code TieredStore.read}) from the memory tier and from the local
 * page store (OS page cache warm), side by side; the origin is never touched during measurement.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar TierHit -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class TierHitBenchmark {
    private static final int OBJECT_BYTES = 256 << 20;
    private static final int RANGE_BYTES = 4096;

    /** The one tier of the store: "memory" or "disk". */
    @Param({"memory", "disk"})
    public String tier;

    private Path dir;
    private TieredStore store;
    private ObjectVersion version;

    /** Builds a store with the chosen tier and reads the whole object once, so every page is held. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        byte[] data = new byte[OBJECT_BYTES];
        new Random(1).nextBytes(data);
        dir = Files.createTempDirectory("tier-hit-");
        Tier t = tier.equals("memory")
                ? MemoryTier.builder().capacity(512L << 20).build()
                : LocalPageStore.builder()
                        .directories(List.of(dir))
                        .capacity(1L << 30)
                        .build();
        store = TieredStore.builder()
                .origin(new BytesOrigin("array", data))
                .tier(t)
                .defaultConsistency(ConsistencyPolicy.IMMUTABLE)
                .build();
        version = store.open("bucket", "object");
        ByteBuffer all = ByteBuffer.allocate(1 << 20);
        for (long at = 0; at < OBJECT_BYTES; at += all.capacity()) {
            all.clear();
            store.read(version, at, all);
        }
        if (store.stats().tier(t.name()).usedBytes() != OBJECT_BYTES) {
            throw new IllegalStateException("the tier did not take every page: " + store.stats());
        }
    }

    /** Closes the store and deletes the disk tier's files. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Each thread's random aligned offsets and its reusable destination buffer. */
    @State(Scope.Thread)
    public static class Reader {
        private final SplittableRandom random = new SplittableRandom(7);
        private final ByteBuffer dst = ByteBuffer.allocate(RANGE_BYTES);

        long next() {
            return random.nextLong(OBJECT_BYTES / RANGE_BYTES) * RANGE_BYTES;
        }
    }

    /** One 4 KiB read at a random aligned offset. */
    @Benchmark
    public ByteBuffer read(Reader reader) {
        reader.dst.clear();
        store.read(version, reader.next(), reader.dst);
        return reader.dst;
    }
}
