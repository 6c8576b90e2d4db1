package io.tieredstore.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * Hot Parquet point lookups on 1 and 2 threads (the machine has 2 cores): the table and query of
 * {@link ParquetLookupBenchmark}, every page cached, random present keys, for {@code ParquetLookup} (with the page cache on
 * and off) and the two hot baselines (parquet-java through the caching {@code S3Client}, DuckDB on a local copy). Throughput on both thread
 * counts, and latency percentiles on 2 threads (the 1-thread percentiles are {@link ParquetLookupBenchmark}'s).
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar ParquetLookupThroughput}.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
@SuppressWarnings("NullAway.Init")
public class ParquetLookupThroughputBenchmark {
    /** Which way the lookup is answered. */
    @Param({"oursHot", "oursHotUndecoded", "parquetJavaCachedHot", "duckdbLocal"})
    public String path;

    /** Parquet files in the table. */
    @Param({"4"})
    public int objects;

    /** Rows per file. */
    @Param({"250000"})
    public int rowsPerObject;

    /** The store's page size in KiB (the memory tier's too). */
    @Param({"64"})
    public int storePageKiB;

    private ParquetBench bench;
    private final AtomicLong seeds = new AtomicLong(7);

    /** Builds the table and the path and brings every page into memory. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        bench = ParquetBench.start(path, objects, rowsPerObject, storePageKiB);
        if (bench.path != ParquetBench.Way.DUCKDB_LOCAL) {
            bench.warmPages();
        }
        try (ParquetBench.Reader reader = bench.reader()) {
            bench.check(reader);
            if (bench.path == ParquetBench.Way.OURS_HOT || bench.path == ParquetBench.Way.OURS_HOT_UNDECODED) {
                bench.warmMetadata(reader);
            }
        }
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        bench.close();
    }

    /** One thread's reader (DuckDB: its own connection) and keys. */
    @State(Scope.Thread)
    @SuppressWarnings("NullAway.Init")
    public static class PerThread {
        ParquetBench.Reader reader;
        SplittableRandom random;

        /** Opens the thread's reader. */
        @Setup(Level.Trial)
        public void setUp(ParquetLookupThroughputBenchmark b) throws Exception {
            reader = b.bench.reader();
            random = new SplittableRandom(b.seeds.getAndIncrement());
        }

        /** Closes it. */
        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            reader.close();
        }

        Object lookup(ParquetBench bench) throws Exception {
            return reader.get(bench.table.key(random.nextLong(bench.table.rows())));
        }
    }

    /** Lookups per second on one thread. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @Threads(1)
    public Object oneThread(PerThread t) throws Exception {
        return t.lookup(bench);
    }

    /** Lookups per second with two threads (both together). */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @Threads(2)
    public Object twoThreads(PerThread t) throws Exception {
        return t.lookup(bench);
    }

    /** Latency percentiles with two threads. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(2)
    public Object twoThreadsLatency(PerThread t) throws Exception {
        return t.lookup(bench);
    }
}
