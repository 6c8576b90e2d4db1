package io.tieredstore.pagestore;

import io.tieredstore.core.ObjectId;
import io.tieredstore.core.PageKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The local store's hit ratio on a skewed trace, reclaiming regions in plain FIFO order or FIFO with
 * re-insertion of pages read since they were written (the store's default): the justification of the
 * eviction policy. A Zipf(0.9) trace of 300,000 reads over 20,000 pages replays against a store with room
 * for about 10% of them; a miss writes the page, as the tier chain would after fetching it.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar EvictionHitRatio}; the hit ratio is the
 * {@code hitRatio} secondary result (per iteration; JMH sums it over iterations).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(1)
@SuppressWarnings("NullAway.Init") // JMH sets @Param fields before any benchmark runs
public class EvictionHitRatioBenchmark {
    private static final int PAGES = 20_000;
    private static final int ACCESSES = 300_000;
    private static final int PAGE = 4096;
    private static final double SKEW = 0.9;

    /** "fifo" or "fifoReinsert" (the default policy). */
    @Param({"fifo", "fifoReinsert"})
    public String policy;

    /** The measured hit ratio. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Ratio {
        /** Hits over reads. */
        public double hitRatio;
    }

    /** Replays the trace once against a fresh store. */
    @Benchmark
    public double replay(Ratio out) throws IOException {
        double[] cdf = new double[PAGES];
        double sum = 0;
        for (int i = 0; i < PAGES; i++) {
            sum += 1 / Math.pow(i + 1, SKEW);
            cdf[i] = sum;
        }
        SplittableRandom random = new SplittableRandom(42);
        ObjectId id = new ObjectId("bench", "bucket", "trace");
        ByteBuffer page = ByteBuffer.allocate(PAGE);
        ByteBuffer dst = ByteBuffer.allocate(16);
        Path dir = Files.createTempDirectory("hit-ratio-");
        long hits = 0;
        try (LocalPageStore store = LocalPageStore.builder()
                .directories(List.of(dir))
                .pageSize(PAGE)
                .regionSize(256 << 10)
                .capacity(10L << 20) // about 2,000 pages of 4 KiB with their record headers
                .blockSize(4096)
                .reinsertHot(policy.equals("fifoReinsert"))
                .build()) {
            store.awaitRecovery();
            for (int i = 0; i < ACCESSES; i++) {
                int rank = Arrays.binarySearch(cdf, random.nextDouble() * sum);
                PageKey key = new PageKey(id, "v1", rank < 0 ? -rank - 1 : rank);
                dst.clear();
                if (store.read(key, 0, dst)) {
                    hits++;
                } else {
                    page.clear();
                    store.write(key, page);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            LocalPageStoreBenchmark.deleteTree(dir);
        }
        out.hitRatio = (double) hits / ACCESSES;
        return out.hitRatio;
    }
}
