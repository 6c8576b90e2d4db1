package io.tieredstore.jmh;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * A Parquet point lookup {@code SELECT name, cat, amount, ts WHERE id = ?} of a random present key on a sorted table
 * of 4 ZSTD files of 250,000 rows (8 columns, 3 row groups each, page indexes), every way side by side, 1 thread:
 *
 * <ul>
 *   <li>{@code oursHot}: {@code ParquetLookup} with everything cached: metadata, pages in the memory tier and
 *       decompressed pages off the heap (a bound with room for the table) (no S3 request; {@code NONE} profile);
 *   <li>{@code oursHotUndecoded}: the same with the page cache off: every lookup decompresses the pages it reads
 *       from the memory tier (and reads its rows from them in place) ({@code NONE});
 *   <li>{@code parquetJavaCachedHot}: parquet-java's reader with column-index filtering, through the caching
 *       {@code S3Client} with every page in memory ({@code NONE});
 *   <li>{@code duckdbLocal}: DuckDB (JDBC prepared statement, parquet metadata cache on) on a local copy;
 *   <li>{@code oursColdMetadata}: {@code ParquetLookup} with its metadata cached but no page: before each call the
 *       memory tier drops the table's pages (microseconds), and the page cache is off ({@code STANDARD});
 *   <li>{@code directS3}: the data pages holding the row (key column and each projected column), one ranged GET
 *       each, in parallel, through the bare client: the floor of any lookup that has no page cached
 *       ({@code STANDARD});
 *   <li>{@code oursCold}: {@code ParquetLookup} with nothing cached: before each call a new lookup over a store that
 *       has forgotten every object's version and page ({@code STANDARD}): it opens all four objects;
 *   <li>{@code oursColdDeclared}: the same with each object's key range declared to the lookup
 *       ({@code keyRange}, as a table format's manifest gives them): it opens the one object that holds the key
 *       ({@code STANDARD});
 *   <li>{@code parquetJavaS3}: parquet-java's reader through the bare client, opening the file that holds the key
 *       (length known, as from a listing): tail, footer, page indexes, pages ({@code STANDARD}).
 * </ul>
 *
 * <p>At the end of each iteration the forked JVM prints S3 requests (by operation, from the fault proxy's counters),
 * KiB read and store fetches per lookup, and the lookup's own counters.
 *
 * <p>Run: {@code java -jar jmh/target/benchmarks.jar ParquetLookupBenchmark}; smoke:
 * {@code ... ParquetLookupBenchmark -p path=oursHot -p rowsPerObject=20000 -wi 0 -i 1 -r 2s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(1)
@SuppressWarnings("NullAway.Init")
public class ParquetLookupBenchmark {
    /** Which way the lookup is answered. */
    @Param({
        "oursHot",
        "oursHotUndecoded",
        "parquetJavaCachedHot",
        "duckdbLocal",
        "oursColdMetadata",
        "directS3",
        "oursCold",
        "oursColdDeclared",
        "parquetJavaS3"
    })
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
    private ParquetBench.Reader reader;
    private boolean cold;
    private final SplittableRandom random = new SplittableRandom(7);
    private final LongAdder lookups = new LongAdder();
    private long storeFetches;

    /** Builds the table and the path, checks its answers and warms what the path keeps hot. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        bench = ParquetBench.start(path, objects, rowsPerObject, storePageKiB);
        reader = bench.reader();
        ParquetBench.Way way = bench.path;
        cold = way == ParquetBench.Way.OURS_COLD_METADATA
                || way == ParquetBench.Way.OURS_COLD
                || way == ParquetBench.Way.OURS_COLD_DECLARED;
        if (way == ParquetBench.Way.OURS_HOT
                || way == ParquetBench.Way.OURS_HOT_UNDECODED
                || way == ParquetBench.Way.PARQUET_JAVA_CACHED_HOT) {
            bench.warmPages();
        }
        bench.check(reader);
        if (way == ParquetBench.Way.OURS_HOT
                || way == ParquetBench.Way.OURS_HOT_UNDECODED
                || way == ParquetBench.Way.OURS_COLD_METADATA) {
            bench.warmMetadata(reader);
        }
    }

    /** Zeroes the request counters. */
    @Setup(Level.Iteration)
    public void resetCounters() {
        bench.counters.reset();
        lookups.reset();
        storeFetches = bench.storeFetches();
    }

    /** Prints requests per lookup. */
    @TearDown(Level.Iteration)
    public void printCounters() {
        System.out.println(bench.requestsPerLookup(lookups.sum(), storeFetches));
    }

    /** Closes everything. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        reader.close();
        bench.close();
    }

    /** One lookup of a random present key. */
    @Benchmark
    public Object lookup() throws Exception {
        if (cold) {
            bench.evict();
        }
        lookups.increment();
        return reader.get(bench.table.key(random.nextLong(bench.table.rows())));
    }
}
