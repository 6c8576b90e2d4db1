package io.tieredstore.jmh;

import io.tieredstore.parquetlookup.ParquetLookup;
import io.tieredstore.testfixtures.OriginCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parquet point lookups at scale: {@code SELECT name, cat, amount, ts WHERE id = ?} on a sorted table of 10M rows in
 * 40 ZSTD objects ({@link ScaleWorld}), keys Zipf(0.99) (hot ranks scattered over the key space) or uniform, on 1 and
 * 2 threads, latency percentiles (SampleTime) and throughput, every way side by side:
 *
 * <ul>
 *   <li>{@code oursHot}: {@code ParquetLookup}, every page in the memory tier, the page cache bounded to
 *       {@code pageCachePercent} % (0 %) and the result cache to {@code resultCachePercent} % (10 %) of the
 *       decompressed bytes of the key and projected columns (from the footers; printed);
 *   <li>{@code oursMemoryTier}: the same with both caches off: pages in the memory tier only;
 *   <li>{@code duckdbLocal}: DuckDB (JDBC prepared statement, parquet metadata cache on) on a local copy;
 *   <li>{@code parquetJavaCachedHot}: parquet-java with column-index filtering through the caching
 *       {@code S3Client}, every page in the memory tier.
 * </ul>
 *
 * <p>Each thread looks up a precomputed array of {@value #KEYS_PER_THREAD} rows of its own seed (drawing costs nothing
 * in the measurement). Before measuring, the trial fills the memory tier, loads every footer and page index, checks
 * {@value #CHECKED_KEYS} keys of the distribution against the table's values and DuckDB, and ({@code oursHot}) fills
 * its caches with {@code warmKeys} keys (300,000) of the distribution drawn with a seed no measuring thread uses, in
 * batches of {@value #WARM_BATCH} ({@code getAll} decompresses a page once per batch), or as many as run in
 * {@code warmSeconds} (60 s): the state a service's caches reach after that many lookups, without replaying the
 * measured sequence. At the end of a trial it prints {@code scale-stats: ...}: heap
 * (after a GC) and direct bytes held by the lookup since before it was built, per object and per row the cache bound
 * holds, origin requests during the measurement, and the lookup's stats.
 *
 * <p>Run everything (about 35 minutes): {@code java -jar jmh/target/benchmarks.jar ParquetScaleBenchmark}; only the
 * 1-thread latencies: {@code ... 'ParquetScaleBenchmark.latency1'}; smoke (a 4 x 20,000-row table):
 * {@code ... ParquetScaleBenchmark.latency1 -p way=oursHot -p keys=zipf -p objects=4 -p rowsPerObject=20000
 * -p warmSeconds=1 -wi 0 -i 1 -r 2s} (about 30 s).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
@SuppressWarnings("NullAway.Init")
public class ParquetScaleBenchmark {
    /** Rows each thread's key array holds (cycled). */
    static final int KEYS_PER_THREAD = 1 << 20;

    /** Keys per {@code getAll} call while filling oursHot's caches. */
    static final int WARM_BATCH = 10_000;

    /** The seed of the keys that fill the caches: not a measuring thread's (those are 1,000 + thread index). */
    static final long WARM_SEED = 999;

    /** The seed of the keys checked before measuring: neither a measuring thread's nor the warm-up's. */
    static final long CHECK_SEED = 998;

    /** Keys checked against the table's values and DuckDB before measuring. */
    static final int CHECKED_KEYS = 200;

    /** Which way the lookup is answered. */
    @Param({"oursHot", "oursMemoryTier", "duckdbLocal", "parquetJavaCachedHot"})
    public String way;

    /** The key distribution: {@code zipf} (exponent 0.99, hot keys scattered) or {@code uniform} (or {@code zipfClustered}). */
    @Param({"zipf", "uniform"})
    public String keys;

    /** Parquet objects in the table. */
    @Param({"40"})
    public int objects;

    /** Rows per object. */
    @Param({"250000"})
    public int rowsPerObject;

    /** The most rows a data page holds: parquet-java's default 20,000, or smaller pages for point lookups. */
    @Param({"20000"})
    public int pageRows;

    /** oursHot's page cache, in percent of the decompressed bytes of the key and projected columns. */
    @Param({"0"})
    public int pageCachePercent;

    /** oursHot's result cache, in percent of the decompressed bytes of the key and projected columns. */
    @Param({"10"})
    public int resultCachePercent;

    /** Keys oursHot looks up to fill its caches before measuring. */
    @Param({"300000"})
    public int warmKeys;

    /** The longest oursHot's cache fill may take. */
    @Param({"60"})
    public int warmSeconds;

    private ScaleWorld world;
    private ScaleKeys.Distribution distribution;
    private final Map<Integer, long[]> keysByThread = new ConcurrentHashMap<>();
    private final AtomicInteger threads = new AtomicInteger();
    private final LongAdder lookups = new LongAdder();
    private ScaleWorld.Memory before;
    private long requestsBefore;
    private long fetchesBefore;

    /** Builds the world, fills its caches, checks its answers. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        world = ScaleWorld.start(way, objects, rowsPerObject, pageRows, pageCachePercent, resultCachePercent);
        distribution = ScaleKeys.Distribution.parse(keys);
        keysOf(0);
        keysOf(1); // both drawn now, so that the heap baseline holds them
        long[] checked = ScaleKeys.rows(distribution, world.table.rows(), CHECKED_KEYS, CHECK_SEED);
        for (int k = 0; k < checked.length; k++) {
            checked[k] = world.table.key(checked[k]);
        }
        world.warmPages();
        before = ScaleWorld.Memory.now();
        world.buildLookup();
        try (ParquetBench.Reader reader = world.reader()) {
            world.warmMetadata(reader);
            world.check(reader, checked, CHECKED_KEYS);
            ParquetLookup ours = world.lookup();
            if (world.way == ScaleWorld.Way.OURS_HOT && ours != null) {
                long[] warm = ScaleKeys.rows(distribution, world.table.rows(), warmKeys, WARM_SEED);
                long start = System.nanoTime();
                long end = start + TimeUnit.SECONDS.toNanos(warmSeconds);
                int n = 0;
                while (n < warm.length && System.nanoTime() < end) {
                    int to = Math.min(warm.length, n + WARM_BATCH);
                    List<Object> batch = new ArrayList<>(to - n);
                    for (int i = n; i < to; i++) {
                        batch.add(world.table.key(warm[i]));
                    }
                    ours.getAll(batch);
                    n = to;
                }
                System.out.printf(
                        "scale-warm: %,d of %,d keys in %.1f s; %s%n",
                        n, warm.length, (System.nanoTime() - start) / 1e9, ours.stats());
            }
        }
        OriginCounters c = world.counters();
        requestsBefore = c == null ? 0 : c.totalRequests();
        fetchesBefore = world.originFetches();
    }

    /** The keys thread {@code index} looks up: its own seed, drawn once. */
    long[] keysOf(int index) {
        return keysByThread.computeIfAbsent(index, i -> {
            long[] keys = ScaleKeys.rows(distribution, world.table.rows(), KEYS_PER_THREAD, 1_000L + i);
            for (int k = 0; k < keys.length; k++) {
                keys[k] = world.table.key(keys[k]);
            }
            return keys;
        });
    }

    /** Prints {@code scale-stats: ...} and closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.println();
        System.out.println(world.stats(before, lookups.sum(), requestsBefore, fetchesBefore));
        world.close();
    }

    /** One thread's reader (DuckDB: its own connection) and keys (a seed of its own). */
    @State(Scope.Thread)
    @SuppressWarnings("NullAway.Init")
    public static class PerThread {
        ParquetBench.Reader reader;
        long[] keys;
        int next;
        long done;
        LongAdder total;

        /** Opens the thread's reader and takes its keys. */
        @Setup(Level.Trial)
        public void setUp(ParquetScaleBenchmark b) throws Exception {
            reader = b.world.reader();
            keys = b.keysOf(b.threads.getAndIncrement());
            total = b.lookups;
        }

        /** Closes the reader and counts its lookups. */
        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            total.add(done);
            reader.close();
        }

        Object lookup() throws Exception {
            done++;
            return reader.get(keys[next++ & (KEYS_PER_THREAD - 1)]);
        }
    }

    /** Latency percentiles, 1 thread. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(1)
    public Object latency1(PerThread t) throws Exception {
        return t.lookup();
    }

    /** Latency percentiles, 2 threads. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(2)
    public Object latency2(PerThread t) throws Exception {
        return t.lookup();
    }

    /** Lookups per second, 1 thread. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public Object throughput1(PerThread t) throws Exception {
        return t.lookup();
    }

    /** Lookups per second, 2 threads together. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(2)
    public Object throughput2(PerThread t) throws Exception {
        return t.lookup();
    }
}
